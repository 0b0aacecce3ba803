// Builds the docs site's data from the parsed project, the warehouse catalog and the run
// history: one `SiteCore` (every node's summary, interned configs, the layout, the runs) and
// the per-node details, cut into chunks the site loads on demand.
import type { SqlDialect } from '../../adapters/adapter.js';
import type { Dag } from '../graph/dag.js';
import type { ConstraintDef, Exposure, Manifest, ParsedNode, SourceTable } from '../nodes.js';
import { grantConfig } from '../materializations/grants-and-docs.js';
import { indexSpecs } from '../materializations/indexes.js';
import { nodeDocs } from '../artifacts/manifest-json.js';
import { nodeTags } from '../data-tests/node-tags.js';
import type { Catalog } from './catalog.js';
import { DEFAULT_LAYOUT, packedLayout } from './layout.js';
import type { HistoryEntry } from './run-history.js';
import type { NodeDetail, NodeHistory, NodeKind, RunDetail, RunStatus, RunsOverview, SiteCore, SiteMacro, SiteNode, SiteRun } from './site-types.js';
import { nodeRelation, sourceRelationInProject } from '../project/quoting.js';

export const CHUNK_SIZE = 200;

export interface SiteInput {
  readonly manifest: Manifest;
  readonly dag: Dag;
  readonly dialect: SqlDialect;
  readonly catalog: Catalog;
  /** Oldest first. */
  readonly history: readonly HistoryEntry[];
  /** unique id → why it did not compile. */
  readonly compileErrors: ReadonlyMap<string, string>;
  readonly project: { readonly adapterType: string; readonly generatedAt: Date; readonly kilnVersion: string; readonly invocationId: string };
}

export interface SiteData {
  readonly core: SiteCore;
  /**
   * The per-node details, CHUNK_SIZE nodes a chunk, made as they are read: at 10,000 models the
   * details of every node at once were hundreds of MB the collector had to keep walking.
   */
  readonly chunks: Iterable<readonly NodeDetail[]>;
}

const TYPE_ORDER: Record<string, number> = { source: 0, seed: 1, snapshot: 2, model: 3, analysis: 4, exposure: 5, test: 6 };

type Resource = ParsedNode | SourceTable | Exposure;

