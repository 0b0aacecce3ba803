// The config keys dbt 1.11 writes into every node's `config` in manifest.json, with their default
// values, by resource type (as `dbt parse` writes them for a node that sets none). kiln's configs
// hold what was configured; manifest.json adds the rest, so tools that index `config['access']`
// or `config['contract']['enforced']` find them, and state comparison counts a key written out
// at its default as unset.

type Defaults = readonly (readonly [key: string, value: unknown])[];

const NODE: Defaults = [
  ['alias', null],
  ['schema', null],
  ['database', null],
  ['group', null],
  ['static_analysis', null],
  ['incremental_strategy', null],
  ['batch_size', null],
  ['lookback', 1],
  ['begin', null],
  ['persist_docs', {}],
  ['quoting', {}],
  ['column_types', {}],
  ['full_refresh', null],
  ['unique_key', null],
  ['on_schema_change', 'ignore'],
  ['on_configuration_change', 'apply'],
  ['grants', {}],
  ['packages', []],
  ['docs', { show: true, node_color: null }],
  ['contract', { enforced: false, alias_types: true }],
  ['event_time', null],
  ['concurrent_batches', null],
];

const BY_TYPE: Readonly<Record<string, Defaults>> = {
  model: [...NODE, ['access', 'protected'], ['freshness', null]],
  seed: NODE,
  analysis: NODE,
  snapshot: [
    ...NODE,
    ['strategy', null],
    ['target_schema', null],
    ['target_database', null],
    ['updated_at', null],
    ['check_cols', null],
    ['snapshot_meta_column_names', { dbt_valid_to: null, dbt_valid_from: null, dbt_scd_id: null, dbt_updated_at: null, dbt_is_deleted: null }],
    ['dbt_valid_to_current', null],
  ],
  test: [
    ['alias', null],
    ['schema', null],
    ['database', null],
    ['group', null],
    ['static_analysis', null],
    ['store_failures_as', null],
  ],
};

/** Each type's defaults as JSON text after a comma (`,"alias":null`), made once. */
const TEXTS = new Map<string, readonly (readonly [key: string, text: string])[]>(Object.entries(BY_TYPE).map(([type, list]) => [type, list.map(([k, v]) => [k, `,${JSON.stringify(k)}:${JSON.stringify(v)}`] as const)]));

/** The defaults `config` lacks, as JSON text to put before its closing brace ('' when none). */
export function configDefaultsText(config: object, resourceType: string): string {
  const list = TEXTS.get(resourceType);
  if (!list) return '';
  let out = '';
  for (const [key, text] of list) if (!Object.hasOwn(config, key)) out += text;
  return out;
}

/**
 * A data test's config keys in the order dbt 1.11 writes them (its TestConfig's fields); keys
 * dbt does not know follow them, as its extra config keys do.
 */
const TEST_ORDER = ['enabled', 'alias', 'schema', 'database', 'tags', 'meta', 'group', 'static_analysis', 'materialized', 'severity', 'store_failures', 'store_failures_as', 'where', 'limit', 'fail_calc', 'warn_if', 'error_if'];
const TEST_ORDERED = new Set(TEST_ORDER);
const TEST_DEFAULTS = new Map<string, unknown>(BY_TYPE.test);

/** A data test's config in dbt's key order, with the defaults it lacks (always a new object). */
function testConfigInDbtOrder(config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of TEST_ORDER) {
    if (Object.hasOwn(config, key)) out[key] = config[key];
    else if (TEST_DEFAULTS.has(key)) out[key] = TEST_DEFAULTS.get(key);
  }
  for (const key of Object.keys(config)) if (!TEST_ORDERED.has(key)) out[key] = config[key];
  return out;
}

/** `config` with the defaults it lacks added after its own keys (a new object when any are); a data test's in dbt's key order. */
export function withConfigDefaults(config: Record<string, unknown>, resourceType: string): Record<string, unknown> {
  if (resourceType === 'test') return testConfigInDbtOrder(config);
  const list = BY_TYPE[resourceType];
  if (!list) return config;
  let out: Record<string, unknown> | null = null;
  for (const [key, value] of list) {
    if (Object.hasOwn(config, key)) continue;
    out ??= { ...config };
    out[key] = structuredClone(value);
  }
  return out ?? config;
}

const DEFAULT_OF = new Map<string, string>(Object.values(BY_TYPE).flatMap((list) => list.map(([k, v]) => [k, JSON.stringify(v)] as const)));

/** Whether `value` is what dbt writes for config `key` of any node left unconfigured. */
export function isConfigDefault(key: string, value: unknown): boolean {
  const d = DEFAULT_OF.get(key);
  return d !== undefined && JSON.stringify(value) === d;
}
