// The dbt-specific part of every template context that is not about one node's refs: the
// `adapter` and `api` objects, statement results (statement / load_result), `graph`,
// `selected_resources`, the full `model` dict, and the internal `dbt` macros. Parse-time
// contexts get the parse-time adapter (no warehouse); run-time contexts get one bound to the
// node's connection.
import type { QuotePolicy, SqlDialect } from '../../adapters/adapter.js';
import { dbtFilePath, nodeJson, sourceJson, type PackageRoots } from '../artifacts/manifest-json.js';
import { DBT_COMPAT_VERSION } from '../artifacts/manifest-json.js';
import { operationJson, projectsInHookOrder, type ProjectOperation } from '../artifacts/operation-json.js';
import { semanticSections } from '../semantic/json.js';
import type { Manifest, ParsedNode } from '../nodes.js';
import type { TemplateEngine, RenderContext } from '../template/engine.js';
import { adapterObject, apiObject, statementResults, type Warehouse } from './adapter-object.js';
import { DBT_MACROS_FILE, DBT_MACROS_SQL } from './dbt-macros.js';
import type { DispatchSettings } from './dispatch.js';
import type { ProjectFile } from '../project/types.js';

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
  /** The project's `quoting:` where it leaves a part unquoted: api.Relation.create applies it (absent: all quoted). */
  readonly quoting?: QuotePolicy;
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

/** What a run-time context adds to its node's own functions (JinjaEnv.runParts). */
export interface RunParts {
  /** An installed package's own macros (empty for the root project's nodes). */
  readonly local: Readonly<Record<string, unknown>>;
  readonly adapter: Record<string, unknown>;
  readonly results: { readonly store_result: unknown; readonly store_raw_result: unknown; readonly load_result: unknown };
  readonly selectedResources: readonly string[];
  readonly graph: () => Record<string, unknown>;
  /** `model` as a getter over `graph`; null when the node has no entry there (the context's own dict stands). */
  readonly model: (() => unknown) | null;
}

export class JinjaEnv {
  readonly dispatch: DispatchSettings;
  /** Set once parsing finished: `graph` and `model` at run time come from it. */
  manifest: Manifest | null = null;
  /** The project's and packages' on-run-start / on-run-end hooks: `operation` nodes of `graph`, as in dbt. */
  operations: readonly ProjectOperation[] = [];
  /** `selected_resources` (unique ids) of the invocation. */
  selectedResources: readonly string[] = [];
  private graphCache: { manifest: Manifest; graph: Record<string, unknown> } | null = null;
  private readonly parseAdapter: Record<string, unknown>;
  private readonly api: Record<string, unknown>;

  constructor(private readonly o: JinjaEnvOptions) {
    const searchOrder = new Map<string, readonly string[]>();
    for (const d of o.dispatch ?? []) searchOrder.set(d.macro_namespace, d.search_order);
    this.dispatch = { engine: o.engine, adapterType: o.adapterType, rootPackage: o.rootPackage, packages: o.packages ?? new Set(), searchOrder };
    this.parseAdapter = adapterObject({ dialect: o.dialect, adapterType: o.adapterType, dispatch: this.dispatch, quoting: o.quoting });
    this.api = apiObject(o.dialect, o.target, o.quoting);
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
    // Registered from a scan; each file is compiled when one of its macros is first called.
    this.o.engine.addMacroFileLazily(DBT_MACROS_FILE, DBT_MACROS_SQL, 'dbt');
    if (this.o.adapterMacros) this.o.engine.addMacroFileLazily(`<kiln>/${this.o.adapterType}/macros.sql`, this.o.adapterMacros, 'dbt');
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
   * The extras of a run-time context, for runContext to lay out in one object literal: every
   * node's context gets them, and adding them to a finished context (property by property, and
   * `model` turned from a value into a getter) left it a slow dictionary object, made and read
   * 2,000+ times a compile. `warehouse` binds warehouse calls to a connection.
   */
  runParts(node: ExtrasNode, warehouse?: Warehouse): RunParts {
    const adapter = warehouse ? adapterObject({ dialect: this.o.dialect, adapterType: this.o.adapterType, dispatch: this.dispatch, warehouse, quoting: this.o.quoting }) : this.parseAdapter;
    const id = node.uniqueId;
    const n = id ? this.manifest?.nodes.get(id) : undefined;
    return {
      local: this.localMacros(node),
      adapter,
      results: statementResults() as RunParts['results'],
      selectedResources: this.selectedResources,
      // `graph` (every node as JSON) and `model` (from it) are made on first use: few templates
      // read them, and building them costs as much as writing manifest.json.
      graph: () => this.graph(),
      model: id && n && n.resourceType !== 'unit_test' ? () => (this.graph().nodes as Record<string, unknown>)[id] : null,
    };
  }

