// `semantic_models:`, `metrics:` and `saved_queries:` of property YAML (and `time_spine:` on model
// entries) → the entries dbt writes into manifest.json. This step reads and checks each entry on
// its own; what entries name (models, measures, metrics) is resolved once every package is parsed
// (resolve.ts). Shapes and defaults follow dbt-core 1.11 (`dbt parse` on the same YAML).
import { Codes, KilnError, type Problems, type SourceLocation } from '../errors.js';
import type { RefCall } from '../nodes.js';
import { configForPath, mergeConfigs } from '../project/config-tree.js';
import type { NodePatch, PropertyFile } from '../project/properties-types.js';
import { renderTree } from '../project/render.js';
import type { ConfigTree, RenderString } from '../project/types.js';
import { hasJinja, isPlainObject } from '../project/values.js';
import type { YamlPath } from '../project/yaml-file.js';
import { fqnUnder, relativeUnder } from '../parser/paths.js';
import type { Metric, SavedQuery, SemanticLayer, SemanticModel, TimeSpine } from './types.js';
import { entryLoc, type YamlAt } from './yaml-at.js';

export interface SemanticParseInput {
  readonly projectName: string;
  readonly propertyFiles: readonly PropertyFile[];
  /** The resource root a property file lies under (`models`), for `path` and fqn. */
  readonly rootOf: (file: string) => string;
  /** dbt_project.yml as written: its `semantic-models:`, `metrics:` and `saved-queries:` trees. */
  readonly projectRaw: Readonly<Record<string, unknown>>;
  /** The target, for saved query exports' default schema and database. */
  readonly target: { readonly database: string; readonly schema: string };
  /** A YAML path of a file as file:line (read again only when an error needs it). */
  readonly locator: (file: string) => (path: YamlPath) => SourceLocation;
  /** Renders descriptions (doc() blocks). */
  readonly describe: (text: string, loc: SourceLocation) => string;
  /** Renders Jinja in other values (`{{ var('x') }}`), as dbt renders property YAML. */
  readonly render?: RenderString;
  /** Model entries with `time_spine:` (outlines keep their columns' grains under TIME_SPINE_COLUMNS). */
  readonly timeSpineModels: readonly NodePatch[];
  readonly problems: Problems;
}

/** The key of a model outline's `extra` holding its columns' `granularity` (parse-project.ts outlines model entries). */
export const TIME_SPINE_COLUMNS = 'kiln_time_spine_columns';

export const ENTITY_TYPES = ['primary', 'unique', 'foreign', 'natural'];
export const DIMENSION_TYPES = ['categorical', 'time'];
export const AGGREGATIONS = ['sum', 'max', 'min', 'count_distinct', 'sum_boolean', 'average', 'percentile', 'median', 'count'];
export const METRIC_TYPES = ['simple', 'ratio', 'cumulative', 'derived', 'conversion'];

type Raw = Record<string, unknown>;

export function emptySemanticLayer(): SemanticLayer {
  return { semanticModels: new Map(), metrics: new Map(), savedQueries: new Map(), timeSpines: [] };
}

/** Whether any property file declares a semantic-layer resource (most projects: none, and nothing to do). */
export function hasSemanticLayer(files: readonly PropertyFile[], timeSpineModels: readonly NodePatch[]): boolean {
  return timeSpineModels.length > 0 || files.some((f) => f.other.semantic_models?.length || f.other.metrics?.length || f.other.saved_queries?.length);
}

