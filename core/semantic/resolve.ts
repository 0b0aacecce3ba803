// What semantic-layer entries name, resolved once every package is parsed: a semantic model's
// model (→ depends_on and its relation), a metric's measures (→ their semantic models) and input
// metrics, a saved query's metrics, time spines' models. Unknown names are KLN801 with the line
// of the name and the closest existing one; measure names clashing across semantic models KLN802.
import { closest, distance } from 'fastest-levenshtein';
import { Codes, KilnError, type Problems } from '../errors.js';
import type { Manifest, ParsedNode } from '../nodes.js';
import type { RefIndex } from '../packages/ref-index.js';
import type { YamlPath } from '../project/yaml-file.js';
import type { Metric, SemanticLayer, SemanticModel } from './types.js';
import { entryLoc, type YamlAt } from './yaml-at.js';
import { nodeRelation } from '../project/quoting.js';

type Input = Record<string, unknown>;

function near(name: string, candidates: Iterable<string>): string | undefined {
  const list = [...candidates];
  if (list.length === 0) return undefined;
  const c = closest(name, list);
  return distance(c, name) <= Math.max(2, name.length / 3) ? c : undefined;
}

function unknown(problems: Problems, at: YamlAt, sub: YamlPath, message: string, hint: string): void {
  problems.error(new KilnError(Codes.SEMANTIC_REF_UNKNOWN, message, { loc: entryLoc(at, ...sub), hint }));
}