export function buildSiteData(input: SiteInput): SiteData {
  const { manifest, dag, dialect, catalog } = input;
  const resources: Resource[] = [...manifest.sources.values(), ...manifest.nodes.values(), ...(manifest.exposures?.values() ?? [])];
  resources.sort((a, b) => TYPE_ORDER[a.resourceType] - TYPE_ORDER[b.resourceType] || (a.uniqueId < b.uniqueId ? -1 : a.uniqueId > b.uniqueId ? 1 : 0));
  const index = new Map(resources.map((r, i) => [r.uniqueId, i]));

  // Interned configs: nodes of one folder share one config object.
  const configs: Record<string, unknown>[] = [];
  const configIndex = new Map<string, number>();
  // Keyed by the config as parsed; only a config seen for the first time is cleaned up.
  const intern = (config: Record<string, unknown>, clean: (c: Record<string, unknown>) => Record<string, unknown> = (c) => c): number => {
    const key = JSON.stringify(config);
    let i = configIndex.get(key);
    if (i === undefined) {
      i = configs.length;
      configs.push(clean(config));
      configIndex.set(key, i);
    }
    return i;
  };

  const history = historyByNode(input.history);
  // depends_on.nodes are the DAG's edges (Dag.fromManifest draws them from there).
  const parentsOf = resources.map((r) => {
    if (r.resourceType === 'source') return [];
    const out: number[] = [];
    for (const p of r.dependsOn.nodes) {
      const i = index.get(p);
      if (i !== undefined && !out.includes(i)) out.push(i);
    }
    return out.sort((a, b) => a - b);
  });

  // Lay out everything but tests (dbt's docs leave tests out of the graph too) and nodes whose
  // docs config hides them.
  const laidOut: number[] = [];
  resources.forEach((r, i) => {
    if (r.resourceType !== 'test' && !('config' in r && !nodeDocs(r.config.docs).show)) laidOut.push(i);
  });
  const local = new Map(laidOut.map((g, l) => [g, l]));
  const layout = packedLayout(
    laidOut.length,
    laidOut.map((g) => parentsOf[g].map((p) => local.get(p)).filter((l): l is number => l !== undefined)),
    DEFAULT_LAYOUT,
  );

  const nodes: SiteNode[] = resources.map((r, i) => {
    const node: { -readonly [K in keyof SiteNode]: SiteNode[K] } = {
      id: r.uniqueId,
      // The versions of a model share its name: the site tells them apart as dbt's does.
      name: 'version' in r && r.version !== undefined ? `${r.name} v${r.version}` : r.name,
      type: r.resourceType as NodeKind,
      pkg: r.packageName,
      file: r.originalFilePath,
      fqn: r.fqn,
      cfg: 0,
      parents: parentsOf[i],
      desc: r.description,
      cols: columnNames(r, catalog),
    };
    const l = local.get(i);
    if (l !== undefined) {
      node.x = layout.x[l];
      node.y = layout.y[l];
    }
    const h = history.get(r.uniqueId);
    const last = h?.[h.length - 1];
    if (last) node.last = [last[1], last[2], last[0]];
    if (r.resourceType === 'source') {
      node.cfg = intern(r.config);
      node.tags = r.tags;
      node.src = r.sourceName;
      node.rel = dialect.renderRelation(sourceRelationInProject(r));
      return node;
    }
    if (r.resourceType === 'exposure') {
      node.cfg = intern(r.config);
      node.tags = r.tags;
      return node;
    }
    const docs = nodeDocs(r.config.docs);
    if (!docs.show) node.hide = 1;
    if (docs.node_color) node.color = docs.node_color;
    if (r.patchPath) node.patch = r.patchPath;
    if (r.testMetadata) node.testName = r.testMetadata.name;
    // A test's tags from its column (or source) are in its node tags, not its config (as dbt's).
    if (r.leadTags) node.tags = nodeTags(r);
    node.cfg = intern(r.config, ({ pre_hook, post_hook, ...config }) => {
      if (Array.isArray(pre_hook) && pre_hook.length) config['pre-hook'] = pre_hook;
      if (Array.isArray(post_hook) && post_hook.length) config['post-hook'] = post_hook;
      return config;
    });
    if (r.resourceType !== 'test' && r.config.materialized !== 'ephemeral') node.rel = dialect.renderRelation(nodeRelation(r));
    if (r.attachedNode) {
      const on = index.get(r.attachedNode);
      if (on !== undefined) node.on = on;
    }
    if (r.columnName) node.col = r.columnName;
    return node;
  });

  const chunkCount = Math.ceil(resources.length / CHUNK_SIZE);
  const chunks = {
    *[Symbol.iterator](): Iterator<readonly NodeDetail[]> {
      for (let i = 0; i < resources.length; i += CHUNK_SIZE) {
        yield resources.slice(i, i + CHUNK_SIZE).map((r) => detailOf(r, catalog, history.get(r.uniqueId) ?? [], input.compileErrors.get(r.uniqueId) ?? null, manifest));
      }
    },
  };

  const macros: SiteMacro[] = [...manifest.macros.values()]
    .sort((a, b) => (a.uniqueId < b.uniqueId ? -1 : 1))
    .map((m) => ({ id: m.uniqueId, name: m.name, pkg: m.packageName, file: m.originalFilePath, args: m.arguments, desc: m.description, sql: m.macroSql }));
  const overview =
    [...manifest.docs.values()].find((d) => d.name === '__overview__' && d.packageName === manifest.projectName) ??
    [...manifest.docs.values()].find((d) => d.name === '__overview__');

  const runs: SiteRun[] = input.history.map((e) => ({
    id: e.invocation_id,
    command: e.command,
    startedAt: e.started_at,
    elapsed: e.elapsed_time,
    status: e.status,
    counts: countStatuses(e),
    select: e.select,
  }));

  const core: SiteCore = {
    version: 1,
    project: {
      name: manifest.projectName,
      adapterType: input.project.adapterType,
      generatedAt: input.project.generatedAt.toISOString(),
      kilnVersion: input.project.kilnVersion,
      invocationId: input.project.invocationId,
      overview: overview?.blockContents ?? null,
      catalogErrors: catalog.errors,
    },
    configs,
    nodes,
    macros,
    chunkSize: CHUNK_SIZE,
    chunkCount,
    box: { w: DEFAULT_LAYOUT.nodeWidth, h: DEFAULT_LAYOUT.nodeHeight },
    runs,
    runsOverview: runsOverview(input.history, resources, index, history),
  };
  return { core, chunks };
}

