// Compile: render a node with the run-time context (real relation names), inlining ephemeral
// ancestors as CTEs. Pure apart from `isIncremental`, which the caller answers from warehouse state.
import type { RelationName } from '../../adapters/adapter.js';
import { Codes, KilnError } from '../errors.js';
import type { Manifest, ParsedNode, RefCall } from '../nodes.js';
import { kwargs, type RenderContext, type TemplateEngine } from '../template/engine.js';
import { isCallExpression } from '../data-tests/build-tests.js';
import { runContext, type ContextDeps } from './context.js';
import { injectCtes } from './inject-ctes.js';
import { RelationValue } from './relation.js';
import { readStatic, renderStatic } from './static-template.js';
import { EventTimeFilteredRelation, type BatchWindow } from '../materializations/microbatch.js';

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
}

/** Run-time answers for one compile of one node, from warehouse state (see core/materializations). */
export interface NodeCompileOptions {
  /** is_incremental() for this node. */
  readonly isIncremental?: boolean;
  /** A microbatch batch: refs and sources with an `event_time` config are narrowed to it. */
  readonly batch?: BatchWindow;
}

export class Compiler {
  private readonly byName = new Map<string, ParsedNode>();
  private readonly sourceByKey = new Map<string, import('../nodes.js').SourceTable>();
  /** Rendered bodies (before injection) and the ephemerals each refers to directly. */
  private readonly rendered = new Map<string, { body: string; ephemeralRefs: string[] }>();

  constructor(
    private readonly manifest: Manifest,
    private readonly engine: TemplateEngine,
    private readonly deps: ContextDeps,
    private readonly profileName: string,
    private readonly opts: CompileOptions = {},
  ) {
    for (const n of manifest.nodes.values()) this.byName.set(n.name, n);
    for (const s of manifest.sources.values()) this.sourceByKey.set(`${s.sourceName}.${s.name}`, s);
  }

  /** --defer: refs to these (unselected, not built here) nodes resolve to the given relations. */
  private deferred: ReadonlyMap<string, RelationName> = new Map();
  deferTo(relations: ReadonlyMap<string, RelationName>): void {
    this.deferred = relations;
    this.rendered.clear();
  }

  compile(node: ParsedNode, run?: NodeCompileOptions): CompiledNode {
    if (node.resourceType === 'seed') return { uniqueId: node.uniqueId, sql: '', ephemerals: [] };
    const { body, ephemeralRefs } = this.render(node, run);
    const order = this.ephemeralClosure(node, ephemeralRefs);
    const ctes = order.map((id) => {
      const eph = this.manifest.nodes.get(id)!;
      return { name: cteName(eph.name), sql: this.render(eph).body };
    });
    const sql = injectCtes(body, ctes);
    // A batch's SQL is one of many; the node keeps its unnarrowed compile.
    if (!run?.batch) node.compiledCode = sql;
    return { uniqueId: node.uniqueId, sql, ephemerals: order };
  }

  /** A node's template: the static fast path when it applies (same calls, same output), else the engine. */
  private renderTemplate(node: ParsedNode, ctx: RenderContext): string {
    const tpl = this.opts.staticFastPath === false ? null : readStatic(node.rawCode);
    if (tpl) {
      try {
        return renderStatic(tpl, ctx);
      } catch {
        // The engine reports the error with its line and column.
      }
    }
    return this.engine.render(node.originalFilePath, node.rawCode, ctx);
  }

  /** The relation a node materializes into (or, under --defer, the state's relation for it). */
  relationOf(node: ParsedNode): RelationValue {
    const deferred = this.deferred.get(node.uniqueId);
    return new RelationValue(deferred ?? { database: node.database, schema: node.schema, identifier: node.alias }, this.deps.dialect, {
      type: node.config.materialized === 'view' ? 'view' : 'table',
    });
  }

  private render(node: ParsedNode, run?: NodeCompileOptions): { body: string; ephemeralRefs: string[] } {
    // Run-time answers make a render of its own (not cached: a batch differs from the next).
    const cached = run ? undefined : this.rendered.get(node.uniqueId);
    if (cached) return cached;
    const batch = run?.batch;
    const narrowed = (rel: RelationValue, config: Readonly<Record<string, unknown>>): RelationValue =>
      batch && typeof config.event_time === 'string' && config.event_time ? new EventTimeFilteredRelation(rel, config.event_time, batch) : rel;
    const ephemeralRefs: string[] = [];
    const ctx = runContext(
      this.deps,
      { name: node.name, resourceType: node.resourceType, file: node.originalFilePath, database: node.database, schema: node.schema, alias: node.alias, config: node.config, uniqueId: node.uniqueId },
      this.profileName,
      {
        ref: (call: RefCall) => {
          const target = this.byName.get(call.name);
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
          const s = this.sourceByKey.get(`${sourceName}.${tableName}`);
          if (!s) {
            throw new KilnError(Codes.SOURCE_UNKNOWN, `Source '${sourceName}.${tableName}' was not found`, { loc: { file: node.originalFilePath }, node: node.uniqueId });
          }
          return narrowed(new RelationValue({ database: s.database, schema: s.schema, identifier: s.identifier }, this.deps.dialect, { type: 'table' }), s.config);
        },
        isIncremental: () => run?.isIncremental ?? this.opts.isIncremental?.(node) ?? false,
      },
    );
    const body = node.testMetadata ? this.renderGenericTest(node, ctx) : this.renderTemplate(node, ctx);
    const out = { body, ephemeralRefs };
    if (!run) this.rendered.set(node.uniqueId, out);
    return out;
  }

  /**
   * A generic test is its macro (`test_<name>`) called with the YAML arguments, rendered with
   * native types (`ref('x')` becomes the relation), and `model` the tested relation, narrowed by
   * the `where` config when set.
   */
  private renderGenericTest(node: ParsedNode, ctx: RenderContext): string {
    const meta = node.testMetadata!;
    const file = node.originalFilePath;
    const renderArg = (v: unknown): unknown => {
      if (typeof v === 'string') {
        if (isCallExpression(v)) return this.engine.renderNative(file, `{{ ${v} }}`, ctx);
        if (v.includes('{{') || v.includes('{%')) return this.engine.renderNative(file, v, ctx);
        return v;
      }
      if (Array.isArray(v)) return v.map(renderArg);
      if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, renderArg(x)]));
      return v;
    };
    const args: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(meta.kwargs)) args[k] = renderArg(v);
    const callCtx = ctx as { ref: (...a: unknown[]) => unknown; source: (...a: unknown[]) => unknown };
    const tested = node.attachedNode
      ? callCtx.ref(this.manifest.nodes.get(node.attachedNode)!.name)
      : callCtx.source(node.sources[0][0], node.sources[0][1]);
    const where = node.config.where;
    args.model = typeof where === 'string' && where.trim()
      ? `(select * from ${String(tested)} where ${String(renderArg(where))}) dbt_subquery`
      : tested;
    const macro = `test_${meta.name}`;
    const out = this.engine.callMacro(macro, [kwargs(args)], ctx, meta.namespace ?? undefined);
    return String(out ?? '');
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
