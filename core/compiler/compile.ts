// Compile: render a node with the run-time context (real relation names), inlining ephemeral
// ancestors as CTEs. Pure apart from `isIncremental`, which the caller answers from warehouse state.
import type { RelationName } from '../../adapters/adapter.js';
import { Codes, KilnError } from '../errors.js';
import type { Manifest, ParsedNode, RefCall } from '../nodes.js';
import { kwargs, type RenderContext, type TemplateEngine } from '../template/engine.js';
import { isCallExpression } from '../data-tests/build-tests.js';
import { isWholeFloat } from '../project/yaml-floats.js';
import { PyFloat } from '../template/values.js';
import { runContext, staticRunContext, type ContextDeps, type RunResolver } from './context.js';
import { cteDefinition, injectCtes } from './inject-ctes.js';
import { renderingEphemeral, renderingEphemeralAsync } from './ephemeral-failure.js';
import { dropUserAliased, EmptyRelation, RelationValue } from './relation.js';
import { readStatic, renderStatic, type StaticTemplate } from './static-template.js';
import { batchContext, EventTimeFilteredRelation, type BatchWindow } from '../materializations/microbatch.js';
import { RefIndex } from '../packages/ref-index.js';
import { nodeRelation, sourceRelation } from '../project/quoting.js';
import type { Warehouse } from '../macros/jinja-env.js';
import type { NodeHook } from '../macros/hooks.js';

export interface CompiledNode {
  readonly uniqueId: string;
  /** The SQL to materialize: rendered, with ephemeral CTEs injected. */
  readonly sql: string;
  /** Ephemeral ancestors that were inlined, ancestors first. */
  readonly ephemerals: readonly string[];
}

export interface CompileOptions {
  /** Answers is_incremental() for a node (run time only). */
  readonly isIncremental?: (node: ParsedNode) => boolean;
  /** Render templates whose only Jinja is literal ref/source/config/var calls without the engine (default true). */
  readonly staticFastPath?: boolean;
  /** --empty: refs and sources render as zero-row subqueries (dbt's `where false limit 0`). */
  readonly empty?: boolean;
  /**
   * Called once for each ephemeral model a compiled node inlines, with the ephemeral's own
   * compiled SQL (dbt compiles, records and writes an ephemeral when a node using it compiles).
   */
  readonly onEphemeral?: (node: ParsedNode, sql: string) => void;
}

/** Run-time answers for one compile of one node, from warehouse state (see core/materializations). */
export interface NodeCompileOptions {
  /** is_incremental() for this node. */
  readonly isIncremental?: boolean;
  /** A microbatch batch: refs and sources with an `event_time` config are narrowed to it. */
  readonly batch?: BatchWindow;
  /** Where run_query / statement / adapter introspection run: the connection building the node (compileAsync). */
  readonly warehouse?: Warehouse;
}

export class Compiler {
  /** ref() / source() targets, package-aware (a node's own package first, then the root project). */
  private readonly refs: RefIndex;
  /** Rendered bodies (before injection) and the ephemerals each refers to directly. */
  private readonly rendered = new Map<string, { body: string; ephemeralRefs: string[] }>();
  /** How a ref to a node renders (relationOf as text), by unique id: a node is referred to by several. */
  private readonly relationText = new Map<string, string>();
  /** How a source() call renders, by the source table's unique id (quoting each part costs more than the rest of such a render). */
  private readonly sourceText = new Map<string, string>();

  constructor(
    private readonly manifest: Manifest,
    private readonly engine: TemplateEngine,
    private readonly deps: ContextDeps,
    private readonly profileName: string,
    private readonly opts: CompileOptions = {},
  ) {
    this.refs = new RefIndex(manifest);
  }

  /** --defer: refs to these (unselected, not built here) nodes resolve to the given relations. */
  private deferred: ReadonlyMap<string, RelationName> = new Map();
  deferTo(relations: ReadonlyMap<string, RelationName>): void {
    this.deferred = relations;
    this.rendered.clear();
    this.relationText.clear();
  }

  compile(node: ParsedNode, run?: NodeCompileOptions): CompiledNode {
    if (node.resourceType === 'seed') return { uniqueId: node.uniqueId, sql: '', ephemerals: [] };
    return this.finish(node, run, this.render(node, run));
  }

