// The Jinja runtime every part of kiln renders through: nunjucks' parser/compiler extended
// for Jinja (see compiler.ts), Python value semantics (runtime.ts), dbt-style global macros
// with package namespaces, and errors as KilnErrors with file:line:col.
import nunjucks from 'nunjucks';
import { Codes, KilnError } from '../errors.js';
import { baseGlobals, type BuiltinOptions } from './builtins.js';
import { macroSpans, type MacroSpan } from './blocks.js';
import { compileAsyncRoot, compileRoot, parseTemplate, type AsyncRootFn, type KnownNames, type RootFn } from './compiler.js';
import { analyse, interpret } from './interpreter.js';
import { isConstantOutput } from './constant-output.js';
import { renderError, syntaxError } from './errors.js';
import { createFilters, type FilterFn } from './filters.js';
import { JINJA_TESTS, type JinjaTest } from './jinja-tests.js';
import { Frame, type NjNode, type NjNodes, type NjParser } from './nunjucks-internals.js';
import { TemplateShapes } from './shapes.js';
import { MACRO_INFO, PY_VALUES, Scope, TemplateState, kilnAsyncRuntime, kilnRuntime, macroMeta, type MacroFunction, type RenderContext } from './runtime.js';
import { plainValue } from './values.js';
import { NeedsAsync } from './signals.js';
import type { Dict } from './values.js';

export type { RenderContext } from './runtime.js';
export { splitArgs, jinjaRepr, kwargs } from './values.js';
export { extractBlocks, type Block } from './blocks.js';

export interface MacroInfo {
  name: string;
  packageName: string;
  arguments: string[];
  /** 1-based line of the opening tag. */
  line: number;
  /** The macro's source, from its opening tag to the end of its closing tag. */
  sql: string;
  kind: 'macro' | 'test' | 'materialization';
}

export interface EngineOptions extends BuiltinOptions {
  /** The project's own package: its macros win over packages' for unqualified calls. */
  rootPackage?: string;
  /** Packages whose macros lose to every other package (dbt's own); default ['dbt']. */
  internalPackages?: string[];
  /** Jinja drops one trailing newline of a template unless this is set (default false, like dbt). */
  keepTrailingNewline?: boolean;
  /** Extra globals; like builtins they rank below the render context and macros. */
  globals?: Record<string, unknown>;
  /** Extra or replacement filters. */
  filters?: Record<string, FilterFn>;
  /**
   * How templates without macros run: 'auto' walks the AST and compiles to JS once a template
   * has been rendered often; 'compile'/'interpret' force one way (tests run both).
   */
  execution?: 'auto' | 'compile' | 'interpret';
}

export interface RenderOptions {
  /** Added to reported line numbers (when the source is a block cut out of a larger file). */
  lineOffset?: number;
  /** Collects the ids of the macros the template itself calls (`macro.<package>.<name>`, first call
   *  first; calls made inside those macros are theirs): dbt's depends_on.macros of a node. */
  macroCalls?: string[];
}

interface MacroRecord {
  /** The synchronous implementation. */
  fn: MacroFunction;
  /** What is registered globally: runs `fn`, or the async implementation when called from an async scope. */
  stub: MacroFunction;
  /** The async implementation, once its file has been compiled for async rendering. */
  asyncFn?: MacroFunction;
  /** Set once a call needed the async path (skips the synchronous attempt next time). */
  needsAsync?: boolean;
  info: MacroInfo;
  file: string;
  seq: number;
  /** Set while `fn` is a placeholder that compiles the file (addMacroFileLazily). */
  lazy?: LazyMacroFile;
}

/** A macro file added lazily and not compiled yet. */
interface LazyMacroFile {
  readonly source: string;
  readonly records: MacroRecord[];
}

interface MacroFileEntry {
  pkg: string;
  names: string[];
  /** The source as compiled (materialization blocks blanked), for the async variant. */
  source: string;
}

/** What a synchronous attempt returns when the template must be rendered asynchronously. */
const NEEDS_ASYNC: unique symbol = Symbol('needsAsync');

/** `{% do expr %}`: evaluate for side effects, render nothing. */
class DoExtension {
  readonly tags = ['do'];
  parse(parser: NjParser, n: NjNodes): NjNode {
    const tok = parser.nextToken() as NonNullable<ReturnType<NjParser['nextToken']>>;
    const expr = parser.parseExpression();
    parser.advanceAfterBlockEnd(tok.value);
    return new n.CallExtension(this, 'run', new n.NodeList(tok.lineno, tok.colno, [expr]), []);
  }
  run(): string {
    return '';
  }
}

