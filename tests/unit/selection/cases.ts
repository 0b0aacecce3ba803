// The selector cases of the suite, as data: the table test checks each against its expected
// node set on the fixture DAG, and tests/bench/selection.bench.ts times each on a 10,000-node
// graph. Expected sets follow dbt's rules (checked against `dbt ls` on a project of the same shape).
import type { IndirectSelection } from '../../../core/selection/spec.js';

// Short names: tests by role, sources as source:<src>.<table>, exposures as exposure:<name>.
export const NN = 'not_null_stg_orders_order_id';
export const UQ = 'unique_orders_order_id';
export const REL = 'relationships_orders_customer_id';
export const AV = 'accepted_values_customers_status';
export const SRC_NN = 'source_not_null_shop_orders_id';
export const ARP = 'assert_revenue_positive';
export const AOMC = 'assert_orders_match_customers';
export const UT = 'orders_total_is_sum';
export const S_ORD = 'source:shop.orders';
export const S_CUS = 'source:shop.customers';
export const S_CLK = 'source:events.clicks';
export const E_WD = 'exposure:weekly_dashboard';
export const E_CA = 'exposure:clicks_app';

export const STG = ['stg_orders', 'stg_customers', 'stg_payments', 'stg_clicks'];
export const MODELS = [...STG, 'int_orders', 'orders', 'revenue', 'customers', 'customer_clicks', 'weekly', 'isolated'];
export const DATA_TESTS = [NN, UQ, REL, AV, SRC_NN, ARP, AOMC];
export const GENERIC = [NN, UQ, REL, AV, SRC_NN];
export const SOURCES = [S_ORD, S_CUS, S_CLK];
export const EXPOSURES = [E_WD, E_CA];
export const EVERYTHING = ['raw_payments', ...MODELS, ...DATA_TESTS, UT, ...SOURCES, ...EXPOSURES];
export const ORDERS_TESTS = [UQ, REL, AOMC, UT];
export const UP_OF_ORDERS = ['int_orders', 'stg_orders', 'stg_payments', 'raw_payments', 'stg_customers', S_ORD, S_CUS];

export const without = (all: string[], gone: string[]) => all.filter((x) => !gone.includes(x));

export interface Case {
  readonly select: string[];
  readonly exclude?: string[];
  readonly indirect?: IndirectSelection;
  readonly expected: string[];
}