  /** Injects the ephemeral ancestors of a rendered node as CTEs. */
  private finish(node: ParsedNode, run: NodeCompileOptions | undefined, rendered: { body: string; ephemeralRefs: string[] }): CompiledNode {
    const { body, ephemeralRefs } = rendered;
    const order = this.ephemeralClosure(node, ephemeralRefs);
    const ctes = order.map((id) => {
      const eph = this.manifest.nodes.get(id)!;
      return { name: cteName(eph.name), sql: renderingEphemeral(id, () => this.render(eph)).body };
    });
    const sql = injectCtes(body, ctes);
    // A batch's SQL is one of many; the node keeps its unnarrowed compile.
    if (!run?.batch) {
      node.compiledCode = sql;
      // (set only where there are some: most nodes never get the property)
      if (ctes.length) node.extraCtes = ctes.map((c, i) => ({ id: order[i], sql: cteDefinition(c) }));
      else if (node.extraCtes) node.extraCtes = undefined;
    }
    const onEphemeral = this.opts.onEphemeral;
    if (onEphemeral) {
      for (const id of order) {
        if (this.ephemeralsCompiled.has(id)) continue;
        this.ephemeralsCompiled.add(id);
        const eph = this.manifest.nodes.get(id)!;
        onEphemeral(eph, this.finish(eph, undefined, this.render(eph)).sql);
      }
    }
    return { uniqueId: node.uniqueId, sql, ephemerals: order };
  }

  /**
   * compile() of a static template (text and literal ref/source/config/var calls, see
   * static-template.ts) that refs no ephemeral node, as compileAsync compiles it: none of those
   * calls answers differently at run time, so it needs no await. Null for any other node (or when
   * a call failed); compileAsync then compiles it, and reports the error.
   */
  compileStatic(node: ParsedNode): CompiledNode | null {
    if (node.resourceType === 'seed' || this.opts.empty) return null;
    const rendered = this.renderStaticNode(node);
    if (!rendered || rendered.ephemeralRefs.length > 0) return null;
    return this.finish(node, undefined, rendered);
  }

  /**
   * compileAsync's answer where it needs no await: a static template (compileStatic), or one that
   * renders without waiting on the warehouse (Engine.renderNow) and refs no ephemeral node. Null
   * otherwise (compileAsync then compiles it); a template's error is thrown, as compileAsync's.
   */
  compileNow(node: ParsedNode, run?: NodeCompileOptions): CompiledNode | null {
    const compiled = this.compileStatic(node);
    if (compiled || node.resourceType === 'seed' || node.testMetadata || this.opts.empty || run?.batch) return compiled;
    const { ctx, ephemeralRefs, empties } = this.contextFor(node, run);
    const body = this.engine.renderNow(node.originalFilePath, node.rawCode, ctx);
    if (body === null || ephemeralRefs.length > 0) return null;
    return this.finish(node, run, { body: withoutDoubleAliases(body, empties), ephemeralRefs });
  }

  /** Ephemeral models compiled for onEphemeral. */
  private readonly ephemeralsCompiled = new Set<string>();

  /**
   * compile() for templates that may query the warehouse (run_query, statement, adapter
   * introspection, in the node or its ephemeral ancestors): they render on the engine's async
   * path against `run.warehouse`. Templates that query nothing render exactly as with compile().
   */
  async compileAsync(node: ParsedNode, run?: NodeCompileOptions): Promise<CompiledNode> {
    if (node.resourceType === 'seed') return { uniqueId: node.uniqueId, sql: '', ephemerals: [] };
    const rendered = await this.renderAsync(node, run);
    // Ephemeral ancestors render (and are cached) first, so the CTE injection finds every body ready.
    const seen = new Set<string>();
    const visit = async (ids: readonly string[]): Promise<void> => {
      for (const id of ids) {
        if (seen.has(id)) continue;
        seen.add(id);
        const eph = this.manifest.nodes.get(id)!;
        await visit((await renderingEphemeralAsync(id, () => this.renderAsync(eph, run?.warehouse ? { warehouse: run.warehouse } : undefined, true))).ephemeralRefs);
      }
    };
    await visit(rendered.ephemeralRefs);
    return this.finish(node, run, rendered);
  }

  /**
   * The node's pre_hook / post_hook entries, each rendered only when its turn comes in the plan
   * (as dbt renders hooks while the materialization runs): a post-hook's Jinja may query or
   * write the relation just built (`{% call statement() %}insert into {{ this }} ...`).
   * Rendered with the node's run-time context (`{{ this }}` is its relation); `transaction`:
   * run inside the node's transaction (the default).
   */
  renderHooks(node: ParsedNode, which: 'pre_hook' | 'post_hook', run?: NodeCompileOptions): NodeHook[] {
    const raw = node.config[which];
    const list = Array.isArray(raw) ? raw : raw === undefined || raw === null ? [] : [raw];
    if (list.length === 0) return [];
    let ctx: RenderContext | undefined;
    return list.map((h) => {
      const item = typeof h === 'object' && h !== null ? (h as { sql?: unknown; transaction?: unknown }) : { sql: h };
      const sql = String(item.sql ?? '');
      const render = async (): Promise<string> => {
        if (!sql.includes('{{') && !sql.includes('{%')) return sql;
        ctx ??= this.contextFor(node, run).ctx;
        return this.engine.renderAsync(node.originalFilePath, sql, ctx);
      };
      return { transaction: item.transaction !== false, render };
    });
  }

