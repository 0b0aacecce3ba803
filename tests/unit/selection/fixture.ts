// A small shop-like project as an in-memory manifest for the selector table:
//
//   source shop.orders ─▶ stg_orders ──┐
//   source shop.customers ─▶ stg_customers ─┬─────────────▶ customers ─┬─▶ customer_clicks ─▶ (exposure clicks_app)
//   seed raw_payments ─▶ stg_payments ─┐│  └─▶ orders ─┬─▶ revenue ─┐  │
//                          int_orders (ephemeral) ◀──┘ stg_orders   └────────┴─▶ weekly ─▶ (exposure weekly_dashboard)
//   source events.clicks ─▶ stg_clicks ─────────────────────────────▶ customer_clicks
//   isolated (no parents)
//
// Tests: generic not_null/unique/relationships/accepted_values, a source test, two singular
// tests (one with two parents) and a unit test on orders.
import type { Exposure, Manifest, ParsedNode, SourceTable } from '../../../core/nodes.js';
import { manifestOf, node, source } from '../graph/manifest-fixture.js';

const P = 'shop';

function model(name: string, dir: string, deps: string[], extra: { tags?: string[]; materialized?: string; config?: Record<string, unknown>; patchPath?: string } = {}): ParsedNode {
  const file = `models/${dir ? `${dir}/` : ''}${name}.sql`;
  const n = node(name, [], {
    uniqueId: `model.${P}.${name}`,
    packageName: P,
    path: `${dir ? `${dir}/` : ''}${name}.sql`,
    originalFilePath: file,
    fqn: [P, ...(dir ? dir.split('/') : []), name],
    patchPath: extra.patchPath ?? null,
    loc: { file },
  });
  n.dependsOn.nodes = deps;
  n.config = { ...n.config, materialized: extra.materialized ?? 'view', tags: extra.tags ?? [], ...extra.config };
  return n;
}

function seed(name: string): ParsedNode {
  const file = `seeds/${name}.csv`;
  return node(name, [], {
    uniqueId: `seed.${P}.${name}`,
    resourceType: 'seed',
    packageName: P,
    path: `${name}.csv`,
    originalFilePath: file,
    fqn: [P, name],
    config: { enabled: true, materialized: 'seed', tags: ['raw'], meta: {} },
    loc: { file },
  });
}

function genericTest(name: string, testName: string, parents: string[], file: string, extra: Partial<ParsedNode> = {}): ParsedNode {
  return node(name, [], {
    uniqueId: `test.${P}.${name}.abc123`,
    resourceType: 'test',
    packageName: P,
    path: `${name}.sql`,
    originalFilePath: file,
    fqn: [P, ...file.split('/').slice(1, -1), name],
    config: { enabled: true, materialized: 'test', tags: [], meta: {}, severity: 'ERROR' },
    dependsOn: { nodes: parents, macros: [] },
    testMetadata: { name: testName, namespace: null, kwargs: {} },
    attachedNode: parents[0]!.startsWith('source.') ? null : parents[0]!,
    loc: { file },
    ...extra,
  });
}

function singularTest(name: string, parents: string[], tags: string[] = []): ParsedNode {
  const file = `tests/${name}.sql`;
  return node(name, [], {
    uniqueId: `test.${P}.${name}`,
    resourceType: 'test',
    packageName: P,
    path: `${name}.sql`,
    originalFilePath: file,
    fqn: [P, name],
    config: { enabled: true, materialized: 'test', tags, meta: {}, severity: 'ERROR' },
    dependsOn: { nodes: parents, macros: [] },
    loc: { file },
  });
}

function src(sourceName: string, table: string, file: string, tags: string[] = []): SourceTable {
  const s = source(sourceName, table);
  return { ...s, uniqueId: `source.${P}.${sourceName}.${table}`, packageName: P, originalFilePath: file, path: file, fqn: [P, ...file.split('/').slice(1, -1), sourceName, table], tags, loc: { file } };
}

function exposure(name: string, deps: string[], tags: string[] = []): Exposure {
  const file = 'models/exposures.yml';
  return {
    uniqueId: `exposure.${P}.${name}`, resourceType: 'exposure', packageName: P, name, label: null, type: 'dashboard', owner: { name: 'bi', email: null },
    description: '', url: null, maturity: 'high', tags, meta: {}, config: { enabled: true, tags, meta: {} }, refs: [], sources: [],
    dependsOn: { nodes: deps, macros: [] }, originalFilePath: file, path: file, fqn: [P, name], loc: { file },
  };
}

