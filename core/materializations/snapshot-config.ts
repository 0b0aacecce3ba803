// A snapshot's configs, checked once (at parse time, so `kiln parse` reports them, and again
// when planning): strategy, unique_key, updated_at / check_cols, hard_deletes and the names of
// the meta columns.
import type { ParsedNode } from '../nodes.js';
import { configError } from './incremental-config.js';

export type HardDeletes = 'ignore' | 'invalidate' | 'new_record';

export interface MetaColumns {
  readonly scdId: string;
  readonly updatedAt: string;
  readonly validFrom: string;
  readonly validTo: string;
  readonly isDeleted: string;
}

export interface SnapshotConfig {
  readonly strategy: 'timestamp' | 'check';
  /** Columns or expressions, as written. */
  readonly uniqueKey: readonly string[];
  /** timestamp: the column saying when a row last changed (optional for check). */
  readonly updatedAt: string | null;
  /** check: the columns compared, or every column. */
  readonly checkCols: 'all' | readonly string[];
  readonly hardDeletes: HardDeletes;
  readonly meta: MetaColumns;
  /** SQL for dbt_valid_to of current rows instead of null (`dbt_valid_to_current`). */
  readonly validToCurrent: string | null;
}

const META_KEYS: Record<keyof MetaColumns, string> = {
  scdId: 'dbt_scd_id',
  updatedAt: 'dbt_updated_at',
  validFrom: 'dbt_valid_from',
  validTo: 'dbt_valid_to',
  isDeleted: 'dbt_is_deleted',
};

function strings(v: unknown): string[] | null {
  if (typeof v === 'string' && v.trim()) return [v.trim()];
  if (Array.isArray(v) && v.length && v.every((x) => typeof x === 'string' && x.trim())) return (v as string[]).map((x) => x.trim());
  return null;
}

export function snapshotConfig(node: ParsedNode): SnapshotConfig {
  const c = node.config;
  const strategy = typeof c.strategy === 'string' ? c.strategy.trim().toLowerCase() : '';
  if (strategy !== 'timestamp' && strategy !== 'check') {
    throw configError(
      node,
      'strategy',
      strategy ? `snapshot strategy '${String(c.strategy)}' is not known` : 'the snapshot has no `strategy`',
      "Set strategy='timestamp' (with updated_at='<column>') or strategy='check' (with check_cols='all' or a list of columns).",
    );
  }
  const uniqueKey = strings(c.unique_key);
  if (!uniqueKey) {
    throw configError(node, 'unique_key', 'the snapshot has no `unique_key`', "Set unique_key='id' (or a list of columns) naming what identifies a row of its source.");
  }
  const updatedAt = typeof c.updated_at === 'string' && c.updated_at.trim() ? c.updated_at.trim() : null;
  if (strategy === 'timestamp' && !updatedAt) {
    throw configError(node, 'updated_at', "the timestamp strategy needs `updated_at`, the column saying when a row last changed", "Set updated_at='updated_at' (a timestamp column of the snapshot's query), or use strategy='check'.");
  }
  let checkCols: 'all' | string[] = 'all';
  if (strategy === 'check') {
    const cols = c.check_cols === 'all' ? 'all' : strings(c.check_cols);
    if (!cols) {
      throw configError(node, 'check_cols', 'the check strategy needs `check_cols`', "Set check_cols='all' or check_cols=['status', 'amount'].");
    }
    checkCols = cols;
  }
  let hardDeletes = (typeof c.hard_deletes === 'string' ? c.hard_deletes : null) as HardDeletes | null;
  if (hardDeletes === null) hardDeletes = c.invalidate_hard_deletes === true ? 'invalidate' : 'ignore';
  if (!['ignore', 'invalidate', 'new_record'].includes(hardDeletes)) {
    throw configError(node, 'hard_deletes', `hard_deletes '${hardDeletes}' is not one of ignore, invalidate, new_record`, "Use hard_deletes='invalidate' to close rows whose key vanished, 'new_record' to also record the deletion.");
  }
  const names = (c.snapshot_meta_column_names ?? {}) as Record<string, unknown>;
  const meta = Object.fromEntries(
    (Object.entries(META_KEYS) as [keyof MetaColumns, string][]).map(([k, dflt]) => [k, typeof names[dflt] === 'string' && names[dflt] ? String(names[dflt]) : dflt]),
  ) as unknown as MetaColumns;
  const vtc = c.dbt_valid_to_current;
  return {
    strategy,
    uniqueKey,
    updatedAt,
    checkCols,
    hardDeletes,
    meta,
    validToCurrent: typeof vtc === 'string' && vtc.trim() ? vtc.trim() : null,
  };
}