export function parseSemanticLayer(input: SemanticParseInput): SemanticLayer {
  const out = emptySemanticLayer();
  const { projectName, problems } = input;
  const tree = (key: string): ConfigTree => (isPlainObject(input.projectRaw[key]) ? (input.projectRaw[key] as ConfigTree) : {});
  const trees = { semantic_models: tree('semantic-models'), metrics: tree('metrics'), saved_queries: tree('saved-queries') };
  /** Measures with `create_metric: true` become metrics after the written ones (dbt's order). */
  const created: Metric[] = [];

  for (const pf of input.propertyFiles) {
    const root = input.rootOf(pf.path);
    const locate = input.locator(pf.path);
    const each = (section: 'semantic_models' | 'metrics' | 'saved_queries', read: (raw: Raw, at: YamlAt, base: Base) => void) => {
      (pf.other[section] ?? []).forEach((written, i) => {
        const at: YamlAt = { file: pf.path, path: [section, i], locate };
        if (!isPlainObject(written)) return; // reported by load-properties
        const raw = renderTree(written, at.path, { render: input.render, locate, problems, skip: noRender }) as Raw;
        const name = raw.name;
        if (typeof name !== 'string' || name.trim() === '') {
          invalid(problems, at, [], `An entry of \`${section}\` has no \`name\``, 'Every entry needs `name: <snake_case_name>`.');
          return;
        }
        const fqn = fqnUnder(projectName, root, pf.path, name);
        const cfg = entryConfig(raw, at, trees[section], fqn, problems);
        if (!cfg) return;
        read(raw, at, { name, fqn, path: relativeUnder(root, pf.path), originalFilePath: pf.path, ...cfg });
      });
    };

    each('semantic_models', (raw, at, base) => {
      const sm = semanticModel(raw, at, base, input);
      if (!sm) return;
      if (!sm.config.enabled) return;
      if (claim(out.semanticModels, sm, 'semantic models', problems)) {
        sm.measures.forEach((m, i) => {
          if (m.create_metric === true) created.push(metricFromMeasure(sm, m, { ...sm.at, path: [...sm.at.path, 'measures', i] }, trees.metrics, projectName));
        });
        // dbt lists the measure as it is once the metric exists.
        for (const m of sm.measures) m.create_metric = false;
      }
    });
    each('metrics', (raw, at, base) => {
      const metric = parseMetric(raw, at, base, input);
      if (metric && metric.config.enabled) claim(out.metrics, metric, 'metrics', problems);
    });
    each('saved_queries', (raw, at, base) => {
      const sq = savedQuery(raw, at, base, input);
      if (sq && sq.config.enabled) claim(out.savedQueries, sq, 'saved queries', problems);
    });
  }
  for (const m of created) claim(out.metrics, m, 'metrics', problems);
  out.timeSpines = timeSpines(input);
  return out;
}

/**
 * Left as written: MetricFlow's own templates (`filter:`, `where:`: `{{ Dimension('x') }}`),
 * descriptions (doc() is rendered on its own) and `model:` (read as a ref, as dbt does).
 */
const NO_RENDER = new Set(['filter', 'where', 'description', 'model']);
const noRender = (p: YamlPath): boolean => NO_RENDER.has(String(p[p.length - 1]));

interface Base {
  name: string;
  fqn: string[];
  path: string;
  originalFilePath: string;
  config: { enabled: boolean; group: string | null; meta: Record<string, unknown>; [key: string]: unknown };
  unrenderedConfig: Record<string, unknown>;
}

/** What every semantic entry made from a Base shares: ids, paths, fqn, configs, where it is. */
function identity<K extends 'semantic_model' | 'metric' | 'saved_query'>(kind: K, projectName: string, base: Base, at: YamlAt) {
  return {
    uniqueId: `${kind}.${projectName}.${base.name}`,
    resourceType: kind,
    packageName: projectName,
    name: base.name,
    path: base.path,
    originalFilePath: base.originalFilePath,
    fqn: base.fqn,
    config: base.config,
    unrenderedConfig: base.unrenderedConfig,
    dependsOn: { nodes: [] as string[], macros: [] as string[] },
    at,
  };
}

function invalid(problems: Problems, at: YamlAt, sub: YamlPath, message: string, hint?: string): void {
  problems.error(new KilnError(Codes.CONFIG_INVALID, message, { loc: entryLoc(at, ...sub), hint }));
}

/** One name per kind of resource in the project (dbt: "found two metrics with the name ..."). */
function claim<T extends { uniqueId: string; name: string; at: YamlAt }>(map: Map<string, T>, item: T, kind: string, problems: Problems): boolean {
  const prev = map.get(item.uniqueId);
  if (prev) {
    problems.error(new KilnError(Codes.SEMANTIC_DUPLICATE, `Two ${kind} are named '${item.name}'`, {
      loc: entryLoc(item.at),
      related: [entryLoc(prev.at)],
      hint: `Names of ${kind} are unique in a project (a measure's \`create_metric: true\` makes a metric of the measure's name). Rename one of them.`,
    }));
    return false;
  }
  map.set(item.uniqueId, item);
  return true;
}

