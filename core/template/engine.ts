// The Jinja runtime every part of kiln renders through: nunjucks' parser/compiler extended
// for Jinja (see compiler.ts), Python value semantics (runtime.ts), dbt-style global macros
// with package namespaces, and errors as KilnErrors with file:line:col.
import nunjucks from 'nunjucks';
import { Codes, KilnError } from '../errors.js';
import { baseGlobals, type BuiltinOptions } from './builtins.js';
import { macroSpans } from './blocks.js';
import { compileRoot, parseTemplate, type KnownNames, type RootFn } from './compiler.js';
import { analyse, interpret } from './interpreter.js';
import { renderError, syntaxError } from './errors.js';
import { createFilters, type FilterFn } from './filters.js';
import { JINJA_TESTS, type JinjaTest } from './jinja-tests.js';
import { Frame, type NjNode, type NjNodes, type NjParser } from './nunjucks-internals.js';
import { Scope, TemplateState, kilnRuntime, macroMeta, type MacroFunction, type RenderContext } from './runtime.js';
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
}

interface MacroRecord {
  fn: MacroFunction;
  info: MacroInfo;
  file: string;
  seq: number;
}

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
}

function staticTemplate(text: string): Template {
  const root: RootFn = (_env, _ctx, _frame, _rt, cb) => cb(null, text);
  return { root, ast: { children: [] } as unknown as NjNode, renders: 0 };
}

function blankOut(text: string): string {
  return text.replace(/[^\n]/g, ' ');
}

export class TemplateEngine {
  /** The nunjucks environment holding filters, tests and the `do` extension. */
  readonly env: nunjucks.Environment;
  private readonly state = new TemplateState();
  private readonly builtins: Dict;
  private readonly cache = new Map<string, Template>();
  private readonly extensions: object[];
  private readonly known: KnownNames;
  private readonly envInternals: { filters: Dict; tests: Dict };
  private readonly macrosByPkg = new Map<string, Map<string, MacroRecord>>();
  private readonly fileMacros = new Map<string, { pkg: string; names: string[] }>();
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
      ...baseGlobals({ ...opts, secrets: this.secrets }),
      __kiln_native__: function (this: Scope, value: unknown) {
        this.nativeValue = value;
        return '';
      },
      ...opts.globals,
    };
    Object.assign(this.state.globals, this.builtins);
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
        const ast = parseTemplate(src, this.extensions);
        const interpretable = analyse(ast, this.known) && this.execution !== 'compile';
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
    if (failed) throw renderError(scope.file, error, lineOffset);
    return out;
  }

  /**
   * Renders a template string. Every key of `context` is visible to the template and to the
   * macros it calls; renders may nest (a context function may call render()).
   */
  render(file: string, source: string, context: RenderContext, opts: RenderOptions = {}): string {
    const tpl = this.compile(file, source, opts.lineOffset);
    return this.run(tpl, new Scope(this.state, file), context, opts.lineOffset ?? 0);
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
    this.run(tpl, scope, context, opts.lineOffset ?? 0);
    return scope.nativeValue;
  }

  // ---------------------------------------------------------------- macros

  /**
   * Parses a macro file and registers its macros globally (`my_macro()`) and in the package's
   * namespace (`pkg.my_macro()`). `{% test x %}` registers `test_x`; `{% materialization %}`
   * blocks are reported but not compiled. Re-adding a file replaces its earlier macros.
   */
  addMacroFile(file: string, source: string, packageName: string): MacroInfo[] {
    const spans = macroSpans(file, source);
    let src = source;
    const infos: MacroInfo[] = [];
    for (const s of spans) {
      if (s.kind !== 'materialization') continue;
      src = src.slice(0, s.start) + blankOut(src.slice(s.start, s.end)) + src.slice(s.end);
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
    this.removeMacroFile(file, packageName);
    const names: string[] = [];
    for (const info of infos) {
      if (info.kind === 'materialization') continue;
      const fn = scope.vars[info.name];
      if (typeof fn !== 'function') continue;
      this.register(packageName, { fn: fn as MacroFunction, info, file, seq: ++this.seq });
      names.push(info.name);
    }
    this.fileMacros.set(`${packageName}\0${file}`, { pkg: packageName, names });
    return infos;
  }

  /** Unregisters the macros an earlier addMacroFile(file, ..., packageName) added. */
  removeMacroFile(file: string, packageName: string): void {
    const key = `${packageName}\0${file}`;
    const entry = this.fileMacros.get(key);
    if (!entry) return;
    this.fileMacros.delete(key);
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
    ns[rec.info.name] = rec.fn;
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
    if (rec) this.state.globals[name] = rec.fn;
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

  /** The registered macro function (for passing around, e.g. adapter.dispatch). */
  getMacro(name: string, packageName?: string): MacroFunction | undefined {
    if (packageName !== undefined) return this.macrosByPkg.get(packageName)?.get(name)?.fn;
    return this.findMacro(name)?.fn;
  }

  /** All registered macros (materializations are not registered). */
  listMacros(): MacroInfo[] {
    const out: MacroInfo[] = [];
    for (const m of this.macrosByPkg.values()) for (const rec of m.values()) out.push(rec.info);
    return out;
  }

  /** Calls a registered macro with positional args (a trailing kwargs() object passes keywords). */
  callMacro(name: string, args: unknown[], context: RenderContext, packageName?: string): unknown {
    const rec = packageName !== undefined ? this.macrosByPkg.get(packageName)?.get(name) : this.findMacro(name);
    if (!rec) {
      throw new KilnError(Codes.JINJA_RENDER, `macro '${packageName ? `${packageName}.` : ''}${name}' is not defined`, {
        hint: 'Is it defined in macros/ (or in an installed package)?',
      });
    }
    const prev = this.state.current;
    this.state.current = context;
    try {
      return rec.fn(...args);
    } catch (e) {
      throw renderError(macroMeta(rec.fn)?.file ?? rec.file, e);
    } finally {
      this.state.current = prev;
    }
  }

  /** Drops compiled templates (e.g. after many files changed in watch mode). */
  clearCache(): void {
    this.cache.clear();
  }
}
