// The dbt-specific part of every template context that is not about one node's refs: the
// `adapter` and `api` objects, statement results (statement / load_result), `graph`,
// `selected_resources`, the full `model` dict, and the internal `dbt` macros. Parse-time
// contexts get the parse-time adapter (no warehouse); run-time contexts get one bound to the
// node's connection.
import type { SqlDialect } from '../../adapters/adapter.js';
import { nodeJson, sourceJson } from '../artifacts/manifest-json.js';
import { DBT_COMPAT_VERSION } from '../artifacts/manifest-json.js';
import type { Manifest } from '../nodes.js';
import type { TemplateEngine, RenderContext } from '../template/engine.js';
import { adapterObject, apiObject, statementResults, type Warehouse } from './adapter-object.js';
import { DBT_MACROS_FILE, DBT_MACROS_SQL } from './dbt-macros.js';
import type { DispatchSettings } from './dispatch.js';

export type { Warehouse } from './adapter-object.js';

export interface JinjaEnvOptions {
  readonly engine: TemplateEngine;
  readonly dialect: SqlDialect;
  readonly adapterType: string;
  /** The adapter's own macro variants (Adapter.jinjaMacros). */
  readonly adapterMacros?: string;
  readonly rootPackage: string;
  /** Installed packages' names. */
  readonly packages?: ReadonlySet<string>;
  /** `dispatch:` from dbt_project.yml. */
  readonly dispatch?: readonly { readonly macro_namespace: string; readonly search_order: readonly string[] }[];
  readonly target: { readonly database: string; readonly schema: string };
  /** Leave kiln's dbt macros and the adapter's to addBuiltinMacros() (a warm re-render of one model that calls none: core/parser/partial/warm-jinja.ts). */
  readonly deferBuiltinMacros?: boolean;
}

/** The node a context is for, as far as these extras need it. */
export interface ExtrasNode {
  readonly uniqueId?: string;
  readonly packageName?: string;
  readonly schema: string;
  readonly database: string;
}

export class JinjaEnv {
  readonly dispatch: DispatchSettings;
  /** Set once parsing finished: `graph` and `model` at run time come from it. */
  manifest: Manifest | null = null;
  /** `selected_resources` (unique ids) of the invocation. */
  selectedResources: readonly string[] = [];
  private graphCache: { manifest: Manifest; graph: Record<string, unknown> } | null = null;
  private readonly parseAdapter: Record<string, unknown>;
  private readonly api: Record<string, unknown>;

  constructor(private readonly o: JinjaEnvOptions) {
    const searchOrder = new Map<string, readonly string[]>();
    for (const d of o.dispatch ?? []) searchOrder.set(d.macro_namespace, d.search_order);
    this.dispatch = { engine: o.engine, adapterType: o.adapterType, rootPackage: o.rootPackage, packages: o.packages ?? new Set(), searchOrder };
    this.parseAdapter = adapterObject({ dialect: o.dialect, adapterType: o.adapterType, dispatch: this.dispatch });
    this.api = apiObject(o.dialect, o.target);
    if (!o.deferBuiltinMacros) this.addBuiltinMacros();
    o.engine.addGlobal('api', this.api);
    o.engine.addGlobal('dbt_version', DBT_COMPAT_VERSION);
  }

  /**
   * An installed package's own macros, for its nodes' contexts: dbt resolves an unqualified name
   * in the node's package before the root project and kiln's built-ins.
   */
  private localMacros(node: ExtrasNode): Readonly<Record<string, unknown>> {
    const pkg = node.packageName ?? node.uniqueId?.split('.')[1];
    if (!pkg || pkg === this.o.rootPackage || !this.dispatch.packages.has(pkg)) return {};
    let macros = this.localCache.get(pkg);
    if (!macros) this.localCache.set(pkg, (macros = this.o.engine.packageMacros(pkg)));
    return macros;
  }
  private readonly localCache = new Map<string, Readonly<Record<string, unknown>>>();

