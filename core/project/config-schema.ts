// Validation of node configs, shared by dbt_project.yml trees (`+key`), property YAML
// `config:` blocks and in-file `{{ config(...) }}` calls. Known keys are type-checked; unknown
// keys are kept (real projects carry custom ones) with a warning that suggests a spelling.
import { s, type Shape } from './shape.js';
import { Codes, KilnError, type Problems, type SourceLocation } from '../errors.js';
import { closestMatch, describeValue } from './values.js';
import { checkValue } from './zod-check.js';

export type ConfigResourceType = 'model' | 'seed' | 'snapshot' | 'test' | 'source' | 'analysis';

interface KeySpec {
  readonly schema: Shape;
  /** Human description for "must be X" messages. */
  readonly expected: string;
}

const spec = (schema: Shape, expected: string): KeySpec => ({ schema, expected });

const str = spec(s.string(), 'a string');
const strOrNull = spec(s.string().nullable(), 'a string');
const bool = spec(s.boolean(), 'true or false');
const boolOrNull = spec(s.boolean().nullable(), 'true or false');
const strOrList = spec(s.union([s.string(), s.array(s.string())]), 'a string or a list of strings');
const strOrListOrNull = spec(s.union([s.string(), s.array(s.string())]).nullable(), 'a string or a list of strings');
const strList = spec(s.array(s.string()).nullable(), 'a list of strings');
const mapping = spec(s.record(s.unknown()), 'a mapping');
const oneOf = (values: readonly string[], nullable = true): KeySpec =>
  spec(nullable ? s.enum(values).nullable() : s.enum(values), `one of ${values.join(', ')}`);

const hookItem = s.union([s.string(), s.looseObject({ sql: s.string(), transaction: s.boolean().optional() })]);
const hooks = spec(
  s.union([hookItem, s.array(hookItem)]).nullable(),
  'a SQL string, a {sql, transaction} mapping, or a list of them',
);
const period = s
  .looseObject({
    count: s.number().int().nullable().optional(),
    period: s.enum(['minute', 'hour', 'day']).nullable().optional(),
  })
  .nullable();
const freshness = spec(
  s.looseObject({ warn_after: period.optional(), error_after: period.optional(), filter: s.string().nullable().optional() }).nullable(),
  'a mapping with warn_after/error_after ({count, period}) and filter',
);

/** The shape and description of every config key kiln checks. */
export const SPECS: ReadonlyMap<string, KeySpec> = new Map<string, KeySpec>([
  // general
  ['enabled', bool],
  ['materialized', str],
  ['tags', strOrList],
  ['meta', mapping],
  ['schema', strOrNull],
  ['database', strOrNull],
  ['alias', strOrNull],
  ['docs', spec(s.looseObject({ show: s.boolean().optional(), node_color: s.string().nullable().optional() }), 'a mapping {show, node_color}')],
  ['persist_docs', spec(s.looseObject({ relation: s.boolean().optional(), columns: s.boolean().optional() }), 'a mapping {relation, columns}')],
  ['full_refresh', boolOrNull],
  ['pre_hook', hooks],
  ['post_hook', hooks],
  ['sql_header', strOrNull],
  ['grants', spec(s.record(s.union([s.string(), s.array(s.string())])), 'a mapping of privilege to grantee(s)')],
  ['contract', spec(s.looseObject({ enforced: s.boolean().optional(), alias_types: s.boolean().optional() }), 'a mapping {enforced, alias_types}')],
  ['constraints', spec(s.array(s.record(s.unknown())), 'a list of constraint mappings')],
  ['indexes', spec(s.array(s.looseObject({ columns: s.union([s.string(), s.array(s.string())]), unique: s.boolean().optional(), type: s.string().optional() })), 'a list of {columns, unique, type} mappings')],
  ['access', oneOf(['private', 'protected', 'public'], false)],
  ['group', strOrNull],
  ['quoting', spec(s.looseObject({ database: s.boolean().optional(), schema: s.boolean().optional(), identifier: s.boolean().optional() }), 'a mapping {database, schema, identifier} of booleans')],
  ['packages', strList],
  ['unlogged', bool],
  // incremental / microbatch
  ['unique_key', strOrListOrNull],
  ['incremental_strategy', strOrNull],
  ['on_schema_change', oneOf(['ignore', 'fail', 'append_new_columns', 'sync_all_columns'])],
  ['on_configuration_change', oneOf(['apply', 'continue', 'fail'])],
  ['merge_update_columns', strList],
  ['merge_exclude_columns', strList],
  ['incremental_predicates', strList],
  ['event_time', strOrNull],
  ['batch_size', oneOf(['hour', 'day', 'month', 'year'])],
  ['begin', strOrNull],
  ['lookback', spec(s.number().int().nonnegative(), 'a whole number')],
  ['concurrent_batches', boolOrNull],
  // seeds
  ['column_types', spec(s.record(s.string()), 'a mapping of column name to type')],
  ['delimiter', spec(s.string().length(1), 'a single character')],
  ['quote_columns', boolOrNull],
  // data tests
  ['severity', spec(s.string().regex(/^(warn|error)$/i), 'one of warn, error')],
  ['warn_if', str],
  ['error_if', str],
  ['fail_calc', str],
  ['where', strOrNull],
  ['limit', spec(s.number().int().nullable(), 'a whole number')],
  ['store_failures', boolOrNull],
  ['store_failures_as', oneOf(['table', 'view', 'ephemeral'])],
  // snapshots
  ['strategy', strOrNull],
  ['updated_at', strOrNull],
  ['check_cols', strOrListOrNull],
  ['hard_deletes', oneOf(['ignore', 'invalidate', 'new_record'])],
  ['invalidate_hard_deletes', bool],
  ['target_schema', strOrNull],
  ['target_database', strOrNull],
  ['snapshot_meta_column_names', spec(s.record(s.string().nullable()), 'a mapping of meta column to name')],
  ['dbt_valid_to_current', strOrNull],
  // sources
  ['freshness', freshness],
  ['loaded_at_field', strOrNull],
  ['loaded_at_query', strOrNull],
]);

