// An incremental model's configs, read and checked once before anything runs: strategy,
// unique_key, predicates, merge columns, on_schema_change, full_refresh and microbatch settings.
// A problem is a KilnError naming the model, the config and the fix.
import type { AdapterCapabilities, Relation } from '../../adapters/adapter.js';
import { Codes, KilnError } from '../errors.js';
import type { ParsedNode } from '../nodes.js';

export type OnSchemaChange = 'ignore' | 'fail' | 'append_new_columns' | 'sync_all_columns';
export type BatchSize = 'hour' | 'day' | 'month' | 'year';

export interface MicrobatchConfig {
  /** Column (or expression) holding each row's event time. */
  readonly eventTime: string;
  readonly batchSize: BatchSize;
  /** Where the first (or a full-refresh) run starts. */
  readonly begin: Date;
  /** Batches before the current one that an incremental run reprocesses. */
  readonly lookback: number;
}

export interface IncrementalConfig {
  readonly strategy: 'append' | 'merge' | 'delete+insert' | 'microbatch';
  /** `unique_key` as a list ([] without one), as written. */
  readonly uniqueKey: readonly string[];
  readonly predicates: readonly string[];
  readonly onSchemaChange: OnSchemaChange;
  readonly mergeUpdateColumns: readonly string[] | null;
  readonly mergeExcludeColumns: readonly string[] | null;
  readonly microbatch: MicrobatchConfig | null;
}

const STRATEGIES = ['append', 'merge', 'delete+insert', 'microbatch'] as const;
const BATCH_SIZES: readonly BatchSize[] = ['hour', 'day', 'month', 'year'];
const ON_SCHEMA_CHANGE: readonly OnSchemaChange[] = ['ignore', 'fail', 'append_new_columns', 'sync_all_columns'];

/** A config problem of one node, located at the config's first mention in its file when there is one. */
export function configError(node: ParsedNode, key: string, message: string, hint: string, code: string = Codes.CONFIG_INVALID): KilnError {
  const snapshot = node.resourceType === 'snapshot';
  return new KilnError(code, `${snapshot ? 'Snapshot' : 'Model'} '${node.name}': ${message}`, {
    // A snapshot's code is a block inside its file: point at the block.
    loc: snapshot ? node.loc : { file: node.originalFilePath, line: lineOfKey(node.rawCode, key) },
    node: node.uniqueId,
    hint,
  });
}

function lineOfKey(text: string, key: string): number | undefined {
  const m = new RegExp(`\\b${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`).exec(text);
  if (!m) return undefined;
  return text.slice(0, m.index).split('\n').length;
}

function stringList(node: ParsedNode, key: string): string[] | null {
  const v = node.config[key];
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v.trim() ? [v] : [];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  throw configError(node, key, `\`${key}\` must be a string or a list of strings, got ${JSON.stringify(v)}`, `Write ${key}='id' or ${key}=['id', 'day'].`);
}