/** The project tree's configs for the entry, under its own `config:` (and `meta`/`tags`/`group` written beside it). */
function entryConfig(raw: Raw, at: YamlAt, tree: ConfigTree, fqn: readonly string[], problems: Problems): Pick<Base, 'config' | 'unrenderedConfig'> | null {
  if (raw.config !== undefined && raw.config !== null && !isPlainObject(raw.config)) {
    invalid(problems, at, ['config'], `\`config\` of '${String(raw.name)}' must be a mapping`);
    return null;
  }
  const own: Raw = { ...((raw.config as Raw | null | undefined) ?? {}) };
  for (const k of ['group', 'meta'] as const) if (raw[k] !== undefined && own[k] === undefined) own[k] = raw[k];
  const fromTree = configForPath(tree, fqn);
  const merged = mergeConfigs(fromTree, own);
  const enabled = merged.enabled !== false && merged.enabled !== 'false' && merged.enabled !== 'False';
  const meta = isPlainObject(merged.meta) ? merged.meta : {};
  const group = typeof merged.group === 'string' && merged.group ? merged.group : null;
  // dbt's unrendered_config leaves out the tree's meta and enabled (what `dbt parse` writes).
  const { meta: _meta, enabled: _enabled, ...treeRest } = fromTree;
  return { config: { ...merged, enabled, group, meta }, unrenderedConfig: mergeConfigs(treeRest, (raw.config as Raw | null | undefined) ?? {}) };
}

/** A description with doc() blocks rendered; the entry's line is looked up only for one with Jinja. */
function describeAt(input: SemanticParseInput, text: string, at: YamlAt): string {
  return hasJinja(text) ? input.describe(text, entryLoc(at)) : text;
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : null;
}

/** dbt writes numeric `expr:` values as text (`expr: 1` → "1"). */
function exprOf(v: unknown): string | null {
  return v === undefined || v === null ? null : typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v);
}

function list(raw: Raw, key: string, at: YamlAt, problems: Problems, what: string): Raw[] {
  const v = raw[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    invalid(problems, at, [key], `\`${key}\` of ${what} must be a list`);
    return [];
  }
  const out: Raw[] = [];
  v.forEach((e, i) => {
    if (isPlainObject(e) && typeof e.name === 'string' && e.name) out.push(e);
    else invalid(problems, at, [key, i], `Entry ${i + 1} of \`${key}\` of ${what} needs a \`name\``, 'Write each entry as `- name: ...`.');
  });
  return out;
}

/** `ref('x')`, `ref('pkg', 'x')`, `ref('x', v=2)`, also inside `{{ }}`. */
export function parseModelRef(text: string): RefCall | null {
  const inner = text.trim().replace(/^\{\{\s*([\s\S]*?)\s*\}\}$/, '$1');
  const m = /^ref\s*\(\s*(['"])([^'"]+)\1\s*(?:,\s*(['"])([^'"]+)\3\s*)?(?:,\s*v(?:ersion)?\s*=\s*(?:(['"])([^'"]*)\5|([0-9.]+))\s*)?\)$/.exec(inner);
  if (!m) return null;
  const version = m[6] ?? (m[7] !== undefined ? Number(m[7]) : undefined);
  const call: { name: string; package?: string; version?: string | number } = m[4] === undefined ? { name: m[2]! } : { package: m[2]!, name: m[4] };
  if (version !== undefined) call.version = version;
  return call;
}

/** An element's config: its semantic model's meta under its own (dbt copies it down). */
function elementConfig(e: Raw, parentMeta: Record<string, unknown>): { meta: Record<string, unknown> } {
  const own = isPlainObject(e.config) && isPlainObject(e.config.meta) ? e.config.meta : isPlainObject(e.meta) ? e.meta : {};
  return { meta: { ...parentMeta, ...own } };
}

