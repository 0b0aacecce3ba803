// The semantic layer end to end on DuckDB: manifest.json's semantic_models, metrics and
// saved_queries (and their place in parent_map/child_map), target/semantic_manifest.json,
// selection and `kiln ls`, and the errors for unknown and duplicate names. The expected shapes
// are what `dbt parse` (dbt-core 1.11) writes for the same files (created_at aside).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';
import { FILES, SEMANTIC_YML } from './fixture.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function readJson(dir: string, file: string): Json {
  return JSON.parse(fs.readFileSync(path.join(dir, 'target', file), 'utf8')) as Json;
}

async function parsed(files: Record<string, string> = FILES): Promise<{ dir: string; manifest: Json; semantic: Json }> {
  const dir = testdir(files);
  const r = await kiln(['parse'], dir);
  expect(r.code, r.output).toBe(0);
  if (files === FILES) expect(r.output).toMatch(/Found 3 models, 6 metrics, (\d+ macros?, )?2 semantic models, 1 saved query/);
  return { dir, manifest: readJson(dir, 'manifest.json'), semantic: readJson(dir, 'semantic_manifest.json') };
}

/** Another semantic model and metrics (dbt parse gave the same entries for it). */
const EXTRA_YML = `version: 2
semantic_models:
  - name: visits
    model: ref('customers')
    primary_entity: visit
    label: Visits
    defaults:
      agg_time_dimension: visited_at
    entities:
      - name: person
        type: foreign
        expr: customer_id
        role: visitor
        label: Visitor
    dimensions:
      - name: visited_at
        type: time
        expr: current_date
        is_partition: true
        type_params:
          time_granularity: day
    measures:
      - name: visit_p90
        agg: percentile
        expr: customer_id
        agg_params:
          percentile: 0.9
          use_discrete_percentile: true
      - name: visits
        agg: count
        expr: "1"
        non_additive_dimension:
          name: visited_at
          window_choice: max
          window_groupings: [person]
      - name: buys
        agg: sum
        expr: 1
        agg_time_dimension: visited_at
metrics:
  - name: visit_to_buy
    label: Visit to buy
    type: conversion
    type_params:
      conversion_type_params:
        base_measure: visits
        conversion_measure:
          name: buys
          fill_nulls_with: 0
        entity: person
        window: 7 days
        constant_properties:
          - base_property: person
            conversion_property: person
  - name: p90
    label: P90
    type: simple
    time_granularity: month
    type_params:
      measure: visit_p90
    config:
      meta: {owner: me}
`;

const measureInput = (name: string, fill: number | null = null) => ({ name, filter: null, alias: null, join_to_timespine: false, fill_nulls_with: fill });