export function incrementalConfig(node: ParsedNode, caps: AdapterCapabilities): IncrementalConfig {
  const c = node.config;
  const uniqueKey = stringList(node, 'unique_key') ?? [];
  const written = c.incremental_strategy;
  if (written !== undefined && written !== null && typeof written !== 'string') {
    throw configError(node, 'incremental_strategy', `\`incremental_strategy\` must be a string, got ${JSON.stringify(written)}`, `Use one of ${STRATEGIES.join(', ')}.`);
  }
  // Both adapters' defaults amount to this: delete+insert with a key, plain inserts without one.
  const strategy = (written ? written.trim().toLowerCase() : uniqueKey.length ? 'delete+insert' : 'append') as IncrementalConfig['strategy'];
  if (!(STRATEGIES as readonly string[]).includes(strategy) || !caps.incrementalStrategies.includes(strategy)) {
    const available = caps.incrementalStrategies.join(', ');
    const which = written ? `incremental_strategy '${written}'` : `incremental_strategy '${strategy}' (the default with a unique_key)`;
    throw configError(node, 'incremental_strategy', `${which} is not supported by ${caps.describedAs ?? 'this database'}`, `Use one of ${available} (or leave it unset for the default).`);
  }
  const onSchemaChange = String(c.on_schema_change ?? 'ignore') as OnSchemaChange;
  if (!ON_SCHEMA_CHANGE.includes(onSchemaChange)) {
    throw configError(node, 'on_schema_change', `on_schema_change '${onSchemaChange}' is not one of ${ON_SCHEMA_CHANGE.join(', ')}`, 'Pick one of them; `ignore` is the default.');
  }
  const mergeUpdateColumns = stringList(node, 'merge_update_columns');
  const mergeExcludeColumns = stringList(node, 'merge_exclude_columns');
  if (mergeUpdateColumns && mergeExcludeColumns) {
    throw configError(node, 'merge_exclude_columns', 'both merge_update_columns and merge_exclude_columns are set', 'Keep one of them: the columns to update, or the columns to leave alone.');
  }
  const predicates = stringList(node, 'incremental_predicates') ?? stringList(node, 'predicates') ?? [];
  return {
    strategy,
    uniqueKey,
    predicates,
    onSchemaChange,
    mergeUpdateColumns,
    mergeExcludeColumns,
    microbatch: strategy === 'microbatch' ? microbatchConfig(node) : null,
  };
}

function microbatchConfig(node: ParsedNode): MicrobatchConfig {
  const c = node.config;
  const eventTime = typeof c.event_time === 'string' ? c.event_time.trim() : '';
  if (!eventTime) {
    throw configError(node, 'incremental_strategy', "the microbatch strategy needs `event_time`: the column that says when each row happened", "Add event_time='created_at' (a date or timestamp column of the model) to its config.");
  }
  const batchSize = String(c.batch_size ?? '') as BatchSize;
  if (!BATCH_SIZES.includes(batchSize)) {
    throw configError(node, 'batch_size', `the microbatch strategy needs \`batch_size\` (one of ${BATCH_SIZES.join(', ')})${c.batch_size ? `, got '${String(c.batch_size)}'` : ''}`, "Add batch_size='day' (or hour, month, year) to its config.");
  }
  const begin = parseUtc(c.begin);
  if (!begin) {
    throw configError(node, 'begin', `the microbatch strategy needs \`begin\`, the time its first batch starts${c.begin ? `; '${String(c.begin)}' is not a date or timestamp` : ''}`, "Add begin='2024-01-01' to its config.");
  }
  const lookback = c.lookback === undefined || c.lookback === null ? 1 : Number(c.lookback);
  if (!Number.isInteger(lookback) || lookback < 0) {
    throw configError(node, 'lookback', `lookback must be a whole number of batches, got ${JSON.stringify(c.lookback)}`, 'Use lookback=1 (the default) or another whole number.');
  }
  return { eventTime, batchSize, begin, lookback };
}

/** `2024-01-01`, `2024-01-01 10:00[:00]`, `2024-01-01T10:00:00[Z]` as a UTC instant; anything else: null. */
export function parseUtc(v: unknown): Date | null {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v;
  if (typeof v !== 'string') return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?(Z|[+-]00:?00)?$/.exec(v.trim());
  if (!m) return null;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4] ?? '0', m[5] ?? '0', m[6] ?? '0'].map(Number);
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // Reject 2024-02-31 and friends, which Date.UTC would roll over.
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return null;
  return date;
}

/** `full_refresh` in the model's config wins over --full-refresh (dbt's should_full_refresh). */
export function shouldFullRefresh(node: ParsedNode, flag: boolean): boolean {
  const own = node.config.full_refresh;
  return own === true || own === false ? own : flag;
}

/**
 * is_incremental(): the relation exists, is a table, the model is incremental, and no full
 * refresh applies.
 */
export function incrementalApplies(node: ParsedNode, existing: Relation | null, fullRefreshFlag: boolean): boolean {
  return node.config.materialized === 'incremental' && existing !== null && existing.type === 'table' && !shouldFullRefresh(node, fullRefreshFlag);
}