export function resolveSemanticLayer(manifest: Manifest, index: RefIndex, problems: Problems): void {
  const layer = manifest.semantic;
  if (!layer) return;
  const relationOf = (n: ParsedNode) => nodeRelation(n);

  // Semantic models → their models.
  for (const sm of layer.semanticModels.values()) {
    const ref = sm.ref;
    const node = index.ref(ref, sm.packageName);
    if (node) {
      sm.dependsOn.nodes = [node.uniqueId];
      sm.relation = relationOf(node);
      continue;
    }
    const disabled = index.disabledRef(ref, sm.packageName);
    const guess = near(ref.name, index.names());
    unknown(problems, sm.at, ['model'], `Semantic model '${sm.name}' is built on ${sm.model}, ${disabled ? 'which is disabled' : 'which was not found'}`,
      disabled ? `Enable ${disabled.originalFilePath} (its \`enabled\` config is false) or point \`model:\` at another model.` : guess ? `Did you mean ref('${guess}')?` : 'Point `model:` at a model, seed or snapshot of the project.');
  }

  // Measures of every semantic model, by name (MetricFlow needs them unique across the project).
  const measures = new Map<string, { sm: SemanticModel; measure: Input; i: number }>();
  for (const sm of layer.semanticModels.values()) {
    sm.measures.forEach((measure, i) => {
      const name = String(measure.name);
      const prev = measures.get(name);
      if (prev) {
        problems.error(new KilnError(Codes.SEMANTIC_DUPLICATE, `Two semantic models have a measure named '${name}': '${prev.sm.name}' and '${sm.name}'`, {
          loc: entryLoc(sm.at, 'measures', i),
          related: [entryLoc(prev.sm.at, 'measures', prev.i)],
          hint: 'Measure names are unique across the project (metrics name measures alone). Rename one of them.',
        }));
        return;
      }
      measures.set(name, { sm, measure, i });
    });
    if (layer.metrics.size) checkAggTimeDimensions(sm, problems);
  }

  const metricsByName = new Map<string, Metric>();
  for (const m of layer.metrics.values()) if (!metricsByName.has(m.name)) metricsByName.set(m.name, m);

  for (const metric of layer.metrics.values()) {
    const deps: string[] = [];
    const add = (id: string) => {
      if (!deps.includes(id)) deps.push(id);
    };
    const tp = metric.typeParams;
    const measure = (input: unknown, sub: YamlPath) => {
      const name = (input as Input | null)?.name;
      if (typeof name !== 'string') return;
      const found = measures.get(name);
      if (found) return add(found.sm.uniqueId);
      const guess = near(name, measures.keys());
      unknown(problems, metric.at, sub, `Metric '${metric.name}' aggregates the measure '${name}', which no semantic model has`,
        guess ? `Did you mean '${guess}'?` : 'Measures are declared under `measures:` of a semantic model.');
    };
    const input = (m: unknown, sub: YamlPath) => {
      const name = (m as Input | null)?.name;
      if (typeof name !== 'string') return;
      const found = metricsByName.get(name);
      if (found) return add(found.uniqueId);
      const guess = near(name, metricsByName.keys());
      unknown(problems, metric.at, sub, `Metric '${metric.name}' uses the metric '${name}', which does not exist`, guess ? `Did you mean '${guess}'?` : 'Declare it under `metrics:` (or remove it).');
    };
    measure(tp.measure, ['type_params', 'measure']);
    input(tp.numerator, ['type_params', 'numerator']);
    input(tp.denominator, ['type_params', 'denominator']);
    (tp.metrics as unknown[]).forEach((m, i) => input(m, ['type_params', 'metrics', i]));
    const conv = tp.conversion_type_params as Input | null;
    if (conv) {
      measure(conv.base_measure, ['type_params', 'conversion_type_params', 'base_measure']);
      measure(conv.conversion_measure, ['type_params', 'conversion_type_params', 'conversion_measure']);
    }
    const cum = tp.cumulative_type_params as Input | null;
    if (cum?.metric) input(cum.metric, ['type_params', 'cumulative_type_params', 'metric']);
    metric.dependsOn.nodes = deps;
  }
  // input_measures: a metric's own measures, else those of its input metrics (recursively, as dbt lists them).
  const inputMeasures = new Map<string, Input[]>();
  const measuresOf = (metric: Metric, seen: Set<string>): Input[] => {
    const known = inputMeasures.get(metric.uniqueId);
    if (known) return known;
    if (seen.has(metric.uniqueId)) return []; // a cycle among derived metrics: reported by the graph of metrics below
    seen.add(metric.uniqueId);
    const tp = metric.typeParams;
    const out: Input[] = [];
    const push = (m: unknown) => {
      if (m && !out.some((x) => x.name === (m as Input).name)) out.push({ ...(m as Input) });
    };
    push(tp.measure);
    const conv = tp.conversion_type_params as Input | null;
    if (conv) {
      push(conv.base_measure);
      push(conv.conversion_measure);
    }
    for (const m of [tp.numerator, tp.denominator, ...(tp.metrics as unknown[]), (tp.cumulative_type_params as Input | null)?.metric]) {
      const name = (m as Input | null | undefined)?.name;
      const dep = typeof name === 'string' ? metricsByName.get(name) : undefined;
      if (dep) for (const x of measuresOf(dep, seen)) push(x);
    }
    inputMeasures.set(metric.uniqueId, out);
    return out;
  };
  for (const metric of layer.metrics.values()) metric.typeParams.input_measures = measuresOf(metric, new Set());
  checkMetricCycles(layer, metricsByName, problems);

  for (const sq of layer.savedQueries.values()) {
    const deps: string[] = [];
    sq.queryParams.metrics.forEach((name, i) => {
      const found = metricsByName.get(name);
      if (found) {
        if (!deps.includes(found.uniqueId)) deps.push(found.uniqueId);
        return;
      }
      const guess = near(name, metricsByName.keys());
      unknown(problems, sq.at, ['query_params', 'metrics', i], `Saved query '${sq.name}' asks for the metric '${name}', which does not exist`, guess ? `Did you mean '${guess}'?` : 'Declare it under `metrics:` (or remove it from the query).');
    });
    sq.dependsOn.nodes = deps;
  }

  for (const ts of layer.timeSpines) {
    const node = index.ref({ name: ts.model }, ts.packageName);
    if (node) ts.relation = relationOf(node);
  }
  // dbt's older convention: without a configured time spine, a model named metricflow_time_spine is one (day grain, date_day).
  if (layer.timeSpines.length === 0) {
    const legacy = index.ref({ name: 'metricflow_time_spine' }, manifest.projectName);
    layer.legacyTimeSpine = legacy ? relationOf(legacy) : null;
  }
  const fine = layer.legacyTimeSpine || layer.timeSpines.some((ts) => ts.relation && DAY_OR_FINER.includes(ts.granularity ?? ''));
  const first = layer.metrics.values().next().value;
  if (first && !fine) {
    // dbt fails the parse here; kiln builds on, since nothing it runs needs the spine.
    problems.warn(new KilnError(Codes.TIME_SPINE_MISSING, 'The semantic layer has metrics but no time spine of day grain or finer: `dbt parse` fails on this project, and MetricFlow cannot query its metrics', {
      loc: entryLoc(first.at),
      hint: 'Add a model of one row per day and declare it: `time_spine: {standard_granularity_column: date_day}` with `columns: [{name: date_day, granularity: day}]` (https://docs.getdbt.com/docs/build/metricflow-time-spine).',
    }));
  }
}