function semanticModel(raw: Raw, at: YamlAt, base: Base, input: SemanticParseInput): SemanticModel | null {
  const { problems } = input;
  const what = `semantic model '${base.name}'`;
  const modelText = str(raw.model);
  if (!modelText) {
    invalid(problems, at, ['model'], `The ${what} has no \`model\``, "Point it at the model it describes: `model: ref('orders')`.");
    return null;
  }
  const ref = parseModelRef(modelText);
  if (!ref) {
    invalid(problems, at, ['model'], `\`model\` of the ${what} must be ref('<model name>'), got ${JSON.stringify(modelText)}`, "Write `model: ref('orders')`.");
    return null;
  }
  const meta = base.config.meta;
  let ok = true;
  const bad = (sub: YamlPath, message: string, hint?: string) => {
    invalid(problems, at, sub, message, hint);
    ok = false;
  };
  const entities = list(raw, 'entities', at, problems, what).map((e, i) => {
    const type = str(e.type)?.toLowerCase() ?? null;
    if (!type || !ENTITY_TYPES.includes(type)) bad(['entities', i, 'type'], `Entity '${String(e.name)}' of the ${what} needs a \`type\`: one of ${ENTITY_TYPES.join(', ')}`);
    return { name: String(e.name), type, description: str(e.description), label: str(e.label), role: str(e.role), expr: exprOf(e.expr), config: elementConfig(e, meta) };
  });
  const dimensions = list(raw, 'dimensions', at, problems, what).map((d, i) => {
    const type = str(d.type)?.toLowerCase() ?? null;
    if (!type || !DIMENSION_TYPES.includes(type)) bad(['dimensions', i, 'type'], `Dimension '${String(d.name)}' of the ${what} needs a \`type\`: categorical or time`);
    const tp = isPlainObject(d.type_params) ? d.type_params : null;
    const validity = tp && isPlainObject(tp.validity_params) ? { is_start: tp.validity_params.is_start === true, is_end: tp.validity_params.is_end === true } : null;
    return {
      name: String(d.name),
      type,
      description: str(d.description),
      label: str(d.label),
      is_partition: d.is_partition === true,
      type_params: tp ? { time_granularity: str(tp.time_granularity), validity_params: validity } : null,
      expr: exprOf(d.expr),
      metadata: null,
      config: elementConfig(d, meta),
    };
  });
  const measures = list(raw, 'measures', at, problems, what).map((m, i) => {
    const agg = str(m.agg)?.toLowerCase() ?? null;
    if (!agg || !AGGREGATIONS.includes(agg)) bad(['measures', i, 'agg'], `Measure '${String(m.name)}' of the ${what} needs an \`agg\`: one of ${AGGREGATIONS.join(', ')}`);
    const ap = isPlainObject(m.agg_params) ? m.agg_params : null;
    const nad = isPlainObject(m.non_additive_dimension) ? m.non_additive_dimension : null;
    return {
      name: String(m.name),
      agg,
      description: str(m.description),
      label: str(m.label),
      create_metric: m.create_metric === true,
      expr: exprOf(m.expr),
      agg_params: ap ? { percentile: typeof ap.percentile === 'number' ? ap.percentile : null, use_discrete_percentile: ap.use_discrete_percentile === true, use_approximate_percentile: ap.use_approximate_percentile === true } : null,
      non_additive_dimension: nad ? { name: str(nad.name), window_choice: str(nad.window_choice) ?? 'min', window_groupings: Array.isArray(nad.window_groupings) ? nad.window_groupings.map(String) : [] } : null,
      agg_time_dimension: str(m.agg_time_dimension),
      config: elementConfig(m, meta),
    };
  });
  for (const [kind, items] of [['entities', entities], ['dimensions', dimensions], ['measures', measures]] as const) {
    const seen = new Set<string>();
    items.forEach((it, i) => {
      if (seen.has(it.name)) {
        problems.error(new KilnError(Codes.SEMANTIC_DUPLICATE, `The ${what} has two ${kind} named '${it.name}'`, { loc: entryLoc(at, kind, i), hint: 'Rename or remove one of them.' }));
        ok = false;
      }
      seen.add(it.name);
    });
  }
  if (!ok) return null;
  const defaults = isPlainObject(raw.defaults) ? { agg_time_dimension: str(raw.defaults.agg_time_dimension) } : null;
  const description = str(raw.description);
  return {
    ...identity('semantic_model', input.projectName, base, at),
    model: modelText,
    ref,
    description: description === null ? null : describeAt(input, description, at),
    label: str(raw.label),
    defaults,
    primaryEntity: str(raw.primary_entity),
    entities,
    measures,
    dimensions,
    relation: null,
  };
}