  /**
   * A static template (see static-template.ts) rendered against only the context functions it
   * can call; null when the node is not one, or when a call failed (the engine then reports the
   * error with its line and column, against the whole context).
   */
  private renderStaticNode(node: ParsedNode, run?: NodeCompileOptions): { body: string; ephemeralRefs: string[] } | null {
    if (node.testMetadata || this.opts.staticFastPath === false) return null;
    // An installed package's own macros join its nodes' contexts (and may be named `ref`...).
    if (node.packageName && node.packageName !== this.deps.projectName) return null;
    const tpl = readStatic(node.rawCode);
    if (!tpl) return null;
    // Text and refs/sources to relations only: their names joined with the text (no context).
    if (!this.opts.empty && !run?.batch) {
      const body = this.renderRefsOnly(node, tpl);
      if (body !== null) return { body, ephemeralRefs: [] };
    }
    const { ctx, ephemeralRefs, empties } = this.contextFor(node, run, true);
    try {
      return { body: withoutDoubleAliases(renderStatic(tpl, ctx), empties), ephemeralRefs };
    } catch {
      return null;
    }
  }

  /**
   * A static template whose calls are all `ref('m')` / `ref('pkg', 'm')` / `source('s', 't')`
   * with string arguments, rendered as the run-time context renders it: each call is its target's
   * relation name. Null for anything else (other calls, keyword arguments, a ref to an ephemeral
   * node or to nothing): the context then renders it, and reports its errors.
   */
  private renderRefsOnly(node: ParsedNode, tpl: StaticTemplate): string | null {
    const parts = refsOnlyParts(node.rawCode, tpl);
    if (!parts) return null;
    let out = '';
    for (const part of parts) {
      if (typeof part === 'string') {
        out += part;
        continue;
      }
      if ('name' in part) {
        const target = this.refs.ref(part, node.packageName);
        if (!target || target.config.materialized === 'ephemeral') return null;
        let text = this.relationText.get(target.uniqueId);
        if (text === undefined) this.relationText.set(target.uniqueId, (text = String(this.relationOf(target))));
        out += text;
      } else {
        const s = this.refs.source(part.source, part.table, node.packageName);
        if (!s) return null;
        let text = this.sourceText.get(s.uniqueId);
        if (text === undefined) this.sourceText.set(s.uniqueId, (text = this.deps.dialect.renderRelation(sourceRelation(s))));
        out += text;
      }
    }
    return out;
  }

  /** The relation a node materializes into (or, under --defer, the state's relation for it). */
  relationOf(node: ParsedNode): RelationValue {
    const deferred = this.deferred.get(node.uniqueId);
    // A deferred relation is written as the project's quoting says too (dbt).
    const name = deferred ? (node.quotePolicy ? { ...deferred, quoting: node.quotePolicy } : deferred) : nodeRelation(node);
    return new RelationValue(name, this.deps.dialect, {
      type: node.config.materialized === 'view' ? 'view' : 'table',
    });
  }

  private render(node: ParsedNode, run?: NodeCompileOptions): { body: string; ephemeralRefs: string[] } {
    // Run-time answers make a render of its own (not cached: a batch differs from the next).
    const cached = run ? undefined : this.rendered.get(node.uniqueId);
    if (cached) return cached;
    let out = this.renderStaticNode(node, run);
    if (!out) {
      const { ctx, ephemeralRefs, empties } = this.contextFor(node, run);
      const body = node.testMetadata ? this.renderGenericTest(node, ctx) : this.engine.render(node.originalFilePath, node.rawCode, ctx);
      out = { body: withoutDoubleAliases(body, empties), ephemeralRefs };
    }
    if (!run) this.rendered.set(node.uniqueId, out);
    return out;
  }

