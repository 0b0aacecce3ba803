// Semantic-layer YAML → entries (core/semantic/parse.ts) and what resolving them checks
// (core/semantic/resolve.ts), on property files parsed as the loader parses them.
import { describe, expect, it } from 'vitest';
import { Problems } from '../../../core/errors.js';
import type { Manifest } from '../../../core/nodes.js';
import { RefIndex } from '../../../core/packages/ref-index.js';
import { parsePropertyFile } from '../../../core/project/load-properties.js';
import { parseModelRef, parseSemanticLayer, timeWindow } from '../../../core/semantic/parse.js';
import { resolveSemanticLayer } from '../../../core/semantic/resolve.js';
import { yamlLocator } from '../../../core/semantic/yaml-at.js';

const FILE = 'models/marts/semantic.yml';

function layerOf(yml: string, projectRaw: Record<string, unknown> = {}) {
  const problems = new Problems();
  const pf = parsePropertyFile(FILE, yml, problems);
  const reads: string[] = [];
  const layer = parseSemanticLayer({
    projectName: 'shop',
    propertyFiles: [pf],
    rootOf: () => 'models',
    projectRaw,
    target: { database: 'dev', schema: 'main' },
    locator: yamlLocator((f) => {
      reads.push(f);
      return f === FILE ? yml : undefined;
    }),
    describe: (text, loc) => text.replace(/\{\{ doc\('(\w+)'\) \}\}/, `<$1 at line ${loc.line}>`),
    timeSpineModels: [],
    problems,
  });
  return { layer, problems, reads };
}

/** Resolves against a manifest without models (what a semantic model names is then unknown). */
function resolved(yml: string) {
  const { layer, problems } = layerOf(yml);
  const manifest: Manifest = { projectName: 'shop', nodes: new Map(), sources: new Map(), macros: new Map(), docs: new Map(), disabled: new Map(), semantic: layer };
  resolveSemanticLayer(manifest, new RefIndex(manifest), problems);
  return { layer, problems };
}

const errors = (p: Problems) => p.errors.map((e) => `${e.code} ${e.loc?.line ?? '-'} ${e.message}`);