/** Templates without any tag render to themselves; skip the parser entirely. */
const TAG_START = /\{[{%#]/;
const CACHE_LIMIT = 50_000;
/** Renders after which an interpreted template is compiled to JS. */
const HOT_RENDERS = 8;

interface Template {
  ast: NjNode;
  /** Compiled render function; null while the template is interpreted. */
  root: RootFn | null;
  renders: number;
  /** Compiled for async rendering, on first need. */
  asyncRoot?: AsyncRootFn;
  /** A render of it had to wait on the warehouse: later renders go straight to the async path. */
  needsAsync?: boolean;
  /** No tags at all: renders to itself. */
  isStatic?: boolean;
}

function staticTemplate(text: string): Template {
  const root: RootFn = (_env, _ctx, _frame, _rt, cb) => cb(null, text);
  return { root, ast: { children: [] } as unknown as NjNode, renders: 0, isStatic: true };
}

function blankOut(text: string): string {
  return text.replace(/[^\n]/g, ' ');
}

/** `source` with its materialization blocks blanked out (they are not compiled; lines stay where they were). */
function blankMaterializations(source: string, spans: readonly MacroSpan[]): string {
  let src = source;
  for (const s of spans) if (s.kind === 'materialization') src = src.slice(0, s.start) + blankOut(src.slice(s.start, s.end)) + src.slice(s.end);
  return src;
}

export class TemplateEngine {
  /** The nunjucks environment holding filters, tests and the `do` extension. */
  readonly env: nunjucks.Environment;
  private readonly state = new TemplateState();
  private readonly builtins: Dict;
  private readonly cache = new Map<string, Template>();
  /** renderYamlNative(): whether a source is a single output of a constant expression, by source. */
  private readonly constantOutputs = new Map<string, boolean>();
  /** Parsed trees by shape: templates differing only in text and string literals parse once (shapes.ts). */
  private readonly shapes = new TemplateShapes((src) => parseTemplate(src, this.extensions));
  /** analyse()'s answer by shape. */
  private readonly analysed = new WeakMap<object, boolean>();
  private readonly extensions: object[];
  private readonly known: KnownNames;
  private readonly envInternals: { filters: Dict; tests: Dict };
  private readonly macrosByPkg = new Map<string, Map<string, MacroRecord>>();
  private readonly fileMacros = new Map<string, MacroFileEntry>();
  /** Macro files compiled for async rendering: their top-level variables (the async macros). */
  private readonly asyncFiles = new Map<string, Promise<Dict>>();
  /** Renders collecting their own macro calls (RenderOptions.macroCalls), by their scope. */
  private readonly macroCalls = new Map<Scope, string[]>();
  /** Log lines of a synchronous attempt, held back until it is known not to be retried. */
  private heldLogs: (() => void)[] | null = null;
  private logSink: (message: string, info: boolean | 'print') => void;
  private warnSink: ((message: string) => void) | undefined;
  private readonly rootPackage?: string;
  private readonly internal: Set<string>;
  private readonly keepTrailingNewline: boolean;
  private readonly execution: 'auto' | 'compile' | 'interpret';
  private seq = 0;
  /** Values of secret env vars read so far (DBT_ENV_SECRET_*, KILN_SECRET_*), for log redaction. */
  readonly secrets: Set<string>;

  constructor(opts: EngineOptions = {}) {
    const loader: nunjucks.ILoader = {
      getSource: (name: string): nunjucks.LoaderSource => {
        throw new KilnError(Codes.JINJA_RENDER, `templates cannot load other files ('${name}')`);
      },
    };
    this.env = new nunjucks.Environment(loader, { autoescape: false });
    this.rootPackage = opts.rootPackage;
    this.internal = new Set(opts.internalPackages ?? ['dbt']);
    this.keepTrailingNewline = opts.keepTrailingNewline ?? false;
    this.execution = opts.execution ?? 'auto';
    this.secrets = opts.secrets ?? new Set<string>();
    this.logSink = opts.log ?? (() => {});
    this.warnSink = opts.warn;

    const envInternals = this.env as unknown as { filters: Dict; tests: Dict; extensionsList: object[]; addTest(name: string, fn: JinjaTest): void };
    for (const [name, test] of Object.entries(JINJA_TESTS)) envInternals.addTest(name, test);
    const filters = createFilters({
      getFilter: (name) => envInternals.filters[name] as FilterFn | undefined,
      getTest: (name) => envInternals.tests[name] as JinjaTest | undefined,
    });
    for (const [name, f] of Object.entries({ ...filters, ...opts.filters })) this.env.addFilter(name, f);
    this.env.addExtension('do', new DoExtension());
    this.extensions = envInternals.extensionsList;
    this.envInternals = envInternals;
    this.known = { filters: { has: (n) => n in envInternals.filters }, tests: { has: (n) => n in envInternals.tests } };

    this.builtins = {
      ...baseGlobals({
        ...opts,
        secrets: this.secrets,
        log: (m, info) => this.emit(() => this.logSink(m, info)),
        warn: (m) => this.emit(() => (this.warnSink ? this.warnSink(m) : this.logSink(m, true))),
      }),
      __kiln_native__: function (this: Scope, value: unknown) {
        this.nativeValue = value;
        return '';
      },
      ...opts.globals,
    };
    // builtins take template values as they are (a whole float stays a float through them)
    for (const v of Object.values(this.builtins)) if (typeof v === 'function') (v as unknown as Record<symbol, unknown>)[PY_VALUES] = true;
    Object.assign(this.state.globals, this.builtins);
  }

  /** Where log() / print() / exceptions.warn() messages go (set once the console is known). */
  setLogSink(log: (message: string, info: boolean | 'print') => void, warn?: (message: string) => void): void {
    this.logSink = log;
    this.warnSink = warn;
  }

  private emit(write: () => void): void {
    if (this.heldLogs) this.heldLogs.push(write);
    else write();
  }

  /**
   * Runs a synchronous attempt. If it called something that must wait on the warehouse, its
   * log lines are dropped (the async retry logs them again) and NEEDS_ASYNC is returned.
   */
  private attempt<T>(fn: () => T): T | typeof NEEDS_ASYNC {
    const outer = this.heldLogs;
    const held: (() => void)[] = [];
    this.heldLogs = held;
    let ok = false;
    try {
      const v = fn();
      ok = true;
      return v;
    } catch (e) {
      if (e instanceof NeedsAsync) return NEEDS_ASYNC;
      ok = true;
      throw e;
    } finally {
      this.heldLogs = outer;
      if (ok) for (const w of held) this.emit(w);
    }
  }

  /** Adds or replaces a global (ranked like builtins: below the render context and macros). */
  addGlobal(name: string, value: unknown): void {
    this.builtins[name] = value;
    this.resolveName(name);
  }

  addFilter(name: string, fn: FilterFn): void {
    this.env.addFilter(name, fn);
  }

  // ---------------------------------------------------------------- compile

  private compile(file: string, source: string, lineOffset = 0): Template {
    const hit = this.cache.get(source);
    if (hit) return hit;
    let src = source;
    if (!this.keepTrailingNewline) src = src.endsWith('\r\n') ? src.slice(0, -2) : src.endsWith('\n') ? src.slice(0, -1) : src;
    let tpl: Template;
    if (!TAG_START.test(src)) tpl = staticTemplate(src);
    else {
      try {
        const { ast, shape } = this.shapes.tree(src);
        // What analyse() finds depends on the tree's structure and on the filters and tests,
        // which are only ever added: a shape that passed once passes again.
        let supported = shape ? this.analysed.get(shape) : undefined;
        if (supported === undefined) {
          supported = analyse(ast, this.known);
          if (shape) this.analysed.set(shape, supported);
        }
        const interpretable = supported && this.execution !== 'compile';
        tpl = { ast, root: interpretable ? null : compileRoot(ast, this.known), renders: 0 };
      } catch (e) {
        throw syntaxError(file, src, e, lineOffset, { filters: Object.keys(this.envInternals.filters), tests: Object.keys(this.envInternals.tests) });
      }
    }
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(source, tpl);
    return tpl;
  }

  /** Compile-only syntax check → KilnError(JINJA_SYNTAX) with file:line:col. */
  check(file: string, source: string): void {
    this.compile(file, source);
  }

  private run(tpl: Template, scope: Scope, context: RenderContext, lineOffset: number): string {
    const prev = this.state.current;
    this.state.current = context;
    let out = '';
    let failed = false;
    let error: unknown;
    try {
      if (tpl.root === null && this.execution === 'auto' && ++tpl.renders > HOT_RENDERS) tpl.root = compileRoot(tpl.ast, this.known);
      if (tpl.root === null) out = interpret(tpl.ast, this.env as unknown as Parameters<typeof interpret>[1], scope);
      else {
        const frame = new Frame();
        frame.topLevel = true;
        tpl.root(this.env, scope, frame, kilnRuntime, (err, res) => {
          if (err) {
            failed = true;
            error = err;
          } else out = res ?? '';
        });
      }
    } catch (e) {
      failed = true;
      error = e;
    } finally {
      this.state.current = prev;
    }
    if (failed) throw error instanceof NeedsAsync ? error : renderError(scope.file, error, lineOffset);
    return out;
  }

  private async runAsync(tpl: Template, scope: Scope, lineOffset: number): Promise<string> {
    if (tpl.isStatic) return this.run(tpl, scope, scope.current ?? {}, lineOffset);
    try {
      tpl.asyncRoot ??= compileAsyncRoot(tpl.ast, this.known);
      const root = tpl.asyncRoot;
      const frame = new Frame();
      frame.topLevel = true;
      return await new Promise<string>((resolve, reject) => {
        root(this.env, scope, frame, kilnAsyncRuntime, (err, res) => (err ? reject(err) : resolve(res ?? ''))).catch(reject);
      });
    } catch (e) {
      throw renderError(scope.file, e, lineOffset);
    }
  }

  /** A sync API met a function that waits on the warehouse. */
  private needsWarehouse(e: NeedsAsync, file: string): KilnError {
    return new KilnError(Codes.JINJA_RENDER, `'${e.name}' queries the warehouse and cannot be called here`, {
      loc: { file },
      hint: 'Warehouse queries (run_query, statement, adapter introspection) run while nodes execute, not while parsing or naming relations.',
      cause: e,
    });
  }

  /**
   * Renders a template string. Every key of `context` is visible to the template and to the
   * macros it calls; renders may nest (a context function may call render()).
   */
  render(file: string, source: string, context: RenderContext, opts: RenderOptions = {}): string {
    const tpl = this.compile(file, source, opts.lineOffset);
    const scope = new Scope(this.state, file);
    if (opts.macroCalls) this.macroCalls.set(scope, opts.macroCalls);
    try {
      return this.run(tpl, scope, context, opts.lineOffset ?? 0);
    } catch (e) {
      throw e instanceof NeedsAsync ? this.needsWarehouse(e, file) : e;
    } finally {
      if (opts.macroCalls) this.macroCalls.delete(scope);
    }
  }

  /**
   * Renders a template that may wait on the warehouse (run_query, statement, adapter
   * introspection). It is first rendered synchronously; the first call that must wait
   * abandons that attempt before anything reached the warehouse, and the template is
   * rendered again with its async compilation (remembered for later renders of it).
   */
  async renderAsync(file: string, source: string, context: RenderContext, opts: RenderOptions = {}): Promise<string> {
    const out = this.renderNow(file, source, context, opts);
    if (out !== null) return out;
    // (compile() answers from its cache: renderNow compiled it)
    const tpl = this.compile(file, source, opts.lineOffset);
    return this.runAsync(tpl, new Scope(this.state, file, undefined, { async: true, current: context }), opts.lineOffset ?? 0);
  }

  /**
   * renderAsync's first, synchronous attempt on its own: the output, or null when the template
   * must wait on the warehouse (marked so: renderAsync then renders it on its async path at once).
   */
  renderNow(file: string, source: string, context: RenderContext, opts: RenderOptions = {}): string | null {
    const tpl = this.compile(file, source, opts.lineOffset);
    if (tpl.needsAsync) return null;
    const out = this.attempt(() => this.run(tpl, new Scope(this.state, file), context, opts.lineOffset ?? 0));
    if (out !== NEEDS_ASYNC) return out;
    tpl.needsAsync = true;
    return null;
  }

  /** renderNative() for templates that may wait on the warehouse (see renderAsync). */
  async renderNativeAsync(file: string, source: string, context: RenderContext, opts: RenderOptions = {}): Promise<unknown> {
    const m = /^\s*\{\{-?([\s\S]*?)-?\}\}\s*$/.exec(source);
    if (!m || m[1].includes('}}') || m[1].includes('{{')) return this.renderAsync(file, source, context, opts);
    let tpl: Template;
    try {
      tpl = this.compile(file, `{% do __kiln_native__(${m[1]}) %}`, opts.lineOffset);
    } catch {
      return this.renderAsync(file, source, context, opts);
    }
    const lineOffset = opts.lineOffset ?? 0;
    if (!tpl.needsAsync) {
      const scope = new Scope(this.state, file);
      const out = this.attempt(() => this.run(tpl, scope, context, lineOffset));
      if (out !== NEEDS_ASYNC) return plainValue(scope.nativeValue);
      tpl.needsAsync = true;
    }
    const scope = new Scope(this.state, file, undefined, { async: true, current: context });
    await this.runAsync(tpl, scope, lineOffset);
    return plainValue(scope.nativeValue);
  }

  /**
   * Renders like dbt's native environment: a source that is a single `{{ expr }}` returns the
   * expression's value (so `{{ env_var('PORT') | as_number }}` is a number); anything else renders to a string.
   */
  renderNative(file: string, source: string, context: RenderContext, opts: RenderOptions = {}): unknown {
    const m = /^\s*\{\{-?([\s\S]*?)-?\}\}\s*$/.exec(source);
    if (!m || m[1].includes('}}') || m[1].includes('{{')) return this.render(file, source, context, opts);
    let tpl: Template;
    try {
      tpl = this.compile(file, `{% do __kiln_native__(${m[1]}) %}`, opts.lineOffset);
    } catch {
      return this.render(file, source, context, opts);
    }
    const scope = new Scope(this.state, file);
    try {
      this.run(tpl, scope, context, opts.lineOffset ?? 0);
    } catch (e) {
      throw e instanceof NeedsAsync ? this.needsWarehouse(e, file) : e;
    }
    return plainValue(scope.nativeValue);
  }

  /**
   * A value of YAML rendered as dbt's get_rendered(native=True) does: renderNative(), except that
   * an output of a constant expression is its text (`{{ 250 }}` is '250': see constant-output.ts).
   */
  renderYamlNative(file: string, source: string, context: RenderContext, opts: RenderOptions = {}): unknown {
    const m = /^\s*\{\{-?([\s\S]*?)-?\}\}\s*$/.exec(source);
    if (!m || m[1].includes('}}') || m[1].includes('{{')) return this.render(file, source, context, opts);
    // Many entries repeat one value (a severity on every test): its parse is judged once.
    let constant = this.constantOutputs.get(source);
    if (constant === undefined) {
      try {
        constant = isConstantOutput(parseTemplate(source, this.extensions));
      } catch {
        // A syntax error: render() reports it with its place.
        return this.render(file, source, context, opts);
      }
      if (this.constantOutputs.size >= 10_000) this.constantOutputs.clear();
      this.constantOutputs.set(source, constant);
    }
    return constant ? this.render(file, source, context, opts) : this.renderNative(file, source, context, opts);
  }

  // ---------------------------------------------------------------- macros

  /**
   * Parses a macro file and registers its macros globally (`my_macro()`) and in the package's
   * namespace (`pkg.my_macro()`). `{% test x %}` registers `test_x`; `{% materialization %}`
   * blocks are reported but not compiled. Re-adding a file replaces its earlier macros.
   */
  addMacroFile(file: string, source: string, packageName: string): MacroInfo[] {
    const { src, infos, fns } = this.compileMacroFile(file, source, packageName);
    this.checkDuplicates(file, packageName, infos);
    this.removeMacroFile(file, packageName);
    const names: string[] = [];
    for (const info of infos) {
      if (info.kind === 'materialization') continue;
      const fn = fns[info.name];
      if (typeof fn !== 'function') continue;
      const rec = { fn: fn as MacroFunction, info, file, seq: ++this.seq } as MacroRecord;
      rec.stub = this.stubFor(rec);
      this.register(packageName, rec);
      names.push(info.name);
    }
    this.fileMacros.set(`${packageName}\0${file}`, { pkg: packageName, names, source: src });
    return infos;
  }

  /**
   * addMacroFile() for kiln's own macro files (trusted, free of errors): their macros are
   * registered from a scan of the source and the file is compiled on the first call of any of
   * them. Compiling kiln's built-in macros cost ~60 ms of every start, and most runs call none.
   */
  addMacroFileLazily(file: string, source: string, packageName: string): void {
    const spans = macroSpans(file, source);
    const src = blankMaterializations(source, spans);
    const infos: MacroInfo[] = [];
    for (const s of spans) {
      if (s.kind === 'materialization') continue;
      // `arguments` are known once the file is compiled (listMacros compiles lazy files first)
      infos.push({ name: s.kind === 'test' ? `test_${s.name}` : s.name, packageName, arguments: [], line: s.line, sql: source.slice(s.start, s.end), kind: s.kind });
    }
    this.checkDuplicates(file, packageName, infos);
    this.removeMacroFile(file, packageName);
    const lazy: LazyMacroFile = { source, records: [] };
    for (const info of infos) {
      const engine = this;
      const rec = { info, file, seq: ++this.seq, lazy } as MacroRecord;
      rec.fn = function (this: unknown, ...args: unknown[]): unknown {
        engine.compileLazy(rec);
        return rec.fn.apply(this, args);
      };
      rec.stub = this.stubFor(rec);
      // until compiled: a macro's marker (calls pass template values as they are), with its real one after
      rec.stub[MACRO_INFO] = { name: info.name, file, packageName, params: [] };
      lazy.records.push(rec);
      this.register(packageName, rec);
    }
    this.fileMacros.set(`${packageName}\0${file}`, { pkg: packageName, names: infos.map((i) => i.name), source: src });
  }

  /** Compiles a lazily added file and puts its functions into the records registered for it (their stubs stay the same). */
  private compileLazy(rec: MacroRecord): void {
    const lazy = rec.lazy;
    if (!lazy) return;
    const { infos, fns } = this.compileMacroFile(rec.file, lazy.source, rec.info.packageName);
    const byName = new Map(infos.map((i) => [i.name, i]));
    for (const r of lazy.records) {
      const fn = fns[r.info.name];
      if (typeof fn !== 'function') throw new KilnError(Codes.JINJA_RENDER, `kiln's macro '${r.info.name}' did not compile (${r.file})`);
      r.fn = fn as MacroFunction;
      r.info.arguments = byName.get(r.info.name)?.arguments ?? [];
      r.stub[MACRO_INFO] = r.fn[MACRO_INFO];
      delete r.lazy;
    }
  }

  /** Compiles and runs a macro file (materialization blocks blanked): its macros' infos (sorted by line) and functions. */
  private compileMacroFile(file: string, source: string, packageName: string): { src: string; infos: MacroInfo[]; fns: Dict } {
    const spans = macroSpans(file, source);
    const src = blankMaterializations(source, spans);
    const infos: MacroInfo[] = [];
    for (const s of spans) {
      if (s.kind !== 'materialization') continue;
      infos.push({ name: `materialization_${s.name}_${s.adapter ?? 'default'}`, packageName, arguments: [], line: s.line, sql: source.slice(s.start, s.end), kind: 'materialization' });
    }
    const tpl = this.compile(file, src);
    const scope = new Scope(this.state, file, packageName);
    this.run(tpl, scope, {}, 0);

    const seen = new Map<string, number>();
    for (const node of tpl.ast.children) {
      if (node.typename !== 'Macro') continue;
      const name = String((node.name as NjNode).value);
      const line = node.lineno + 1;
      const kind = node.kilnKind === 'test' ? 'test' : 'macro';
      if (seen.has(name)) {
        throw new KilnError(Codes.MACRO_DUPLICATE, `Macro '${name}' is defined twice in ${file} (lines ${seen.get(name)} and ${line})`, {
          loc: { file, line },
          related: [{ file, line: seen.get(name) }],
          hint: 'Rename or remove one of them.',
        });
      }
      seen.set(name, line);
      const args: string[] = [];
      for (const a of (node.args as NjNode).children) {
        if (a.typename === 'Symbol') args.push(String(a.value));
        else if (a.typename === 'KeywordArgs') for (const p of a.children) args.push(String((p.key as NjNode).value));
      }
      const span = spans.find((s) => s.line === line && s.kind === kind);
      infos.push({ name, packageName, arguments: args, line, sql: span ? source.slice(span.start, span.end) : '', kind });
    }
    infos.sort((a, b) => a.line - b.line);
    return { src, infos, fns: scope.vars };
  }

  /** A macro of `infos` already registered for the package from another file is an error. */
  private checkDuplicates(file: string, packageName: string, infos: readonly MacroInfo[]): void {
    const pkgMacros = this.macrosByPkg.get(packageName);
    for (const info of infos) {
      const other = pkgMacros?.get(info.name);
      if (other && other.file !== file) {
        throw new KilnError(Codes.MACRO_DUPLICATE, `Macro '${info.name}' is defined twice in package '${packageName}': ${other.file} and ${file}`, {
          loc: { file, line: info.line },
          related: [{ file: other.file, line: other.info.line }],
          hint: 'Rename or remove one of the two definitions.',
        });
      }
    }
  }

  /** Unregisters the macros an earlier addMacroFile(file, ..., packageName) added. */
  removeMacroFile(file: string, packageName: string): void {
    const key = `${packageName}\0${file}`;
    const entry = this.fileMacros.get(key);
    if (!entry) return;
    this.fileMacros.delete(key);
    this.asyncFiles.delete(key);
    const pkgMacros = this.macrosByPkg.get(packageName);
    const ns = this.state.namespaces.get(packageName);
    for (const name of entry.names) {
      pkgMacros?.delete(name);
      if (ns) delete ns[name];
      this.resolveName(name);
    }
  }

  private register(pkg: string, rec: MacroRecord): void {
    let pkgMacros = this.macrosByPkg.get(pkg);
    if (!pkgMacros) {
      pkgMacros = new Map();
      this.macrosByPkg.set(pkg, pkgMacros);
    }
    pkgMacros.set(rec.info.name, rec);
    let ns = this.state.namespaces.get(pkg);
    if (!ns) {
      ns = {};
      this.state.namespaces.set(pkg, ns);
      if (!(pkg in this.builtins)) this.state.globals[pkg] = ns;
    }
    ns[rec.info.name] = rec.stub;
    this.state.macroNames.add(rec.info.name);
    this.resolveName(rec.info.name);
  }

  private rank(pkg: string): number {
    return pkg === this.rootPackage ? 2 : this.internal.has(pkg) ? 0 : 1;
  }

  private findMacro(name: string): MacroRecord | undefined {
    let best: MacroRecord | undefined;
    let bestRank = -1;
    for (const [pkg, m] of this.macrosByPkg) {
      const rec = m.get(name);
      if (!rec) continue;
      const r = this.rank(pkg);
      if (r > bestRank || (r === bestRank && best && rec.seq > best.seq)) {
        best = rec;
        bestRank = r;
      }
    }
    return best;
  }

  /** Recomputes what an unqualified name means: a macro (by package precedence) or a builtin. */
  private resolveName(name: string): void {
    const rec = this.findMacro(name);
    if (rec) this.state.globals[name] = rec.stub;
    else {
      this.state.macroNames.delete(name);
      if (name in this.builtins) this.state.globals[name] = this.builtins[name];
      else if (this.state.namespaces.has(name)) this.state.globals[name] = this.state.namespaces.get(name);
      else delete this.state.globals[name];
    }
  }

  hasMacro(name: string, packageName?: string): boolean {
    if (packageName !== undefined) return this.macrosByPkg.get(packageName)?.has(name) ?? false;
    return this.findMacro(name) !== undefined;
  }

  /**
   * A macro's source as written (its `{% macro %}` block), without compiling its file: listMacros
   * compiles every file added lazily first (kiln's built-in macros, ~100 ms at parse time).
   */
  macroSource(name: string, packageName: string): string | undefined {
    return this.macrosByPkg.get(packageName)?.get(name)?.info.sql;
  }

  /** The package a macro an unqualified call to `name` would run comes from (undefined: none). */
  macroPackage(name: string): string | undefined {
    return this.findMacro(name)?.info.packageName;
  }

  /** The registered macro function (for passing around, e.g. adapter.dispatch). */
  getMacro(name: string, packageName?: string): MacroFunction | undefined {
    if (packageName !== undefined) return this.macrosByPkg.get(packageName)?.get(name)?.stub;
    return this.findMacro(name)?.stub;
  }

  private noteCall(caller: Scope, rec: MacroRecord): void {
    const calls = this.macroCalls.get(caller);
    if (!calls) return;
    const id = `macro.${rec.info.packageName}.${rec.info.name}`;
    if (!calls.includes(id)) calls.push(id);
  }

  /**
   * The function registered for a macro: called from a synchronous render it runs the macro's
   * synchronous compilation; called from an async scope (an async render) it runs the async
   * compilation of the macro's file, compiled on first use.
   */
  private stubFor(rec: MacroRecord): MacroFunction {
    const engine = this;
    const stub: MacroFunction = function (this: unknown, ...args: unknown[]): unknown {
      // `this` is the calling template's scope: a render collecting its own calls notes this one.
      if (engine.macroCalls.size && this instanceof Scope) engine.noteCall(this, rec);
      if (this instanceof Scope && this.async) {
        const impl = rec.asyncFn;
        if (impl) return impl.apply(this, args);
        return engine.asyncImpl(rec).then((f) => f.apply(this, args));
      }
      return rec.fn.apply(this, args);
    };
    stub[MACRO_INFO] = rec.fn[MACRO_INFO];
    return stub;
  }

  private async asyncImpl(rec: MacroRecord): Promise<MacroFunction> {
    const key = `${rec.info.packageName}\0${rec.file}`;
    let vars = this.asyncFiles.get(key);
    if (!vars) {
      const entry = this.fileMacros.get(key);
      if (!entry) throw new KilnError(Codes.JINJA_RENDER, `macro '${rec.info.name}' was removed while it was in use`);
      vars = this.compileAsyncFile(rec.file, entry);
      this.asyncFiles.set(key, vars);
    }
    const fn = (await vars)[rec.info.name];
    if (typeof fn !== 'function') throw new KilnError(Codes.JINJA_RENDER, `macro '${rec.info.name}' has no async compilation`);
    rec.asyncFn = fn as MacroFunction;
    return rec.asyncFn;
  }

  /** Runs a macro file's async compilation once; its top-level variables are its async macros. */
  private async compileAsyncFile(file: string, entry: MacroFileEntry): Promise<Dict> {
    const tpl = this.compile(file, entry.source);
    const scope = new Scope(this.state, file, entry.pkg, { async: true, current: {} });
    await this.runAsync(tpl, scope, 0);
    return scope.vars;
  }

  /** All registered macros (materializations are not registered). */
  listMacros(): MacroInfo[] {
    for (const m of this.macrosByPkg.values()) for (const rec of m.values()) this.compileLazy(rec);
    const out: MacroInfo[] = [];
    for (const m of this.macrosByPkg.values()) for (const rec of m.values()) out.push(rec.info);
    return out;
  }

  /** A package's macros by name (what `pkg.name` calls); empty for an unknown package. */
  packageMacros(packageName: string): Readonly<Record<string, MacroFunction>> {
    const out: Record<string, MacroFunction> = {};
    for (const [name, rec] of this.macrosByPkg.get(packageName) ?? []) out[name] = rec.stub;
    return out;
  }

  private record(name: string, packageName?: string): MacroRecord {
    const rec = packageName !== undefined ? this.macrosByPkg.get(packageName)?.get(name) : this.findMacro(name);
    if (!rec) {
      throw new KilnError(Codes.JINJA_RENDER, `macro '${packageName ? `${packageName}.` : ''}${name}' is not defined`, {
        hint: 'Is it defined in macros/ (or in an installed package)?',
      });
    }
    return rec;
  }

  private callSync(rec: MacroRecord, args: unknown[], context: RenderContext): unknown {
    const prev = this.state.current;
    this.state.current = context;
    try {
      return rec.fn(...args);
    } catch (e) {
      throw e instanceof NeedsAsync ? e : renderError(macroMeta(rec.fn)?.file ?? rec.file, e);
    } finally {
      this.state.current = prev;
    }
  }

  /** Calls a registered macro with positional args (a trailing kwargs() object passes keywords). */
  callMacro(name: string, args: unknown[], context: RenderContext, packageName?: string): unknown {
    const rec = this.record(name, packageName);
    try {
      return plainValue(this.callSync(rec, args, context));
    } catch (e) {
      throw e instanceof NeedsAsync ? this.needsWarehouse(e, rec.file) : e;
    }
  }

  /** callMacro() for macros that may wait on the warehouse (see renderAsync). */
  async callMacroAsync(name: string, args: unknown[], context: RenderContext, packageName?: string): Promise<unknown> {
    const rec = this.record(name, packageName);
    if (!rec.needsAsync) {
      const out = this.attempt(() => this.callSync(rec, args, context));
      if (out !== NEEDS_ASYNC) return plainValue(out);
      rec.needsAsync = true;
    }
    const scope = new Scope(this.state, rec.file, rec.info.packageName, { async: true, current: context });
    try {
      return plainValue(await rec.stub.apply(scope, args));
    } catch (e) {
      throw renderError(rec.file, e);
    }
  }

  /** Drops compiled templates (e.g. after many files changed in watch mode). */
  clearCache(): void {
    this.cache.clear();
  }
}

/** Whether an error came from a synchronous render that needed the warehouse (retry it with renderAsync and a connection). */
export function needsWarehouse(e: unknown): boolean {
  return e instanceof KilnError && e.cause instanceof NeedsAsync;
}