  /** The async twin of render(); `cache` keeps the result (ephemeral ancestors, rendered once per run). */
  private async renderAsync(node: ParsedNode, run?: NodeCompileOptions, cache = false): Promise<{ body: string; ephemeralRefs: string[] }> {
    const cached = this.rendered.get(node.uniqueId);
    if (cached && (cache || !run)) return cached;
    let result = this.renderStaticNode(node, run);
    if (!result) {
      const { ctx, ephemeralRefs, empties } = this.contextFor(node, run);
      let body: string;
      if (node.testMetadata) {
        const call = this.genericTestCall(node, ctx);
        body = String((await this.engine.callMacroAsync(call.macro, call.args, ctx, call.namespace)) ?? '');
      } else {
        body = await this.engine.renderAsync(node.originalFilePath, node.rawCode, ctx);
      }
      result = { body: withoutDoubleAliases(body, empties), ephemeralRefs };
    }
    if (cache || !run) this.rendered.set(node.uniqueId, result);
    return result;
  }

  /** The run-time context of a node, and the ephemeral nodes its refs turned into CTEs. */
  private contextFor(node: ParsedNode, run?: NodeCompileOptions, staticOnly = false): { ctx: RenderContext; ephemeralRefs: string[]; empties: EmptyRelation[] } {
    const batch = run?.batch;
    const empties: EmptyRelation[] = [];
    const narrowed = (rel: RelationValue, config: Readonly<Record<string, unknown>>): RelationValue => {
      if (this.opts.empty) {
        const empty = new EmptyRelation(rel);
        empties.push(empty);
        return empty;
      }
      return batch && typeof config.event_time === 'string' && config.event_time ? new EventTimeFilteredRelation(rel, config.event_time, batch) : rel;
    };
    const ephemeralRefs: string[] = [];
    const identity = { name: node.name, resourceType: node.resourceType, file: node.originalFilePath, database: node.database, schema: node.schema, alias: node.alias, config: node.config, uniqueId: node.uniqueId, packageName: node.packageName };
    const resolver: RunResolver = {
      ref: (call: RefCall) => {
        const target = this.refs.ref(call, node.packageName);
        if (!target) {
          throw new KilnError(Codes.REF_UNKNOWN, `Model '${node.name}' depends on '${call.name}', which was not found`, {
            loc: { file: node.originalFilePath },
            node: node.uniqueId,
            hint: 'This ref was not rendered while parsing (it sits behind `execute` or a run-time condition). Add `-- depends_on: {{ ref(...) }}` to the model.',
          });
        }
        if (target.config.materialized === 'ephemeral') {
          if (!ephemeralRefs.includes(target.uniqueId)) ephemeralRefs.push(target.uniqueId);
          return new RelationValue({ database: target.database, schema: target.schema, identifier: cteName(target.name) }, this.deps.dialect, { isCte: true });
        }
        return narrowed(this.relationOf(target), target.config);
      },
      source: (sourceName: string, tableName: string) => {
        const s = this.refs.source(sourceName, tableName, node.packageName);
        if (!s) {
          throw new KilnError(Codes.SOURCE_UNKNOWN, `Source '${sourceName}.${tableName}' was not found`, { loc: { file: node.originalFilePath }, node: node.uniqueId });
        }
        return narrowed(new RelationValue(sourceRelation(s), this.deps.dialect, { type: 'table' }), s.config);
      },
      isIncremental: () => run?.isIncremental ?? this.opts.isIncremental?.(node) ?? false,
    };
    if (staticOnly) return { ctx: staticRunContext(this.deps, identity, resolver), ephemeralRefs, empties };
    const ctx = runContext(this.deps, identity, this.profileName, resolver, run?.warehouse);
    if (batch) withModelBatch(ctx, batch);
    return { ctx, ephemeralRefs, empties };
  }

  /**
   * A generic test is its macro (`test_<name>`) called with the YAML arguments, rendered with
   * native types (`ref('x')` becomes the relation), and `model` the tested relation, narrowed by
   * the `where` config when set.
   */
  private renderGenericTest(node: ParsedNode, ctx: RenderContext): string {
    const call = this.genericTestCall(node, ctx);
    return String(this.engine.callMacro(call.macro, call.args, ctx, call.namespace) ?? '');
  }

