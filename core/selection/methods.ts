// The selector methods kiln knows and the values each accepts. The parser checks specs against
// this table so a typo (`tag:` fine, `tags:` not) is an error pointing at the spec, not an
// empty selection.

export interface MethodDef {
  readonly name: string;
  /** `config.<key>` needs a key; every other method takes none. */
  readonly needsArgs: boolean;
  /** A closed set of values (state, result, ...); open when absent. */
  readonly values?: readonly string[];
  /** Needs the previous run's artifacts (`--state` or target/). */
  readonly needsState?: 'manifest' | 'results' | 'sources';
  readonly example: string;
  /** Checks a value's shape; returns why it is wrong, or null. */
  readonly check?: (value: string) => string | null;
}

const dotted = (max: number, shape: string) => (value: string): string | null =>
  value.split('.').length > max || value.split('.').some((p) => p === '') ? `expected ${shape}` : null;

export const RESOURCE_TYPES = [
  'model', 'seed', 'snapshot', 'test', 'unit_test', 'analysis', 'source', 'exposure',
  'metric', 'semantic_model', 'saved_query', 'macro', 'operation', 'function',
] as const;

export const STATE_VALUES = [
  'new', 'old', 'modified', 'unmodified',
  'modified.body', 'modified.configs', 'modified.relation', 'modified.macros', 'modified.contract',
  'modified.persisted_descriptions', 'modified.vars',
] as const;

export const RESULT_VALUES = ['success', 'error', 'fail', 'warn', 'pass', 'skipped'] as const;

const DEFS: readonly MethodDef[] = [
  { name: 'fqn', needsArgs: false, example: 'fqn:staging.stg_orders' },
  { name: 'tag', needsArgs: false, example: 'tag:nightly' },
  { name: 'path', needsArgs: false, example: 'path:models/staging' },
  { name: 'file', needsArgs: false, example: 'file:stg_orders.sql' },
  { name: 'package', needsArgs: false, example: 'package:shop' },
  { name: 'config', needsArgs: true, example: 'config.materialized:table' },
  { name: 'resource_type', needsArgs: false, values: RESOURCE_TYPES, example: 'resource_type:seed' },
  { name: 'source', needsArgs: false, example: 'source:raw.orders', check: dotted(3, '`source_name`, `source_name.table_name` or `package.source_name.table_name`') },
  { name: 'exposure', needsArgs: false, example: 'exposure:weekly_report', check: dotted(2, '`exposure_name` or `package.exposure_name`') },
  { name: 'test_name', needsArgs: false, example: 'test_name:not_null' },
  { name: 'test_type', needsArgs: false, values: ['generic', 'singular', 'unit', 'data', 'schema'], example: 'test_type:generic' },
  { name: 'metric', needsArgs: false, example: 'metric:revenue', check: dotted(2, '`metric_name` or `package.metric_name`') },
  { name: 'semantic_model', needsArgs: false, example: 'semantic_model:orders', check: dotted(2, '`semantic_model_name` or `package.semantic_model_name`') },
  { name: 'saved_query', needsArgs: false, example: 'saved_query:revenue_by_day', check: dotted(2, '`saved_query_name` or `package.saved_query_name`') },
  { name: 'unit_test', needsArgs: false, example: 'unit_test:test_orders_total', check: dotted(2, '`unit_test_name` or `package.unit_test_name`') },
  { name: 'group', needsArgs: false, example: 'group:finance' },
  { name: 'access', needsArgs: false, values: ['private', 'protected', 'public'], example: 'access:public' },
  { name: 'version', needsArgs: false, values: ['latest', 'prerelease', 'old', 'none'], example: 'version:latest' },
  { name: 'state', needsArgs: false, values: STATE_VALUES, needsState: 'manifest', example: 'state:modified' },
  { name: 'result', needsArgs: false, values: RESULT_VALUES, needsState: 'results', example: 'result:error' },
  { name: 'source_status', needsArgs: false, values: ['fresher'], needsState: 'sources', example: 'source_status:fresher' },
];

export const METHODS: ReadonlyMap<string, MethodDef> = new Map(DEFS.map((d) => [d.name, d]));

export function methodNames(): string[] {
  return [...METHODS.keys()];
}