/** `1 month` / `7 days` → {count, granularity} (dbt's MetricTimeWindow). */
export function timeWindow(v: unknown): { count: number; granularity: string } | null {
  if (isPlainObject(v) && typeof v.count === 'number' && typeof v.granularity === 'string') return { count: v.count, granularity: v.granularity };
  const m = typeof v === 'string' ? /^\s*(\d+)\s+([A-Za-z_]+?)s?\s*$/.exec(v) : null;
  return m ? { count: Number(m[1]), granularity: m[2]!.toLowerCase() } : null;
}

/** `filter:` / `where:` as one text or a list → dbt's WhereFilterIntersection. */
function whereFilters(v: unknown): { where_filters: { where_sql_template: string }[] } | null {
  if (v === undefined || v === null) return null;
  const texts = Array.isArray(v) ? v.map(String) : [String(v)];
  return { where_filters: texts.map((where_sql_template) => ({ where_sql_template })) };
}

function measureInput(v: unknown): Record<string, unknown> | null {
  if (v === undefined || v === null) return null;
  const m = isPlainObject(v) ? v : { name: v };
  return {
    name: str(m.name),
    filter: whereFilters(m.filter),
    alias: str(m.alias),
    join_to_timespine: m.join_to_timespine === true,
    fill_nulls_with: typeof m.fill_nulls_with === 'number' ? m.fill_nulls_with : null,
  };
}

function metricInput(v: unknown): Record<string, unknown> | null {
  if (v === undefined || v === null) return null;
  const m = isPlainObject(v) ? v : { name: v };
  return { name: str(m.name), filter: whereFilters(m.filter), alias: str(m.alias), offset_window: timeWindow(m.offset_window), offset_to_grain: str(m.offset_to_grain) };
}

function parseMetric(raw: Raw, at: YamlAt, base: Base, input: SemanticParseInput): Metric | null {
  const { problems } = input;
  const type = str(raw.type)?.toLowerCase() ?? null;
  if (!type || !METRIC_TYPES.includes(type)) {
    invalid(problems, at, ['type'], `Metric '${base.name}' needs a \`type\`: one of ${METRIC_TYPES.join(', ')}`);
    return null;
  }
  const label = str(raw.label);
  if (label === null) {
    invalid(problems, at, [], `Metric '${base.name}' has no \`label\``, 'dbt requires a human-readable `label:` on every metric.');
    return null;
  }
  const tp = isPlainObject(raw.type_params) ? raw.type_params : {};
  const cum = isPlainObject(tp.cumulative_type_params) ? tp.cumulative_type_params : null;
  const conv = isPlainObject(tp.conversion_type_params) ? tp.conversion_type_params : null;
  const typeParams: Record<string, unknown> = {
    measure: measureInput(tp.measure),
    input_measures: [],
    numerator: metricInput(tp.numerator),
    denominator: metricInput(tp.denominator),
    expr: exprOf(tp.expr),
    window: timeWindow(tp.window),
    grain_to_date: str(tp.grain_to_date),
    metrics: Array.isArray(tp.metrics) ? tp.metrics.map(metricInput) : [],
    conversion_type_params: conv
      ? {
          base_measure: measureInput(conv.base_measure),
          conversion_measure: measureInput(conv.conversion_measure),
          entity: str(conv.entity),
          calculation: str(conv.calculation) ?? 'conversion_rate',
          window: timeWindow(conv.window),
          constant_properties: Array.isArray(conv.constant_properties) ? conv.constant_properties : null,
        }
      : null,
    cumulative_type_params: cum ? { window: timeWindow(cum.window), grain_to_date: str(cum.grain_to_date), period_agg: str(cum.period_agg) ?? 'first', metric: metricInput(cum.metric) } : null,
    metric_aggregation_params: null,
  };
  const needs = (key: string, ok: boolean, hint: string): boolean => {
    if (!ok) invalid(problems, at, ['type_params'], `The ${type} metric '${base.name}' needs \`type_params.${key}\``, hint);
    return ok;
  };
  const fine =
    type === 'simple' ? needs('measure', typeParams.measure !== null, 'Name the measure it aggregates: `type_params: {measure: order_total}`.')
    : type === 'cumulative' ? needs('measure', typeParams.measure !== null || (cum !== null && cum.metric !== undefined), 'Name the measure it accumulates: `type_params: {measure: order_total}`.')
    : type === 'ratio' ? needs('numerator', typeParams.numerator !== null, 'Give the metrics to divide: `numerator: revenue`, `denominator: orders`.') && needs('denominator', typeParams.denominator !== null, 'Give the metrics to divide: `numerator: revenue`, `denominator: orders`.')
    : type === 'derived' ? needs('expr', typeParams.expr !== null, 'Give the expression over its metrics: `expr: revenue - cost`.') && needs('metrics', (typeParams.metrics as unknown[]).length > 0, 'List the metrics the expression uses under `metrics:`.')
    : needs('conversion_type_params', conv !== null && conv.base_measure !== undefined && conv.conversion_measure !== undefined && conv.entity !== undefined, 'Give `conversion_type_params: {base_measure, conversion_measure, entity}`.');
  if (!fine) return null;
  const tags = [...new Set([...(Array.isArray(raw.tags) ? raw.tags.map(String) : typeof raw.tags === 'string' ? [raw.tags] : [])])];
  const description = str(raw.description) ?? '';
  return {
    ...identity('metric', input.projectName, base, at),
    description: describeAt(input, description, at),
    label,
    type,
    typeParams,
    filter: whereFilters(raw.filter),
    timeGranularity: str(raw.time_granularity),
    meta: base.config.meta,
    tags,
    fromMeasure: false,
  };
}