describe('semantic layer', () => {
  it('writes semantic models as dbt does: ids, fqn, config from the project tree, depends_on, node_relation, elements', async () => {
    const { manifest } = await parsed();
    const meta = { meta: { team: 'data' } };
    expect(manifest.semantic_models['semantic_model.shop.orders']).toEqual({
      name: 'orders',
      resource_type: 'semantic_model',
      package_name: 'shop',
      path: 'marts/semantic.yml',
      original_file_path: 'models/marts/semantic.yml',
      unique_id: 'semantic_model.shop.orders',
      fqn: ['shop', 'marts', 'orders'],
      model: "ref('orders')",
      node_relation: { alias: 'orders', schema_name: 'main', database: 'dev', relation_name: '"dev"."main"."orders"' },
      description: 'Order facts',
      label: null,
      defaults: { agg_time_dimension: 'ordered_at' },
      entities: [
        { name: 'order', type: 'primary', description: null, label: null, role: null, expr: 'order_id', config: meta },
        { name: 'customer', type: 'foreign', description: null, label: null, role: null, expr: 'customer_id', config: meta },
      ],
      measures: [
        { name: 'order_total', agg: 'sum', description: 'Sum of amounts', label: null, create_metric: false, expr: 'amount', agg_params: null, non_additive_dimension: null, agg_time_dimension: null, config: meta },
        { name: 'order_count', agg: 'count', description: null, label: null, create_metric: false, expr: '1', agg_params: null, non_additive_dimension: null, agg_time_dimension: null, config: meta },
        { name: 'customers_with_orders', agg: 'count_distinct', description: null, label: null, create_metric: false, expr: 'customer_id', agg_params: null, non_additive_dimension: null, agg_time_dimension: null, config: meta },
      ],
      dimensions: [
        { name: 'ordered_at', type: 'time', description: null, label: null, is_partition: false, type_params: { time_granularity: 'day', validity_params: null }, expr: null, metadata: null, config: meta },
        { name: 'is_big', type: 'categorical', description: null, label: null, is_partition: false, type_params: null, expr: 'amount > 3', metadata: null, config: meta },
      ],
      metadata: null,
      depends_on: { macros: [], nodes: ['model.shop.orders'] },
      refs: [{ name: 'orders', package: null, version: null }],
      config: { enabled: true, group: null, meta: { team: 'data' } },
      unrendered_config: {},
      primary_entity: null,
      group: null,
    });
    // The relation follows the model's own alias and schema configs.
    const customers = manifest.semantic_models['semantic_model.shop.customers'];
    expect(customers.node_relation).toEqual({ alias: 'dim_customers', schema_name: 'main_core', database: 'dev', relation_name: '"dev"."main_core"."dim_customers"' });
    expect(customers.config).toEqual({ enabled: true, group: null, meta: { team: 'data' }, tags: ['people'] });
    expect(customers.unrendered_config).toEqual({ tags: ['people'] });
    expect(customers.description).toBeNull();
  });

  it('writes metrics (simple, ratio, derived, cumulative, made by create_metric) and saved queries as dbt does', async () => {
    const { manifest } = await parsed();
    const metrics = manifest.metrics as Json;
    expect(Object.keys(metrics).sort()).toEqual(['metric.shop.cum_revenue', 'metric.shop.customers_with_orders', 'metric.shop.orders_count', 'metric.shop.revenue', 'metric.shop.revenue_per_order', 'metric.shop.revenue_plus']);
    const emptyParams = { measure: null, input_measures: [], numerator: null, denominator: null, expr: null, window: null, grain_to_date: null, metrics: [], conversion_type_params: null, cumulative_type_params: null, metric_aggregation_params: null };
    expect(metrics['metric.shop.revenue']).toEqual({
      name: 'revenue',
      resource_type: 'metric',
      package_name: 'shop',
      path: 'marts/semantic.yml',
      original_file_path: 'models/marts/semantic.yml',
      unique_id: 'metric.shop.revenue',
      fqn: ['shop', 'marts', 'revenue'],
      description: 'Total revenue',
      label: 'Revenue',
      type: 'simple',
      type_params: { ...emptyParams, measure: measureInput('order_total'), input_measures: [measureInput('order_total')] },
      filter: null,
      metadata: null,
      time_granularity: null,
      meta: {},
      tags: [],
      config: { enabled: true, group: null, meta: {}, tags: ['kpi'] },
      unrendered_config: { tags: ['kpi'] },
      sources: [],
      depends_on: { macros: [], nodes: ['semantic_model.shop.orders'] },
      refs: [],
      metrics: [],
      group: null,
    });
    expect(metrics['metric.shop.orders_count'].filter).toEqual({ where_filters: [{ where_sql_template: "{{ Dimension('order__is_big') }}" }] });
    expect(metrics['metric.shop.orders_count'].type_params.measure).toEqual(measureInput('order_count', 0));
    const metricInput = (name: string, extra: Json = {}) => ({ name, filter: null, alias: null, offset_window: null, offset_to_grain: null, ...extra });
    expect(metrics['metric.shop.revenue_per_order'].type_params).toEqual({
      ...emptyParams,
      numerator: metricInput('revenue'),
      denominator: metricInput('orders_count'),
      input_measures: [measureInput('order_total'), measureInput('order_count', 0)],
    });
    expect(metrics['metric.shop.revenue_per_order'].depends_on.nodes).toEqual(['metric.shop.revenue', 'metric.shop.orders_count']);
    expect(metrics['metric.shop.revenue_plus'].type_params.metrics).toEqual([metricInput('revenue'), metricInput('orders_count', { alias: 'prev', offset_window: { count: 1, granularity: 'month' } })]);
    expect(metrics['metric.shop.cum_revenue'].type_params.cumulative_type_params).toEqual({ window: { count: 7, granularity: 'day' }, grain_to_date: null, period_agg: 'first', metric: null });
    const created = metrics['metric.shop.customers_with_orders'];
    expect([created.description, created.label, created.type, created.type_params.expr, created.meta, created.depends_on.nodes]).toEqual([
      'Metric created from measure customers_with_orders', 'customers_with_orders', 'simple', 'customer_id', { team: 'data' }, ['semantic_model.shop.orders'],
    ]);

    const sq = manifest.saved_queries['saved_query.shop.revenue_by_day'];
    expect(sq).toEqual({
      name: 'revenue_by_day',
      resource_type: 'saved_query',
      package_name: 'shop',
      path: 'marts/semantic.yml',
      original_file_path: 'models/marts/semantic.yml',
      unique_id: 'saved_query.shop.revenue_by_day',
      fqn: ['shop', 'marts', 'revenue_by_day'],
      query_params: {
        metrics: ['revenue', 'orders_count'],
        group_by: ["TimeDimension('order__ordered_at', 'day')"],
        where: { where_filters: [{ where_sql_template: "{{ Dimension('order__is_big') }}" }] },
        order_by: [],
        limit: null,
      },
      exports: [{ name: 'revenue_daily', config: { export_as: 'table', schema_name: 'main', alias: 'revenue_daily', database: 'dev' }, unrendered_config: { export_as: 'table' } }],
      description: 'Daily revenue',
      label: null,
      metadata: null,
      config: { enabled: true, group: null, meta: {}, export_as: null, schema: null, cache: { enabled: false } },
      unrendered_config: {},
      group: null,
      depends_on: { macros: [], nodes: ['metric.shop.revenue', 'metric.shop.orders_count'] },
      refs: [],
      tags: [],
    });
  });

  it('conversion metrics, percentile and non-additive measures, roles, labels and primary entities as dbt writes them', async () => {
    const { manifest, semantic } = await parsed({ ...FILES, 'models/marts/extra.yml': EXTRA_YML });
    const visits = manifest.semantic_models['semantic_model.shop.visits'];
    expect([visits.label, visits.primary_entity, visits.entities[0].role, visits.entities[0].label, visits.dimensions[0].is_partition, visits.dimensions[0].expr]).toEqual(['Visits', 'visit', 'visitor', 'Visitor', true, 'current_date']);
    expect(visits.measures.map((m: Json) => [m.agg_params, m.non_additive_dimension, m.agg_time_dimension, m.expr])).toEqual([
      [{ percentile: 0.9, use_discrete_percentile: true, use_approximate_percentile: false }, null, null, 'customer_id'],
      [null, { name: 'visited_at', window_choice: 'max', window_groupings: ['person'] }, null, '1'],
      [null, null, 'visited_at', '1'],
    ]);
    const conversion = manifest.metrics['metric.shop.visit_to_buy'];
    expect(conversion.type_params.conversion_type_params).toEqual({
      base_measure: measureInput('visits'),
      conversion_measure: measureInput('buys', 0),
      entity: 'person',
      calculation: 'conversion_rate',
      window: { count: 7, granularity: 'day' },
      constant_properties: [{ base_property: 'person', conversion_property: 'person' }],
    });
    expect(conversion.type_params.input_measures).toEqual([measureInput('visits'), measureInput('buys', 0)]);
    expect(conversion.depends_on.nodes).toEqual(['semantic_model.shop.visits']);
    const p90 = manifest.metrics['metric.shop.p90'];
    expect([p90.time_granularity, p90.meta, p90.config]).toEqual(['month', { owner: 'me' }, { enabled: true, group: null, meta: { owner: 'me' }, tags: ['kpi'] }]);
    // The semantic manifest's cumulative params have no `metric`.
    expect(semantic.metrics.find((m: Json) => m.name === 'cum_revenue').type_params.cumulative_type_params).toEqual({ window: { count: 7, granularity: 'day' }, grain_to_date: null, period_agg: 'first' });
  });

  it('puts them into parent_map and child_map the way dbt does', async () => {
    const { manifest } = await parsed();
    const { parent_map: parents, child_map: children } = manifest;
    expect(parents['semantic_model.shop.orders']).toEqual(['model.shop.orders']);
    expect(parents['metric.shop.revenue']).toEqual(['semantic_model.shop.orders']);
    expect(parents['metric.shop.revenue_per_order']).toEqual(['metric.shop.orders_count', 'metric.shop.revenue']);
    expect(parents['saved_query.shop.revenue_by_day']).toEqual(['metric.shop.orders_count', 'metric.shop.revenue']);
    expect(children['model.shop.orders']).toEqual(['semantic_model.shop.orders']);
    expect(children['model.shop.customers']).toEqual(['semantic_model.shop.customers']);
    expect(children['semantic_model.shop.orders']).toEqual(['metric.shop.cum_revenue', 'metric.shop.customers_with_orders', 'metric.shop.orders_count', 'metric.shop.revenue']);
    expect(children['metric.shop.revenue']).toEqual(['metric.shop.revenue_per_order', 'metric.shop.revenue_plus', 'saved_query.shop.revenue_by_day']);
    expect(children['saved_query.shop.revenue_by_day']).toEqual([]);
    expect(children['semantic_model.shop.customers']).toEqual([]);
  });

  it('writes target/semantic_manifest.json in dbt shape, with the time spine', async () => {
    const { semantic } = await parsed();
    expect(Object.keys(semantic)).toEqual(['semantic_models', 'metrics', 'project_configuration', 'saved_queries']);
    expect(semantic.project_configuration).toEqual({
      time_spine_table_configurations: [],
      metadata: null,
      dsi_package_version: { major_version: '0', minor_version: '9', patch_version: '0' },
      time_spines: [{ node_relation: { alias: 'metricflow_time_spine', schema_name: 'main', database: 'dev', relation_name: '"dev"."main"."metricflow_time_spine"' }, primary_column: { name: 'date_day', time_granularity: 'day' }, custom_granularities: [] }],
    });
    const orders = semantic.semantic_models.find((s: Json) => s.name === 'orders');
    expect(orders.config).toEqual({ meta: { team: 'data' } });
    expect(orders.measures[0]).toEqual({ name: 'order_total', agg: 'sum', description: 'Sum of amounts', create_metric: false, expr: 'amount', agg_params: null, metadata: null, non_additive_dimension: null, agg_time_dimension: null, label: null, config: { meta: { team: 'data' } } });
    const revenue = semantic.metrics.find((m: Json) => m.name === 'revenue');
    expect(revenue).toEqual({
      name: 'revenue', description: 'Total revenue', type: 'simple',
      type_params: { measure: measureInput('order_total'), numerator: null, denominator: null, expr: null, window: null, grain_to_date: null, metrics: [], conversion_type_params: null, cumulative_type_params: null, input_measures: [measureInput('order_total')] },
      filter: null, metadata: null, label: 'Revenue', config: { meta: {} }, time_granularity: null,
    });
    expect(semantic.saved_queries).toEqual([{
      name: 'revenue_by_day',
      query_params: { metrics: ['revenue', 'orders_count'], group_by: ["TimeDimension('order__ordered_at', 'day')"], order_by: [], limit: null, where: { where_filters: [{ where_sql_template: "{{ Dimension('order__is_big') }}" }] } },
      description: 'Daily revenue', metadata: null, label: null,
      exports: [{ name: 'revenue_daily', config: { export_as: 'table', schema_name: 'main', alias: 'revenue_daily' } }],
      tags: [],
    }]);
  });

  it('without configured time spines, a model named metricflow_time_spine is the legacy one; a project without a semantic layer gets empty sections', async () => {
    const legacy = await parsed({ ...FILES, 'models/marts/semantic.yml': SEMANTIC_YML.replace(/^models:[\s\S]*?(?=^semantic_models:)/m, '') });
    expect(legacy.semantic.project_configuration.time_spines).toEqual([]);
    expect(legacy.semantic.project_configuration.time_spine_table_configurations).toEqual([{ location: '"dev"."main"."metricflow_time_spine"', column_name: 'date_day', grain: 'day' }]);

    // No time spine at all: a warning (dbt's parse fails), pointing at the first metric.
    const yml = SEMANTIC_YML.replace(/^models:[\s\S]*?(?=^semantic_models:)/m, '');
    const dir = testdir({ ...FILES, 'models/marts/semantic.yml': yml, 'models/metricflow_time_spine.sql': '' });
    const r = await kiln(['parse'], dir);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain('warning[KLN803] The semantic layer has metrics but no time spine of day grain or finer');
    expect(r.output).toContain(`models/marts/semantic.yml:${yml.split('\n').indexOf('  - name: revenue') + 1}`);
    expect(legacy.dir).toBeDefined();

    const plain = await parsed({ 'dbt_project.yml': FILES['dbt_project.yml']!, 'profiles.yml': FILES['profiles.yml']!, 'models/a.sql': 'select 1 as id\n' });
    expect([plain.manifest.semantic_models, plain.manifest.metrics, plain.manifest.saved_queries]).toEqual([{}, {}, {}]);
    expect(plain.manifest.child_map).toEqual({ 'model.shop.a': [] });
    expect(plain.semantic.semantic_models).toEqual([]);
  });

  it("renders Jinja in values as dbt does (var(), env_var()), but not MetricFlow's filter/where templates", async () => {
    const yml = SEMANTIC_YML.replace('  - name: revenue\n    label: Revenue\n', "  - name: revenue\n    label: \"{{ var('revenue_label', 'Rev') }}\"\n")
      .replace('        agg: sum\n        expr: amount\n', "        agg: sum\n        expr: \"{{ var('amount_column', 'amount') }}\"\n");
    const dir = testdir({ ...FILES, 'models/marts/semantic.yml': yml });
    const r = await kiln(['parse', '--vars', '{revenue_label: Sales}'], dir);
    expect(r.code, r.output).toBe(0);
    const m = readJson(dir, 'manifest.json');
    expect(m.metrics['metric.shop.revenue'].label).toBe('Sales');
    expect(m.semantic_models['semantic_model.shop.orders'].measures[0].expr).toBe('amount');
    expect(m.metrics['metric.shop.orders_count'].filter).toEqual({ where_filters: [{ where_sql_template: "{{ Dimension('order__is_big') }}" }] });
    expect(m.saved_queries['saved_query.shop.revenue_by_day'].query_params.where).toEqual({ where_filters: [{ where_sql_template: "{{ Dimension('order__is_big') }}" }] });
  });

  it('disabled entries (config or project tree) are left out', async () => {
    const yml = SEMANTIC_YML.replace('  - name: customers\n    model:', '  - name: customers\n    config:\n      enabled: false\n    model:').replace('    config:\n      tags: [people]\n', '');
    const { manifest } = await parsed({ ...FILES, 'models/marts/semantic.yml': yml, 'dbt_project.yml': FILES['dbt_project.yml']!.replace('+enabled: true', '+enabled: false') });
    expect(Object.keys(manifest.semantic_models)).toEqual(['semantic_model.shop.orders']);
    expect(manifest.saved_queries).toEqual({});
    expect(manifest.child_map['model.shop.customers']).toEqual([]);
  });

  it('selects them: kiln ls by resource type, metric:/semantic_model:/saved_query:, graph operators, tags', async () => {
    const { dir } = await parsed();
    const ls = async (...args: string[]) => {
      const r = await kiln(['ls', ...args], dir);
      expect(r.code, r.output).toBe(0);
      return r.stdout.trim().split('\n');
    };
    expect(await ls()).toEqual([
      'metric:shop.cum_revenue', 'metric:shop.customers_with_orders', 'metric:shop.orders_count', 'metric:shop.revenue', 'metric:shop.revenue_per_order', 'metric:shop.revenue_plus',
      'shop.marts.customers', 'shop.metricflow_time_spine', 'shop.marts.orders',
      'saved_query:shop.revenue_by_day', 'semantic_model:shop.customers', 'semantic_model:shop.orders',
    ]);
    // The default selection (made without evaluating) is what evaluating `fqn:*` gives.
    expect(await ls('-s', 'fqn:*')).toEqual(await ls());
    expect(await ls('--resource-type', 'semantic_model')).toEqual(['semantic_model:shop.customers', 'semantic_model:shop.orders']);
    expect(await ls('-s', '+metric:revenue_per_order')).toEqual(['metric:shop.orders_count', 'metric:shop.revenue', 'metric:shop.revenue_per_order', 'shop.marts.orders', 'semantic_model:shop.orders']);
    expect(await ls('-s', 'semantic_model:customers+', '--output', 'name')).toEqual(['customers']);
    expect(await ls('-s', 'saved_query:shop.revenue_by_day', '--output', 'path')).toEqual(['models/marts/semantic.yml']);
    expect(await ls('-s', 'tag:people')).toEqual(['semantic_model:shop.customers']);
    const json = await ls('-s', 'metric:revenue', '--output', 'json');
    expect(JSON.parse(json[0]!)).toMatchObject({ name: 'revenue', resource_type: 'metric', unique_id: 'metric.shop.revenue', depends_on: { nodes: ['semantic_model.shop.orders'] } });
  });

  it('state:modified and state:new select changed and added semantic models, metrics and saved queries', async () => {
    const { dir } = await parsed();
    fs.mkdirSync(path.join(dir, 'prod'));
    fs.copyFileSync(path.join(dir, 'target', 'manifest.json'), path.join(dir, 'prod', 'manifest.json'));
    const ls = async (spec: string) => {
      const r = await kiln(['ls', '-s', spec, '--state', 'prod'], dir);
      expect(r.code, r.output).toBe(0);
      return r.stdout.trim().split('\n').filter(Boolean);
    };
    expect(await ls('state:modified')).toEqual([]);
    const yml = path.join(dir, 'models/marts/semantic.yml');
    fs.writeFileSync(yml, fs.readFileSync(yml, 'utf8').replace('label: Revenue\n', 'label: Sales\n').replace('        expr: amount > 3', '        expr: amount > 4').replace('    description: Daily revenue\n', '    description: Revenue by day\n'));
    fs.writeFileSync(yml, fs.readFileSync(yml, 'utf8').replace('  - name: cum_revenue\n', '  - name: big\n    label: Big\n    type: simple\n    type_params: {measure: order_count}\n  - name: cum_revenue\n'));
    expect(await ls('state:modified')).toEqual(['metric:shop.big', 'metric:shop.revenue', 'saved_query:shop.revenue_by_day', 'semantic_model:shop.orders']);
    expect(await ls('state:new')).toEqual(['metric:shop.big']);
  });

  it("templates see them in `graph` (graph.metrics, graph.semantic_models, graph.saved_queries)", async () => {
    const model = `{%- set ns = namespace(n=0) -%}
{%- for id, m in graph.metrics.items() if m.type == 'simple' %}{% set ns.n = ns.n + 1 %}{% endfor -%}
select {{ ns.n }} as simple_metrics, '{{ graph.semantic_models["semantic_model.shop.customers"].node_relation.alias }}' as rel, '{{ graph.saved_queries["saved_query.shop.revenue_by_day"].query_params.metrics | join(",") }}' as asked
`;
    const dir = testdir({ ...FILES, 'models/graph_reader.sql': model });
    const r = await kiln(['compile', '-s', 'graph_reader', '--no-format'], dir);
    expect(r.code, r.output).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'target/compiled/shop/models/graph_reader.sql'), 'utf8')).toContain("select 3 as simple_metrics, 'dim_customers' as rel, 'revenue,orders_count' as asked");
  });

  it("an installed package's semantic layer: its ids and models, its measures and metrics usable by the project", async () => {
    const dir = testdir({
      'shop/dbt_project.yml': 'name: shop\nprofile: shop\n',
      'shop/profiles.yml': FILES['profiles.yml']!,
      'shop/packages.yml': 'packages:\n  - local: ../sales\n',
      'shop/models/kpis.yml': 'version: 2\nmetrics:\n  - name: big_sales\n    label: Big sales\n    type: simple\n    type_params: {measure: amount_total}\n    filter: "{{ Dimension(\'sale__amount\') }} > 3"\nsaved_queries:\n  - name: weekly\n    query_params:\n      metrics: [sales, big_sales]\n',
      'sales/dbt_project.yml': 'name: sales\nprofile: shop\n',
      'sales/models/base_sales.sql': 'select 1 as id, 5.0 as amount, current_date as sold_at\n',
      'sales/models/sales.yml': `version: 2
semantic_models:
  - name: sales
    model: ref('base_sales')
    defaults: {agg_time_dimension: sold_at}
    entities: [{name: sale, type: primary, expr: id}]
    dimensions: [{name: sold_at, type: time, type_params: {time_granularity: day}}, {name: amount, type: categorical}]
    measures: [{name: amount_total, agg: sum, expr: amount}]
metrics:
  - name: sales
    label: Sales
    type: simple
    type_params: {measure: amount_total}
`,
    });
    const shop = path.join(dir, 'shop');
    expect((await kiln(['deps'], shop)).code).toBe(0);
    const r = await kiln(['parse'], shop);
    expect(r.code, r.output).toBe(0);
    const m = readJson(shop, 'manifest.json');
    expect(m.semantic_models['semantic_model.sales.sales']).toMatchObject({ package_name: 'sales', fqn: ['sales', 'sales'], depends_on: { nodes: ['model.sales.base_sales'] }, node_relation: { alias: 'base_sales' } });
    expect(m.metrics['metric.shop.big_sales'].depends_on.nodes).toEqual(['semantic_model.sales.sales']);
    expect(m.saved_queries['saved_query.shop.weekly'].depends_on.nodes).toEqual(['metric.sales.sales', 'metric.shop.big_sales']);
    expect(m.child_map['model.sales.base_sales']).toEqual(['semantic_model.sales.sales']);
  });

  it('builds the models alone: a selection reaching metrics runs nothing more', async () => {
    const dir = testdir(FILES);
    const r = await kiln(['build', '-s', 'orders+'], dir);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain('TOTAL=1');
  });

  it('reports unknown models, measures and metrics and duplicate names, each with its line and a suggestion', async () => {
    const yml = SEMANTIC_YML.replace("model: ref('customers')", "model: ref('customer')")
      .replace('      measure: order_total\n  - name: orders_count', '      measure: order_totl\n  - name: orders_count')
      .replace('      denominator: orders_count', '      denominator: order_count')
      .replace('  - name: cum_revenue', '  - name: revenue\n    label: Again\n    type: simple\n    type_params:\n      measure: order_total\n  - name: cum_revenue');
    const dir = testdir({ ...FILES, 'models/marts/semantic.yml': yml });
    const r = await kiln(['parse', '--log-format', 'json'], dir);
    expect(r.code).toBe(2);
    const lines = yml.split('\n');
    const lineOf = (text: string, from = 0) => lines.findIndex((l, i) => i >= from && l.includes(text)) + 1;
    const errors = r.output.split('\n').filter((l) => l.includes('"KLN80')).map((l) => JSON.parse(l) as Json).map((e) => (e.error ?? e) as Json);
    const brief = errors.map((e) => [e.code, e.message, `${e.file}:${e.line}`, e.hint]).sort((a, b) => (String(a[1]) < String(b[1]) ? -1 : 1));
    expect(brief).toEqual([
      ['KLN801', "Metric 'revenue' aggregates the measure 'order_totl', which no semantic model has", `models/marts/semantic.yml:${lineOf('measure: order_totl')}`, "Did you mean 'order_total'?"],
      ['KLN801', "Metric 'revenue_per_order' uses the metric 'order_count', which does not exist", `models/marts/semantic.yml:${lineOf('denominator: order_count')}`, "Did you mean 'orders_count'?"],
      ['KLN801', "Semantic model 'customers' is built on ref('customer'), which was not found", `models/marts/semantic.yml:${lineOf("ref('customer')")}`, "Did you mean ref('customers')?"],
      ['KLN802', "Two metrics are named 'revenue'", `models/marts/semantic.yml:${lineOf('- name: revenue', lineOf('label: Again') - 3)}`, expect.stringContaining('Rename one of them')],
    ]);
  });

  it('reports a measure with no aggregation time dimension, a measure name used twice and shape errors', async () => {
    const yml = SEMANTIC_YML.replace('    defaults:\n      agg_time_dimension: ordered_at\n', '')
      .replace("      - name: name\n        type: categorical\n", "      - name: name\n        type: categorical\n    measures:\n      - name: order_total\n        agg: sum\n        agg_time_dimension: name\n")
      .replace('    label: Cumulative revenue\n', '');
    const dir = testdir({ ...FILES, 'models/marts/semantic.yml': yml });
    const r = await kiln(['parse'], dir);
    expect(r.code).toBe(2);
    expect(r.output).toContain("error[KLN801] Measure 'order_total' of semantic model 'orders' has no aggregation time dimension");
    expect(r.output).toContain("error[KLN802] Two semantic models have a measure named 'order_total': 'orders' and 'customers'");
    expect(r.output).toContain("error[KLN801] The aggregation time dimension 'name' of measure 'order_total' is no time dimension of semantic model 'customers'");
    expect(r.output).toContain("error[KLN103] Metric 'cum_revenue' has no `label`");
  });
});