  private genericTestCall(node: ParsedNode, ctx: RenderContext): { macro: string; args: unknown[]; namespace: string | undefined } {
    const meta = node.testMetadata!;
    const file = node.originalFilePath;
    const renderArg = (v: unknown): unknown => {
      if (typeof v === 'string') {
        if (isCallExpression(v)) return this.engine.renderNative(file, `{{ ${v} }}`, ctx);
        if (v.includes('{{') || v.includes('{%')) return this.engine.renderNative(file, v, ctx);
        return v;
      }
      if (Array.isArray(v)) return v.map(renderArg);
      // `1.0` in YAML renders `1.0`, as in dbt (yaml-floats.ts).
      if (isWholeFloat(v)) return new PyFloat(v.valueOf());
      if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, renderArg(x)]));
      return v;
    };
    const args: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(meta.kwargs)) args[k] = renderArg(v);
    const callCtx = ctx as { ref: (...a: unknown[]) => unknown; source: (...a: unknown[]) => unknown };
    const attached = node.attachedNode ? this.manifest.nodes.get(node.attachedNode)! : undefined;
    const tested = attached
      ? attached.version !== undefined ? callCtx.ref(attached.name, kwargs({ version: attached.version })) : callCtx.ref(attached.name)
      : callCtx.source(node.sources[0][0], node.sources[0][1]);
    const where = node.config.where;
    args.model = typeof where === 'string' && where.trim()
      ? `(select * from ${String(tested)} where ${String(renderArg(where))}) dbt_subquery`
      : tested;
    return { macro: `test_${meta.name}`, args: [kwargs(args)], namespace: meta.namespace ?? undefined };
  }

  /** Ephemeral ancestors reachable through ephemeral refs, deduplicated, ancestors first. */
  private ephemeralClosure(node: ParsedNode, direct: readonly string[]): string[] {
    const order: string[] = [];
    const visit = (id: string, stack: string[]) => {
      if (order.includes(id)) return;
      if (stack.includes(id)) return; // a cycle is reported by the graph
      const n = this.manifest.nodes.get(id)!;
      for (const dep of this.render(n).ephemeralRefs) visit(dep, [...stack, id]);
      order.push(id);
    };
    for (const dep of direct) visit(dep, [node.uniqueId]);
    return order;
  }
}

export function cteName(modelName: string): string {
  return `__dbt__cte__${modelName}`;
}

/**
 * `model.batch` (dbt ≥ 1.9) while a microbatch batch renders: `id`, `event_time_start`,
 * `event_time_end`. The context's `model` may be a lazy getter (the manifest's JSON of the node):
 * it stays lazy, and is copied, not changed, since other renders share it.
 */
function withModelBatch(ctx: RenderContext, batch: BatchWindow): void {
  const own = Object.getOwnPropertyDescriptor(ctx, 'model');
  const read = (): unknown => (own?.get ? own.get.call(ctx) : own?.value);
  let made: Record<string, unknown> | null = null;
  Object.defineProperty(ctx, 'model', {
    enumerable: true,
    configurable: true,
    get: () => (made ??= { ...((read() as Record<string, unknown> | undefined) ?? {}), batch: batchContext(batch) }),
  });
}

/** --empty: the rendered SQL with kiln's alias dropped where the SQL aliases an empty ref itself. */
function withoutDoubleAliases(body: string, empties: readonly EmptyRelation[]): string {
  return empties.length ? dropUserAliased(body, empties) : body;
}

type RefsOnlyPart = string | RefCall | { readonly source: string; readonly table: string };

/** refsOnlyParts() by template text (a string key: its hash is kept with it after readStatic's look-up). */
const refsOnly = new Map<string, readonly RefsOnlyPart[] | null>();
const REFS_ONLY_LIMIT = 50_000;

/**
 * `source`'s template (`tpl`, from readStatic) as text, ref calls (as the run-time `ref` reads its arguments) and source calls,
 * or null when it calls anything else or passes anything but one or two strings (ref) or two
 * strings (source), without keywords.
 */
function refsOnlyParts(source: string, tpl: StaticTemplate): readonly RefsOnlyPart[] | null {
  const known = refsOnly.get(source);
  if (known !== undefined) return known;
  let parts: RefsOnlyPart[] | null = [];
  for (const part of tpl) {
    if (typeof part === 'string') {
      parts.push(part);
      continue;
    }
    const { fn, args } = part;
    const strings = part.kwargs === null && args.every((a) => typeof a === 'string') ? (args as readonly string[]) : null;
    if (strings && fn === 'ref' && strings.length === 1) parts.push({ name: strings[0], version: undefined });
    else if (strings && fn === 'ref' && strings.length === 2) parts.push({ package: strings[0], name: strings[1], version: undefined });
    else if (strings && fn === 'source' && strings.length === 2) parts.push({ source: strings[0], table: strings[1] });
    else {
      parts = null;
      break;
    }
  }
  if (refsOnly.size >= REFS_ONLY_LIMIT) refsOnly.clear();
  refsOnly.set(source, parts);
  return parts;
}