describe('semantic layer parsing', () => {
  it('reads time windows and model refs as dbt does', () => {
    expect(timeWindow('7 days')).toEqual({ count: 7, granularity: 'day' });
    expect(timeWindow('1 month')).toEqual({ count: 1, granularity: 'month' });
    expect(timeWindow(' 2 Weeks ')).toEqual({ count: 2, granularity: 'week' });
    expect(timeWindow({ count: 3, granularity: 'hour' })).toEqual({ count: 3, granularity: 'hour' });
    expect(timeWindow('soon')).toBeNull();
    expect(parseModelRef("ref('orders')")).toEqual({ name: 'orders' });
    expect(parseModelRef('{{ ref("pkg", "orders") }}')).toEqual({ package: 'pkg', name: 'orders' });
    expect(parseModelRef("ref('orders', v=2)")).toEqual({ name: 'orders', version: 2 });
    expect(parseModelRef("ref('orders', version='1.1')")).toEqual({ name: 'orders', version: '1.1' });
    expect(parseModelRef('orders')).toBeNull();
  });

  it('merges the project trees under the entry config (meta merged, tags appended); disabled entries are dropped', () => {
    const yml = `version: 2
semantic_models:
  - name: orders
    model: ref('orders')
    config:
      meta: {owner: ana}
  - name: old
    model: ref('old')
    config:
      enabled: false
metrics:
  - name: revenue
    label: Revenue
    type: simple
    type_params: {measure: total}
    config:
      tags: [finance]
`;
    const { layer, problems } = layerOf(yml, { 'semantic-models': { shop: { '+meta': { team: 'data' } } }, metrics: { shop: { marts: { '+tags': ['kpi'] } } } });
    expect(errors(problems)).toEqual([]);
    expect([...layer.semanticModels.keys()]).toEqual(['semantic_model.shop.orders']);
    expect(layer.semanticModels.get('semantic_model.shop.orders')!.config).toEqual({ enabled: true, group: null, meta: { team: 'data', owner: 'ana' } });
    const revenue = layer.metrics.get('metric.shop.revenue')!;
    expect(revenue.config.tags).toEqual(['kpi', 'finance']);
    expect(revenue.fqn).toEqual(['shop', 'marts', 'revenue']);
    expect(revenue.unrenderedConfig).toEqual({ tags: ['kpi', 'finance'] });
  });

  it('renders doc() in descriptions; a parse without errors never reads a file again for lines', () => {
    const yml = `version: 2
semantic_models:
  - name: orders
    description: Plain text
    model: ref('orders')
metrics:
  - name: revenue
    description: "{{ doc('revenue') }}"
    label: Revenue
    type: simple
    type_params: {measure: total}
`;
    const { layer, problems, reads } = layerOf(yml);
    expect(errors(problems)).toEqual([]);
    expect(layer.metrics.get('metric.shop.revenue')!.description).toBe('<revenue at line 7>');
    expect(reads).toEqual([FILE]); // for the doc() block's line alone
    const plain = layerOf(yml.replace(`"{{ doc('revenue') }}"`, 'Money'));
    expect(plain.layer.semanticModels.get('semantic_model.shop.orders')!.description).toBe('Plain text');
    expect(plain.reads).toEqual([]);
  });

  it('reports shape errors and duplicates at their lines', () => {
    const yml = `version: 2
semantic_models:
  - name: orders
    description: no model
  - name: items
    model: items
  - name: lines
    model: ref('lines')
    entities:
      - name: line
        type: main
    dimensions:
      - name: at
        type: time
      - name: at
        type: time
metrics:
  - name: revenue
    label: Revenue
    type: simple
    type_params: {measure: total}
  - name: revenue
    label: Revenue again
    type: simple
    type_params: {measure: total}
  - name: margin
    label: Margin
    type: ratio
    type_params: {numerator: revenue}
  - name: odd
    label: Odd
    type: weird
`;
    const { problems } = layerOf(yml);
    expect(errors(problems)).toEqual([
      "KLN103 6 `model` of the semantic model 'items' must be ref('<model name>'), got \"items\"",
      "KLN103 3 The semantic model 'orders' has no `model`",
      "KLN103 11 Entity 'line' of the semantic model 'lines' needs a `type`: one of primary, unique, foreign, natural",
      "KLN802 15 The semantic model 'lines' has two dimensions named 'at'",
      "KLN802 22 Two metrics are named 'revenue'",
      "KLN103 29 The ratio metric 'margin' needs `type_params.denominator`",
      "KLN103 32 Metric 'odd' needs a `type`: one of simple, ratio, cumulative, derived, conversion",
    ].sort((a, b) => Number(a.split(' ')[1]) - Number(b.split(' ')[1])));
  });

  it('a measure made a metric clashes with a written metric of its name', () => {
    const yml = `version: 2
semantic_models:
  - name: orders
    model: ref('orders')
    measures:
      - name: revenue
        agg: sum
        create_metric: true
metrics:
  - name: revenue
    label: Revenue
    type: simple
    type_params: {measure: revenue}
`;
    const { problems } = layerOf(yml);
    expect(errors(problems)).toEqual(["KLN802 6 Two metrics are named 'revenue'"]);
  });

  it('resolving: unknown models and measures, and derived metrics that use themselves', () => {
    const yml = `version: 2
semantic_models:
  - name: orders
    model: ref('orders')
    defaults: {agg_time_dimension: at}
    dimensions:
      - name: at
        type: time
    measures:
      - name: total
        agg: sum
metrics:
  - name: a
    label: A
    type: derived
    type_params:
      expr: b + 1
      metrics: [b]
  - name: b
    label: B
    type: derived
    type_params:
      expr: a * 2
      metrics: [{name: a}]
  - name: c
    label: C
    type: simple
    type_params: {measure: totl}
`;
    const { layer, problems } = resolved(yml);
    expect(errors(problems)).toEqual([
      "KLN801 4 Semantic model 'orders' is built on ref('orders'), which was not found",
      "KLN801 28 Metric 'c' aggregates the measure 'totl', which no semantic model has",
      'KLN303 13 The metrics form a cycle: a → b → a',
    ]);
    expect(layer.metrics.get('metric.shop.a')!.dependsOn.nodes).toEqual(['metric.shop.b']);
    expect(layer.metrics.get('metric.shop.c')!.dependsOn.nodes).toEqual([]);
  });
});