/** The simple metric a measure's `create_metric: true` declares (dbt's shape of it). */
function metricFromMeasure(sm: SemanticModel, m: Record<string, unknown>, at: YamlAt, tree: ConfigTree, projectName: string): Metric {
  const name = String(m.name);
  const fqn = [...sm.fqn.slice(0, -1), name];
  const own = { enabled: true, meta: (m.config as { meta: Record<string, unknown> }).meta };
  const fromTree = configForPath(tree, fqn);
  const merged = mergeConfigs(fromTree, own);
  const meta = isPlainObject(merged.meta) ? merged.meta : {};
  const input = { name, filter: null, alias: null, join_to_timespine: false, fill_nulls_with: null };
  return {
    uniqueId: `metric.${projectName}.${name}`,
    resourceType: 'metric',
    packageName: projectName,
    name,
    path: sm.path,
    originalFilePath: sm.originalFilePath,
    fqn,
    config: { ...merged, enabled: true, group: typeof merged.group === 'string' ? merged.group : null, meta },
    unrenderedConfig: merged,
    dependsOn: { nodes: [], macros: [] },
    at,
    description: `Metric created from measure ${name}`,
    label: typeof m.label === 'string' ? m.label : name,
    type: 'simple',
    typeParams: {
      measure: input, input_measures: [], numerator: null, denominator: null, expr: m.expr ?? null, window: null, grain_to_date: null,
      metrics: [], conversion_type_params: null, cumulative_type_params: null, metric_aggregation_params: null,
    },
    filter: null,
    timeGranularity: null,
    meta,
    tags: [],
    fromMeasure: true,
  };
}