/** unique id → its results, oldest first: [run index, status, seconds, failures]. */
function historyByNode(entries: readonly HistoryEntry[]): Map<string, [number, RunStatus, number, number | null][]> {
  const out = new Map<string, [number, RunStatus, number, number | null][]>();
  entries.forEach((e, run) => {
    for (const r of e.results) {
      let list = out.get(r.id);
      if (!list) out.set(r.id, (list = []));
      list.push([run, r.status, r.time, r.failures ?? null]);
    }
  });
  return out;
}

/** Declared columns, then any more the warehouse has. */
function columnNames(r: Resource, catalog: Catalog): string[] {
  if (r.resourceType === 'exposure') return [];
  const declared = Object.keys(r.columns).map((k) => r.columns[k].name);
  const info = catalog.byId.get(r.uniqueId);
  if (!info) return declared;
  const seen = new Set(declared.map((c) => c.toLowerCase()));
  for (const c of info.columns) if (!seen.has(c.name.toLowerCase())) declared.push(c.name);
  return declared;
}

function countStatuses(e: HistoryEntry): Partial<Record<RunStatus, number>> {
  const counts: Partial<Record<RunStatus, number>> = {};
  for (const r of e.results) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts;
}

function runsOverview(entries: readonly HistoryEntry[], resources: readonly Resource[], index: ReadonlyMap<string, number>, history: ReadonlyMap<string, NodeHistory>): RunsOverview {
  const slowest: RunsOverview['slowest'][number][] = [];
  const tests: RunsOverview['tests'][number][] = [];
  for (const r of resources) {
    const h = history.get(r.uniqueId);
    if (!h?.length) continue;
    if (r.resourceType === 'test') tests.push({ node: index.get(r.uniqueId)!, history: h });
    else {
      const ran = h.filter((x) => x[1] !== 'skipped');
      if (!ran.length) continue;
      slowest.push({ node: index.get(r.uniqueId)!, avg: ran.reduce((s, x) => s + x[2], 0) / ran.length, max: Math.max(...ran.map((x) => x[2])), history: h });
    }
  }
  slowest.sort((a, b) => b.avg - a.avg);
  // Tests that failed (or warned) most come first, then those skipped most.
  const bad = (t: { history: NodeHistory }) => t.history.filter((x) => x[1] === 'fail' || x[1] === 'error' || x[1] === 'warn').length;
  const skipped = (t: { history: NodeHistory }) => t.history.filter((x) => x[1] === 'skipped').length;
  tests.sort((a, b) => bad(b) - bad(a) || skipped(b) - skipped(a) || (resources[a.node].name < resources[b.node].name ? -1 : 1));
  const ref = (id: string): number | string => index.get(id) ?? id;
  const details: RunDetail[] = entries.map((e) => ({
    problems: e.results
      .filter((r) => r.status === 'error' || r.status === 'fail' || r.status === 'warn')
      .slice(0, 50)
      .map((r) => ({ node: ref(r.id), status: r.status, message: r.message ?? '' })),
    slowest: [...e.results]
      .sort((a, b) => b.time - a.time)
      .slice(0, 10)
      .map((r) => ({ node: ref(r.id), status: r.status, seconds: r.time })),
    total: e.results.length,
  }));
  return { slowest: slowest.slice(0, 15), tests: tests.slice(0, 60), testsTotal: tests.length, details };
}