const m = (n: string) => `model.${P}.${n}`;

export function shopManifest(): Manifest {
  const nodes: ParsedNode[] = [
    seed('raw_payments'),
    model('stg_orders', 'staging', [`source.${P}.shop.orders`], { tags: ['staging'], patchPath: 'models/staging/_staging.yml' }),
    model('stg_customers', 'staging', [`source.${P}.shop.customers`], { tags: ['staging', 'pii'], patchPath: 'models/staging/_staging.yml' }),
    model('stg_payments', 'staging', [`seed.${P}.raw_payments`], { tags: ['staging'] }),
    model('stg_clicks', 'staging/events', [`source.${P}.events.clicks`], { tags: ['staging', 'events'] }),
    model('int_orders', 'intermediate', [m('stg_orders'), m('stg_payments')], { materialized: 'ephemeral' }),
    model('orders', 'marts/finance', [m('int_orders'), m('stg_customers')], { materialized: 'table', tags: ['finance', 'nightly'], patchPath: 'models/marts/finance/_finance.yml', config: { meta: { owner: 'finance' }, group: 'finance', access: 'public' } }),
    model('revenue', 'marts/finance', [m('orders')], { materialized: 'incremental', tags: ['finance'], config: { unique_key: ['day', 'region'], group: 'finance' } }),
    model('customers', 'marts/core', [m('stg_customers'), m('orders')], { materialized: 'table', tags: ['core'], patchPath: 'models/marts/core/_core.yml', config: { meta: { owner: 'core' }, contract: { enforced: true } } }),
    model('customer_clicks', 'marts/core', [m('customers'), m('stg_clicks')], { tags: ['core', 'events'] }),
    model('weekly', 'reports', [m('revenue'), m('customers')], { tags: ['nightly'], config: { full_refresh: false } }),
    model('isolated', '', [], { tags: ['adhoc'] }),
    genericTest('not_null_stg_orders_order_id', 'not_null', [m('stg_orders')], 'models/staging/_staging.yml', { columnName: 'order_id' }),
    genericTest('unique_orders_order_id', 'unique', [m('orders')], 'models/marts/finance/_finance.yml', { columnName: 'order_id' }),
    genericTest('relationships_orders_customer_id', 'relationships', [m('orders'), m('customers')], 'models/marts/finance/_finance.yml', { columnName: 'customer_id' }),
    genericTest('accepted_values_customers_status', 'accepted_values', [m('customers')], 'models/marts/core/_core.yml', { columnName: 'status' }),
    genericTest('source_not_null_shop_orders_id', 'not_null', [`source.${P}.shop.orders`], 'models/staging/_sources.yml', { columnName: 'id' }),
    singularTest('assert_revenue_positive', [m('revenue')], ['finance']),
    singularTest('assert_orders_match_customers', [m('orders'), m('stg_customers')]),
    node('orders_total_is_sum', [], {
      uniqueId: `unit_test.${P}.orders.orders_total_is_sum`, resourceType: 'unit_test', packageName: P, path: '_finance.yml',
      originalFilePath: 'models/marts/finance/_finance.yml', fqn: [P, 'marts', 'finance', 'orders', 'orders_total_is_sum'],
      dependsOn: { nodes: [m('orders')], macros: [] }, loc: { file: 'models/marts/finance/_finance.yml' },
      unitTest: {
        name: 'orders_total_is_sum', model: 'orders', given: [{ input: "ref('int_orders')", ref: 'int_orders', format: 'dict', rows: [{ id: 1 }] }],
        expect: { format: 'dict', rows: [{ id: 1 }] }, overrides: { vars: {}, macros: {}, envVars: {} }, loc: { file: 'models/marts/finance/_finance.yml' },
      },
    }),
  ];
  const sources = [
    src('shop', 'orders', 'models/staging/_sources.yml', ['raw']),
    src('shop', 'customers', 'models/staging/_sources.yml', ['raw', 'pii']),
    src('events', 'clicks', 'models/staging/events/_events.yml'),
  ];
  const manifest = manifestOf(nodes, sources);
  manifest.projectName = P;
  manifest.exposures = new Map([
    exposure('weekly_dashboard', [m('weekly')], ['bi']),
    exposure('clicks_app', [m('customer_clicks')]),
  ].map((e) => [e.uniqueId, e]));
  return manifest;
}