function savedQuery(raw: Raw, at: YamlAt, base: Base, input: SemanticParseInput): SavedQuery | null {
  const { problems } = input;
  const qp = isPlainObject(raw.query_params) ? raw.query_params : null;
  const metrics = qp && Array.isArray(qp.metrics) ? qp.metrics.map(String) : [];
  if (metrics.length === 0) {
    invalid(problems, at, qp ? ['query_params'] : [], `Saved query '${base.name}' names no metrics`, 'List them under `query_params: {metrics: [...]}`.');
    return null;
  }
  const texts = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []);
  const exportsRaw = Array.isArray(raw.exports) ? raw.exports : [];
  const exports: SavedQuery['exports'] = [];
  exportsRaw.forEach((e, i) => {
    if (!isPlainObject(e) || typeof e.name !== 'string') {
      invalid(problems, at, ['exports', i], `Export ${i + 1} of saved query '${base.name}' needs a \`name\``);
      return;
    }
    const cfg = isPlainObject(e.config) ? e.config : {};
    exports.push({
      name: e.name,
      config: {
        export_as: str(cfg.export_as) ?? str(base.config.export_as) ?? 'table',
        schema_name: str(cfg.schema) ?? str(base.config.schema) ?? input.target.schema,
        alias: str(cfg.alias) ?? e.name,
        database: str(cfg.database) ?? input.target.database,
      },
      unrendered_config: { ...cfg },
    });
  });
  const description = str(raw.description);
  const tags = Array.isArray(raw.tags) ? raw.tags.map(String) : typeof raw.tags === 'string' ? [raw.tags] : [];
  const cache = isPlainObject(base.config.cache) ? { enabled: base.config.cache.enabled === true } : { enabled: false };
  return {
    ...identity('saved_query', input.projectName, base, at),
    config: { ...base.config, export_as: str(base.config.export_as), schema: str(base.config.schema), cache },
    description: description === null ? null : describeAt(input, description, at),
    label: str(raw.label),
    queryParams: {
      metrics,
      group_by: texts(qp?.group_by),
      where: whereFilters(qp?.where),
      order_by: texts(qp?.order_by),
      limit: typeof qp?.limit === 'number' ? qp.limit : null,
    },
    exports,
    tags,
  };
}

/** `time_spine:` on model entries: the column of the standard granularity and its `granularity:`. */
function timeSpines(input: SemanticParseInput): TimeSpine[] {
  const out: TimeSpine[] = [];
  for (const patch of input.timeSpineModels) {
    const ts = patch.extra.time_spine;
    const loc: SourceLocation = patch.loc;
    const bad = (message: string, hint: string) => input.problems.error(new KilnError(Codes.CONFIG_INVALID, message, { loc, hint }));
    if (!isPlainObject(ts)) {
      bad(`\`time_spine\` of model '${patch.name}' must be a mapping`, 'Write `time_spine: {standard_granularity_column: date_day}`.');
      continue;
    }
    const column = str(ts.standard_granularity_column);
    if (!column) {
      bad(`\`time_spine\` of model '${patch.name}' has no \`standard_granularity_column\``, 'Name the column of its finest grain: `standard_granularity_column: date_day`.');
      continue;
    }
    const outlined = patch.extra[TIME_SPINE_COLUMNS] as { name: string; granularity: unknown }[] | undefined;
    const decl = (outlined ?? patch.columns.map((c) => ({ name: c.name, granularity: c.extra.granularity }))).find((c) => c.name === column);
    const granularity = decl ? str(decl.granularity) : null;
    if (!decl || !granularity) {
      bad(
        `The time spine '${patch.name}': its standard_granularity_column '${column}' ${decl ? 'has no `granularity`' : 'is not among its `columns`'}`,
        `Declare the column with its grain: \`columns: [{name: ${column}, granularity: day}]\`.`,
      );
      continue;
    }
    const customGranularities = Array.isArray(ts.custom_granularities)
      ? ts.custom_granularities.filter(isPlainObject).map((g) => ({ name: String(g.name), column_name: str(g.column_name) }))
      : [];
    out.push({ model: patch.name, packageName: input.projectName, standardGranularityColumn: column, granularity: granularity.toLowerCase(), customGranularities, loc, relation: null });
  }
  return out;
}

/** Adds a package's semantic layer to the manifest's (parse-packages.ts). */
export function mergeSemanticLayer(manifest: { semantic?: SemanticLayer }, from: SemanticLayer): void {
  const into = (manifest.semantic ??= emptySemanticLayer());
  for (const [id, sm] of from.semanticModels) into.semanticModels.set(id, sm);
  for (const [id, m] of from.metrics) into.metrics.set(id, m);
  for (const [id, q] of from.savedQueries) into.savedQueries.set(id, q);
  into.timeSpines.push(...from.timeSpines);
}