function detailOf(r: Resource, catalog: Catalog, history: NodeHistory, compileError: string | null, manifest: Manifest): NodeDetail {
  if (r.resourceType === 'exposure') {
    const owner = [r.owner.name, r.owner.email ? `<${r.owner.email}>` : ''].filter(Boolean).join(' ');
    const facts: [string, string][] = [
      ['Type', r.type],
      ['Label', r.label ?? ''],
      ['Owner', owner],
      ['Maturity', r.maturity ?? ''],
      ['URL', r.url ?? ''],
      ['Defined in', r.originalFilePath],
    ];
    return { raw: null, compiled: null, compileError: null, columns: [], macros: [], patchPath: null, catalog: null, history, facts: facts.filter(([, v]) => v !== ''), meta: r.meta };
  }
  const columns = Object.values(r.columns).map((c) => ({
    name: c.name,
    description: c.description,
    declaredType: c.data_type,
    ...(c.constraints?.length ? { constraints: c.constraints.map((k) => constraintText(k)) } : {}),
    tags: c.tags,
    meta: c.meta,
  }));
  const common = { columns, catalog: catalog.byId.get(r.uniqueId) ?? null, history, compileError };
  if (r.resourceType === 'source') {
    const facts: [string, string][] = [
      ['Source', r.sourceName],
      ['About the source', r.sourceDescription],
      ['Identifier', r.identifier],
      ['Loader', r.loader],
      ['Loaded at field', r.loadedAtField ?? ''],
      ['Freshness', freshnessText(r.freshness)],
      ['Defined in', r.originalFilePath],
    ];
    return { ...common, raw: null, compiled: null, macros: [], patchPath: null, facts: facts.filter(([, v]) => v !== ''), meta: r.meta };
  }
  const facts: [string, string][] = [];
  if (r.resourceType === 'test') {
    if (r.testMetadata) {
      facts.push(['Test', r.testMetadata.namespace ? `${r.testMetadata.namespace}.${r.testMetadata.name}` : r.testMetadata.name]);
      const args = Object.entries(r.testMetadata.kwargs).filter(([k]) => k !== 'model' && k !== 'column_name');
      for (const [k, v] of args) facts.push([k, typeof v === 'string' ? v : JSON.stringify(v)]);
    } else facts.push(['Test', 'singular (a query that returns failing rows)']);
    if (r.attachedNode) facts.push(['Tests', manifest.nodes.get(r.attachedNode)?.name ?? r.attachedNode]);
    if (r.columnName) facts.push(['Column', r.columnName]);
    facts.push(['Severity', String(r.config.severity ?? 'ERROR')]);
  } else {
    facts.push(['Materialized', String(r.config.materialized)]);
    if (r.config.materialized !== 'ephemeral') facts.push(['Database', r.database], ['Schema', r.schema], ['Alias', r.alias]);
    facts.push(...schemaFacts(r));
  }
  facts.push(['Defined in', r.originalFilePath]);
  if (r.patchPath) facts.push(['Properties in', r.patchPath]);
  return {
    ...common,
    raw: r.resourceType === 'seed' ? null : r.rawCode,
    compiled: r.resourceType === 'seed' ? null : r.compiledCode ?? null,
    macros: r.dependsOn.macros,
    patchPath: r.patchPath,
    facts,
    meta: r.config.meta,
  };
}

function freshnessText(f: unknown): string {
  if (!f || typeof f !== 'object') return '';
  const part = (k: string) => {
    const v = (f as Record<string, unknown>)[k] as { count?: number | null; period?: string | null } | undefined;
    return v?.count && v.period ? `${k.replace('_after', '')} after ${v.count} ${v.period}${v.count === 1 ? '' : 's'}` : '';
  };
  return [part('warn_after'), part('error_after')].filter(Boolean).join(', ');
}

/** `primary key`, `check (amount >= 0)`, `foreign key (parent_id) → ref('parent') (id)`: a constraint for people. */
export function constraintText(c: ConstraintDef): string {
  const cols = c.onColumn ? '' : ` (${c.columns.join(', ')})`;
  const named = c.name ? ` "${c.name}"` : '';
  switch (c.type) {
    case 'check':
      return `check${named} (${c.expression ?? ''})`;
    case 'foreign_key':
      return `foreign key${named}${cols} → ${c.to ? `${c.to} (${c.toColumns.join(', ')})` : c.expression ?? ''}`;
    case 'custom':
      return `custom${named}: ${c.expression ?? ''}`;
    default:
      return `${c.type.replace('_', ' ')}${named}${cols}`;
  }
}

/** Contract, model-level constraints, indexes and grants of a model, as page facts. */
function schemaFacts(r: ParsedNode): [string, string][] {
  const out: [string, string][] = [];
  const contract = r.config.contract as { enforced?: unknown; alias_types?: unknown } | undefined;
  if (contract?.enforced === true) out.push(['Contract', `enforced${contract.alias_types === false ? ' (no type aliases)' : ''}: ${Object.values(r.columns).map((c) => `${c.name} ${c.data_type ?? '?'}`).join(', ')}`]);
  if (r.constraints?.length) out.push(['Constraints', r.constraints.map(constraintText).join('; ')]);
  const indexes = indexSpecs(r);
  if (indexes.length) out.push(['Indexes', indexes.map((i) => `${i.unique ? 'unique ' : ''}${i.type ? `${i.type} ` : ''}(${i.columns.join(', ')})`).join('; ')]);
  const grants = grantConfig(r);
  if (grants.size) out.push(['Grants', [...grants].map(([p, who]) => `${p}: ${who.join(', ') || '(none)'}`).join('; ')]);
  return out;
}