  /** What every parse-time context shares (made once: parsing 10,000 models makes 10,000 contexts). */
  private readonly parseShared: RenderContext = {
    // statements do not run while parsing (execute is false), so there are no results to keep
    store_result: () => '',
    store_raw_result: () => '',
    load_result: () => null,
    graph: { nodes: {}, sources: {}, exposures: {}, macros: {}, metrics: {}, groups: {}, semantic_models: {}, saved_queries: {} },
    selected_resources: [],
  };

  /** Extras of a parse-time context: nothing here reaches the warehouse. */
  /** kiln's dbt macros, then the adapter's (parsing them costs ~0.1 s). */
  addBuiltinMacros(): void {
    this.o.engine.addMacroFile(DBT_MACROS_FILE, DBT_MACROS_SQL, 'dbt');
    if (this.o.adapterMacros) this.o.engine.addMacroFile(`<kiln>/${this.o.adapterType}/macros.sql`, this.o.adapterMacros, 'dbt');
  }

  parse(node: ExtrasNode): RenderContext {
    return {
      ...this.localMacros(node),
      adapter: this.parseAdapter,
      ...this.parseShared,
      schema: node.schema,
      database: node.database,
    };
  }

  /**
   * Adds the extras of a run-time context to `ctx` itself; `warehouse` binds warehouse calls to a
   * connection. In place: every node's context gets them, and copying them over as property
   * descriptors cost more than rendering most models (over a second for 40,000 nodes).
   */
  addRun(ctx: RenderContext, node: ExtrasNode, warehouse?: Warehouse): void {
    const adapter = warehouse ? adapterObject({ dialect: this.o.dialect, adapterType: this.o.adapterType, dispatch: this.dispatch, warehouse }) : this.parseAdapter;
    const local = this.localMacros(node);
    Object.assign(ctx, local);
    ctx.adapter = adapter;
    ctx.load_relation = adapter.load_relation;
    const results = statementResults();
    Object.assign(ctx, results);
    ctx.selected_resources = this.selectedResources;
    ctx.schema = node.schema;
    ctx.database = node.database;
    // `graph` (every node as JSON) and `model` (from it) are made on first use: few templates
    // read them, and building them costs as much as writing manifest.json.
    Object.defineProperty(ctx, 'graph', { enumerable: true, configurable: true, get: () => this.graph() });
    const id = node.uniqueId;
    const n = id ? this.manifest?.nodes.get(id) : undefined;
    if (id && n && n.resourceType !== 'unit_test') {
      Object.defineProperty(ctx, 'model', { enumerable: true, configurable: true, get: () => (this.graph().nodes as Record<string, unknown>)[id] });
    }
  }

  /** `graph`: every node, source and exposure in the manifest's JSON shape (built once per manifest). */
  graph(): Record<string, unknown> {
    const m = this.manifest;
    if (!m) return { nodes: {}, sources: {}, exposures: {}, macros: {}, metrics: {}, groups: {}, semantic_models: {}, saved_queries: {} };
    if (this.graphCache?.manifest === m) return this.graphCache.graph;
    const nodes: Record<string, unknown> = {};
    for (const n of m.nodes.values()) if (n.resourceType !== 'unit_test') nodes[n.uniqueId] = nodeJson(n, this.o.dialect);
    const sources: Record<string, unknown> = {};
    for (const s of m.sources.values()) sources[s.uniqueId] = sourceJson(s, this.o.dialect);
    const exposures: Record<string, unknown> = {};
    for (const e of m.exposures?.values() ?? []) {
      exposures[e.uniqueId] = {
        unique_id: e.uniqueId,
        name: e.name,
        resource_type: 'exposure',
        package_name: e.packageName,
        type: e.type,
        owner: e.owner,
        description: e.description,
        url: e.url,
        maturity: e.maturity,
        tags: e.tags,
        meta: e.meta,
        config: e.config,
        depends_on: { nodes: e.dependsOn.nodes, macros: e.dependsOn.macros },
        original_file_path: e.originalFilePath,
        fqn: e.fqn,
      };
    }
    const graph = { nodes, sources, exposures, macros: {}, metrics: {}, groups: {}, semantic_models: {}, saved_queries: {} };
    this.graphCache = { manifest: m, graph };
    return graph;
  }
}