const DAY_OR_FINER = ['nanosecond', 'microsecond', 'millisecond', 'second', 'minute', 'hour', 'day'];

/** Each measure's aggregation time dimension (its own, else the model's default) is a time dimension of its model. */
function checkAggTimeDimensions(sm: SemanticModel, problems: Problems): void {
  const dims = new Map(sm.dimensions.map((d) => [String(d.name), d]));
  sm.measures.forEach((m, i) => {
    const own = typeof m.agg_time_dimension === 'string' ? m.agg_time_dimension : null;
    const name = own ?? sm.defaults?.agg_time_dimension ?? null;
    const sub: YamlPath = own ? ['measures', i, 'agg_time_dimension'] : name ? ['defaults', 'agg_time_dimension'] : ['measures', i];
    if (name === null) {
      unknown(problems, sm.at, sub, `Measure '${String(m.name)}' of semantic model '${sm.name}' has no aggregation time dimension`,
        'Set `defaults: {agg_time_dimension: <a time dimension>}` on the semantic model, or `agg_time_dimension:` on the measure.');
      return;
    }
    const dim = dims.get(name);
    if (dim?.type === 'time') return;
    const times = sm.dimensions.filter((d) => d.type === 'time').map((d) => String(d.name));
    const guess = near(name, times);
    unknown(problems, sm.at, sub, `The aggregation time dimension '${name}' of measure '${String(m.name)}' ${dim ? 'is no time dimension' : 'is no dimension'} of semantic model '${sm.name}'`,
      guess ? `Did you mean '${guess}'?` : times.length ? `Its time dimensions: ${times.join(', ')}.` : 'Declare it under `dimensions:` with `type: time`.');
  });
}

/** Derived and ratio metrics must not use themselves, however indirectly. */
function checkMetricCycles(layer: SemanticLayer, byName: ReadonlyMap<string, Metric>, problems: Problems): void {
  const state = new Map<string, 1 | 2>();
  const visit = (m: Metric, path: Metric[]): void => {
    const s = state.get(m.uniqueId);
    if (s === 2) return;
    if (s === 1) {
      const cycle = [...path.slice(path.indexOf(m)), m].map((x) => x.name);
      problems.error(new KilnError(Codes.CYCLE, `The metrics form a cycle: ${cycle.join(' → ')}`, { loc: entryLoc(m.at), hint: 'A derived or ratio metric cannot use itself, directly or through other metrics.' }));
      return;
    }
    state.set(m.uniqueId, 1);
    for (const id of m.dependsOn.nodes) {
      const dep = id.startsWith('metric.') ? byName.get(id.slice(id.lastIndexOf('.') + 1)) : undefined;
      if (dep) visit(dep, [...path, m]);
    }
    state.set(m.uniqueId, 2);
  };
  for (const m of layer.metrics.values()) visit(m, []);
}