/** Adapter-specific configs of common adapters: accepted as written without a warning. */
const ADAPTER_KEYS: readonly string[] = [
  'partition_by', 'cluster_by', 'transient', 'copy_grants', 'secure', 'labels', 'query_tag',
  'snowflake_warehouse', 'automatic_clustering', 'dist', 'sort', 'sort_type', 'bind', 'backup',
  'file_format', 'location_root', 'tblproperties', 'buckets', 'hours_to_expiration',
  'kms_key_name', 'require_partition_filter', 'partition_expiration_days', 'options',
  'location', 'format', 'plugin', 'glue_register', 'external_location', 'table_type',
  'partitions', 'clustered_by', 'target_lag', 'refresh_interval', 'on_table_exists',
];

/** Every config key kiln knows (normalized names plus the dashed hook spellings). */
export const KNOWN_CONFIG_KEYS: ReadonlySet<string> = new Set([...SPECS.keys(), ...ADAPTER_KEYS, 'pre-hook', 'post-hook']);

/** Keys whose dict values merge across precedence levels (deeper keys win). */
export const DICT_MERGE_KEYS: ReadonlySet<string> = new Set([
  'meta', 'docs', 'persist_docs', 'column_types', 'contract', 'quoting', 'snapshot_meta_column_names',
]);

/** `+pre-hook` → `pre_hook`, `+materialized` → `materialized`. */
export function normalizeConfigKey(key: string): string {
  const k = key.startsWith('+') ? key.slice(1).trim() : key.trim();
  if (k === 'pre-hook') return 'pre_hook';
  if (k === 'post-hook') return 'post_hook';
  return k;
}

function asList(v: unknown): unknown[] {
  if (v === null || v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

/**
 * Key and shape normalization without validation: stripped `+`, hooks as `pre_hook`/`post_hook`
 * lists (both spellings concatenated), `tags` as a list.
 */
export function normalizeConfig(raw: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [rawKey, value] of Object.entries(raw)) {
    const key = normalizeConfigKey(rawKey);
    assignNormalized(out, key, value);
  }
  return out;
}

function assignNormalized(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === 'pre_hook' || key === 'post_hook') {
    out[key] = [...asList(out[key]), ...asList(value)];
  } else if (key === 'tags') {
    out[key] = asList(value).map(String);
  } else {
    out[key] = value;
  }
}

/**
 * Validates one config mapping. Wrong types are CONFIG_INVALID errors in `problems` (the key
 * is dropped from the result); unknown keys are CONFIG_UNKNOWN_KEY warnings (the key is kept).
 * Strings with unrendered Jinja pass unchecked: they are checked once rendered. Rendered
 * strings are converted where the key wants a boolean, number, null or list.
 * `keyLocs(rawKey)` gives the exact line of a key when known; else `loc` is used.
 */
export function validateConfig(
  raw: Readonly<Record<string, unknown>>,
  resourceType: ConfigResourceType,
  loc: SourceLocation,
  problems: Problems,
  keyLocs?: (key: string) => SourceLocation,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [rawKey, value] of Object.entries(raw)) {
    const key = normalizeConfigKey(rawKey);
    const where = (): SourceLocation => keyLocs?.(rawKey) ?? loc; // looked up only for problems
    const keySpec = SPECS.get(key);
    if (!keySpec) {
      if (!KNOWN_CONFIG_KEYS.has(key)) problems.warn(unknownKeyWarning(rawKey, key, resourceType, where()));
      out[key] = value;
      continue;
    }
    const checked = checkValue(keySpec.schema, keySpec.expected, value);
    if (checked.ok) {
      assignNormalized(out, key, checked.value);
    } else {
      problems.error(
        new KilnError(Codes.CONFIG_INVALID, `\`${rawKey}${checked.subPath.map((p) => '.' + String(p)).join('')}\` must be ${checked.expected}, got ${describeValue(checked.got)}`, {
          loc: where(),
          hint: checked.hint,
        }),
      );
    }
  }
  return out;
}

function unknownKeyWarning(rawKey: string, key: string, resourceType: ConfigResourceType, loc: SourceLocation): KilnError {
  const suggestion = closestMatch(key, SPECS.keys());
  const prefix = rawKey.startsWith('+') ? '+' : '';
  return new KilnError(
    Codes.CONFIG_UNKNOWN_KEY,
    `Unknown ${resourceType} config \`${rawKey}\` in ${loc.file}` + (suggestion ? `; did you mean \`${prefix}${suggestion}\`?` : ''),
    {
      loc,
      hint: suggestion
        ? `\`${rawKey}\` is kept as a custom config; if you meant \`${prefix}${suggestion}\`, fix the spelling.`
        : `\`${rawKey}\` is kept as a custom config (available as config.get('${key}')).`,
    },
  );
}