  /** Adds the extras of a run-time context to `ctx` itself (runParts, for a context made elsewhere). */
  addRun(ctx: RenderContext, node: ExtrasNode, warehouse?: Warehouse): void {
    const parts = this.runParts(node, warehouse);
    Object.assign(ctx, parts.local);
    ctx.adapter = parts.adapter;
    ctx.load_relation = parts.adapter.load_relation;
    Object.assign(ctx, parts.results);
    ctx.selected_resources = parts.selectedResources;
    ctx.schema = node.schema;
    ctx.database = node.database;
    Object.defineProperty(ctx, 'graph', { enumerable: true, configurable: true, get: parts.graph });
    const model = parts.model;
    if (model) Object.defineProperty(ctx, 'model', { enumerable: true, configurable: true, get: model });
  }

  /** `graph`: every node, source, exposure, metric, semantic model and saved query in the manifest's JSON shape (built once per manifest). */
  graph(): Record<string, unknown> {
    const m = this.manifest;
    if (!m) return { nodes: {}, sources: {}, exposures: {}, macros: {}, metrics: {}, groups: {}, semantic_models: {}, saved_queries: {} };
    if (this.graphCache?.manifest === m) return this.graphCache.graph;
    const nodes: Record<string, unknown> = {};
    for (const n of m.nodes.values()) if (n.resourceType !== 'unit_test') nodes[n.uniqueId] = graphNode(n, this.o.dialect, m.packageRoots);
    for (const op of this.operations) {
      const json = operationJson(op, this.o.target);
      nodes[json.unique_id as string] = json;
    }
    const sources: Record<string, unknown> = {};
    for (const s of m.sources.values()) sources[s.uniqueId] = sourceJson(s, this.o.dialect, m.packageRoots);
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
        original_file_path: dbtFilePath(e.originalFilePath, e.packageName, m.packageRoots),
        fqn: e.fqn,
      };
    }
    const { metrics, semantic_models, saved_queries } = semanticSections(m, this.o.dialect);
    const graph = { nodes, sources, exposures, macros: {}, metrics, groups: {}, semantic_models, saved_queries };
    this.graphCache = { manifest: m, graph };
    return graph;
  }
}

/**
 * A node as `graph` shows it: its manifest entry, with the code as dbt reads files for
 * templates (stripped of surrounding whitespace: dbt_project_evaluator counts its lines).
 * manifest.json keeps the file as it is (warm compiles check it against the file's checksum).
 */
function graphNode(n: ParsedNode, dialect: SqlDialect, roots: PackageRoots): Record<string, unknown> {
  const json = nodeJson(n, dialect, roots);
  if (typeof json.raw_code === 'string') json.raw_code = pyStrip(json.raw_code);
  return json;
}

/** Python's str.strip(): whitespace as Python counts it (trim() also strips a byte order mark). */
const PY_SPACE = '[ \\t\\n\\r\\v\\f\\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const PY_STRIP = new RegExp(`^${PY_SPACE}+|${PY_SPACE}+$`, 'g');
function pyStrip(s: string): string {
  return s.replace(PY_STRIP, '');
}

/**
 * Every on-run-start and on-run-end hook (dbt's `operation` nodes of `graph`), as dbt lists them:
 * project by project in hook order (projectsInHookOrder), each project's on-run-start then on-run-end.
 */
export function projectHookList(project: ProjectFile, packages: readonly { readonly name: string; readonly project: ProjectFile }[]): ProjectOperation[] {
  const out: ProjectOperation[] = [];
  for (const p of projectsInHookOrder({ name: project.name, project }, packages.map((x) => ({ name: x.name, project: x.project })))) {
    for (const kind of ['on-run-start', 'on-run-end'] as const) {
      (kind === 'on-run-start' ? p.project.onRunStart : p.project.onRunEnd).forEach((sql, index) => out.push({ packageName: p.name, kind, index, sql }));
    }
  }
  return out;
}

export type { ProjectOperation };