export const CASES: Case[] = [
  // names and graph operators
  { select: ['stg_orders'], expected: ['stg_orders', NN] },
  { select: ['orders'], expected: ['orders', ...ORDERS_TESTS] },
  { select: ['isolated'], expected: ['isolated'] },
  { select: ['shop.isolated'], expected: ['isolated'] },
  { select: ['fqn:orders'], expected: ['orders', ...ORDERS_TESTS] },
  { select: ['+orders'], expected: ['orders', ...UP_OF_ORDERS, NN, SRC_NN, ...ORDERS_TESTS] },
  { select: ['orders+'], expected: ['orders', 'revenue', 'customers', 'customer_clicks', 'weekly', E_WD, E_CA, ...ORDERS_TESTS, ARP, AV] },
  { select: ['1+orders'], expected: ['orders', 'int_orders', 'stg_customers', ...ORDERS_TESTS] },
  { select: ['orders+1'], expected: ['orders', 'revenue', 'customers', ...ORDERS_TESTS, ARP, AV] },
  { select: ['2+weekly'], expected: ['weekly', 'revenue', 'customers', 'orders', 'stg_customers', ARP, AV, ...ORDERS_TESTS] },
  { select: ['0+orders'], expected: ['orders', ...ORDERS_TESTS] },
  { select: ['1+isolated+1'], expected: ['isolated'] },
  { select: ['2+orders+1'], expected: ['orders', 'int_orders', 'stg_customers', 'stg_orders', 'stg_payments', S_CUS, 'revenue', 'customers', ...ORDERS_TESTS, NN, ARP, AV] },
  { select: ['@stg_clicks'], expected: ['stg_clicks', 'customer_clicks', E_CA, S_CLK, 'customers', ...UP_OF_ORDERS, 'orders', NN, SRC_NN, ...ORDERS_TESTS, AV] },
  { select: ['@exposure:weekly_dashboard'], expected: [E_WD, 'weekly', 'revenue', 'customers', 'orders', ...UP_OF_ORDERS, NN, SRC_NN, ...ORDERS_TESTS, ARP, AV] },
  { select: ['+exposure:weekly_dashboard'], expected: [E_WD, 'weekly', 'revenue', 'customers', 'orders', ...UP_OF_ORDERS, NN, SRC_NN, ...ORDERS_TESTS, ARP, AV] },
  { select: ['+unique_orders_order_id'], expected: [UQ, 'orders', ...UP_OF_ORDERS, NN, SRC_NN, REL, AOMC, UT] },
  { select: ['source:shop.orders+'], expected: [S_ORD, SRC_NN, 'stg_orders', NN, 'int_orders', 'orders', ...ORDERS_TESTS, 'revenue', ARP, 'customers', AV, 'customer_clicks', 'weekly', E_WD, E_CA] },
  { select: ['stg_clicks+'], expected: ['stg_clicks', 'customer_clicks', E_CA] },
  { select: ['+stg_clicks'], expected: ['stg_clicks', S_CLK] },
  // indirect selection modes
  { select: ['orders'], indirect: 'cautious', expected: ['orders', UQ, UT] },
  { select: ['orders'], indirect: 'buildable', expected: ['orders', UQ, UT, AOMC] },
  { select: ['orders'], indirect: 'empty', expected: ['orders'] },
  { select: ['customers'], indirect: 'buildable', expected: ['customers', REL, AV] },
  { select: ['customers'], indirect: 'cautious', expected: ['customers', AV] },
  { select: ['customers'], indirect: 'eager', expected: ['customers', REL, AV] },
  { select: ['orders', 'customers'], indirect: 'cautious', expected: ['orders', 'customers', UQ, UT, AV, REL] },
  { select: ['orders stg_customers'], indirect: 'cautious', expected: ['orders', 'stg_customers', UQ, UT, AOMC] },
  { select: ['+orders'], indirect: 'cautious', expected: ['orders', ...UP_OF_ORDERS, NN, SRC_NN, UQ, UT, AOMC] },
  { select: ['weekly'], indirect: 'empty', expected: ['weekly'] },
  { select: ['tag:staging'], indirect: 'empty', expected: STG },
  { select: ['source:shop.orders'], indirect: 'cautious', expected: [S_ORD, SRC_NN] },
  // tags
  { select: ['tag:staging'], expected: [...STG, NN, AOMC] },
  { select: ['tag:finance'], expected: ['orders', 'revenue', ARP, ...ORDERS_TESTS] },
  { select: ['tag:fin*'], expected: ['orders', 'revenue', ARP, ...ORDERS_TESTS] },
  { select: ['tag:raw'], expected: ['raw_payments', S_ORD, S_CUS, SRC_NN] },
  { select: ['tag:pii'], expected: ['stg_customers', S_CUS, AOMC] },
  { select: ['tag:bi'], expected: [E_WD] },
  { select: ['tag:nightly tag:adhoc'], expected: ['orders', 'weekly', 'isolated', ...ORDERS_TESTS] },
  { select: ['tag:nightly', 'tag:adhoc'], expected: ['orders', 'weekly', 'isolated', ...ORDERS_TESTS] },
  { select: ['tag:nightly,tag:finance'], expected: ['orders', ...ORDERS_TESTS] },
  { select: ['tag:core tag:nightly'], expected: ['customers', 'customer_clicks', AV, REL, 'orders', 'weekly', UQ, AOMC, UT] },
  { select: ['tag:?ore'], expected: ['customers', 'customer_clicks', AV, REL] },
  // paths and files
  { select: ['path:models/staging'], expected: [...STG, NN, SRC_NN, AOMC, S_ORD, S_CUS, S_CLK] },
  { select: ['path:models/staging/'], expected: [...STG, NN, SRC_NN, AOMC, S_ORD, S_CUS, S_CLK] },
  { select: ['path:./models/staging/events'], expected: ['stg_clicks', S_CLK] },
  { select: ['path:models/marts/finance/orders.sql'], expected: ['orders', ...ORDERS_TESTS] },
  { select: ['models/marts/finance/orders.sql'], expected: ['orders', ...ORDERS_TESTS] },
  { select: ['path:/proj/models/marts/finance/orders.sql'], expected: ['orders', ...ORDERS_TESTS] },
  { select: ['path:models/marts/*/orders.sql'], expected: ['orders', ...ORDERS_TESTS] },
  { select: ['path:models/**/core/*.sql'], expected: ['customers', 'customer_clicks', AV, REL] },
  { select: ['path:models/staging/_staging.yml'], expected: [NN, 'stg_orders', 'stg_customers', AOMC] },
  { select: ['path:models/marts/finance/_finance.yml'], expected: ['orders', UQ, REL, UT, AOMC] },
  { select: ['path:tests'], expected: [ARP, AOMC] },
  { select: ['path:models/nowhere'], expected: [] },
  { select: ['file:orders.sql'], expected: ['orders', ...ORDERS_TESTS] },
  { select: ['file:orders'], expected: ['orders', ...ORDERS_TESTS] },
  { select: ['file:stg_*'], expected: [...STG, NN, AOMC] },
  { select: ['file:_finance.yml'], expected: [UQ, REL, UT] },
  { select: ['stg_orders.sql'], expected: ['stg_orders', NN] },
  { select: ['file:*.csv'], expected: ['raw_payments'] },
  // fqn wildcards and folders
  { select: ['fqn:*'], expected: without(EVERYTHING, SOURCES) },
  { select: ['shop'], expected: without(EVERYTHING, SOURCES) },
  { select: ['marts'], expected: ['orders', 'revenue', 'customers', 'customer_clicks', UQ, REL, AV, UT, AOMC, ARP] },
  { select: ['marts.finance'], expected: ['orders', 'revenue', UQ, REL, UT, AOMC, ARP] },
  { select: ['shop.marts.core'], expected: ['customers', 'customer_clicks', AV, REL] },
  { select: ['marts.*.orders'], expected: ['orders', ...ORDERS_TESTS] },
  { select: ['stg_*'], expected: [...STG, NN, AOMC] },
  { select: ['*orders*'], expected: ['stg_orders', 'int_orders', 'orders', NN, UQ, REL, AOMC, UT, SRC_NN] },
  { select: ['staging.events'], expected: ['stg_clicks'] },
  // package, config, group, access
  { select: ['package:shop'], expected: EVERYTHING },
  { select: ['package:this'], expected: EVERYTHING },
  { select: ['package:sh*'], expected: EVERYTHING },
  { select: ['package:other'], expected: [] },
  { select: ['config.materialized:table'], expected: ['orders', 'customers', ...ORDERS_TESTS, AV] },
  { select: ['config.materialized:ephemeral'], expected: ['int_orders'] },
  { select: ['config.materialized:incremental'], expected: ['revenue', ARP] },
  { select: ['config.materialized:seed'], expected: ['raw_payments'] },
  { select: ['config.tags:pii'], expected: ['stg_customers', S_CUS, AOMC] },
  { select: ['config.meta.owner:finance'], expected: ['orders', ...ORDERS_TESTS] },
  { select: ['config.unique_key:region'], expected: ['revenue', ARP] },
  { select: ['config.full_refresh:false'], expected: ['weekly'] },
  { select: ['config.full_refresh:FALSE'], expected: ['weekly'] },
  { select: ['config.contract.enforced:true'], expected: ['customers', REL, AV] },
  { select: ['config.enabled:true'], expected: without(EVERYTHING, EXPOSURES) },
  { select: ['config.severity:ERROR'], expected: DATA_TESTS },
  { select: ['group:finance'], expected: ['orders', 'revenue', ...ORDERS_TESTS, ARP] },
  { select: ['access:public'], expected: ['orders', ...ORDERS_TESTS] },
  { select: ['access:protected'], expected: [...without(MODELS, ['orders']), NN, AOMC, REL, AV, ARP] },
  // resource types, sources, exposures
  { select: ['resource_type:seed'], expected: ['raw_payments'] },
  { select: ['resource_type:source'], expected: [...SOURCES, SRC_NN] },
  { select: ['resource_type:exposure'], expected: EXPOSURES },
  { select: ['resource_type:test'], expected: DATA_TESTS },
  { select: ['resource_type:unit_test'], expected: [UT] },
  { select: ['resource_type:model'], expected: [...MODELS, NN, UQ, REL, AV, ARP, AOMC, UT] },
  { select: ['resource_type:snapshot'], expected: [] },
  { select: ['source:shop'], expected: [S_ORD, S_CUS, SRC_NN] },
  { select: ['source:shop.orders'], expected: [S_ORD, SRC_NN] },
  { select: ['source:*.clicks'], expected: [S_CLK] },
  { select: ['source:shop.events.clicks'], expected: [S_CLK] },
  { select: ['source:shop.*.c*'], expected: [S_CUS, S_CLK] },
  { select: ['source:other'], expected: [] },
  { select: ['exposure:weekly_dashboard'], expected: [E_WD] },
  { select: ['exposure:shop.*'], expected: EXPOSURES },
  { select: ['exposure:*_app'], expected: [E_CA] },
  // tests by name and type
  { select: ['test_name:not_null'], expected: [NN, SRC_NN] },
  { select: ['test_name:relationships'], expected: [REL] },
  { select: ['test_name:orders_total*'], expected: [UT] },
  { select: ['test_name:*'], expected: [...GENERIC, UT] },
  { select: ['test_type:generic'], expected: GENERIC },
  { select: ['test_type:schema'], expected: GENERIC },
  { select: ['test_type:singular'], expected: [ARP, AOMC] },
  { select: ['test_type:unit'], expected: [UT] },
  { select: ['test_type:data'], expected: DATA_TESTS },
  { select: ['unit_test:orders_total_is_sum'], expected: [UT] },
  { select: ['unit_test:shop.orders_*'], expected: [UT] },
  { select: ['test_type:generic,tag:finance'], expected: [UQ, REL] },
  // intersections, unions and exclusions
  { select: ['orders,tag:finance'], expected: ['orders', ...ORDERS_TESTS] },
  { select: ['+weekly,tag:finance'], expected: ['orders', 'revenue', ARP, ...ORDERS_TESTS] },
  { select: ['tag:staging,tag:pii,resource_type:model'], expected: ['stg_customers', AOMC] },
  { select: ['resource_type:model,tag:nowhere'], expected: [] },
  { select: ['+customers'], exclude: ['tag:staging'], expected: ['customers', 'orders', 'int_orders', 'raw_payments', S_ORD, S_CUS, SRC_NN, UQ, REL, UT, AV] },
  { select: [], exclude: ['orders'], expected: without(EVERYTHING, ['orders', ...ORDERS_TESTS]) },
  { select: [], exclude: ['orders'], indirect: 'cautious', expected: without(EVERYTHING, ['orders', UQ, UT]) },
  { select: ['marts'], exclude: ['tag:finance'], expected: ['customers', 'customer_clicks', AV] },
  { select: ['orders+'], exclude: ['exposure:*', 'tag:core'], expected: ['orders', 'revenue', 'weekly', UQ, AOMC, UT, ARP] },
  { select: ['tag:staging'], exclude: ['stg_clicks stg_payments'], expected: ['stg_orders', 'stg_customers', NN, AOMC] },
  { select: ['tag:staging'], exclude: ['tag:staging'], expected: [] },
  { select: [], expected: EVERYTHING },
  { select: ['  '], expected: EVERYTHING },
];
