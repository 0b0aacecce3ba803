// Microbatch: a model's rows split into time windows of `batch_size`. Each batch renders the
// model with its inputs narrowed to the window (refs and sources that have an `event_time`),
// then replaces exactly that window of the table, in a transaction of its own, so a failed
// batch can be rerun alone (--event-time-start/--event-time-end). Windows follow dbt's rules.
import { injectCtes } from '../compiler/inject-ctes.js';
import { RelationValue } from '../compiler/relation.js';
import type { BatchSize, MicrobatchConfig } from './incremental-config.js';

export interface BatchWindow {
  readonly start: Date;
  readonly end: Date;
  /** `model.batch.id`: the batch's start as `YYYYMMDD` (`YYYYMMDDTHH` for hourly batches), as dbt names batches. */
  readonly id?: string;
  /**
   * The narrowed inputs a render of this batch referred to, as CTEs (name → SQL), filled while
   * rendering and injected into the batch's SQL afterwards (see withBatchCtes).
   */
  readonly ctes?: Map<string, string>;
}

export function truncate(t: Date, size: BatchSize): Date {
  const y = t.getUTCFullYear();
  switch (size) {
    case 'hour':
      return new Date(Date.UTC(y, t.getUTCMonth(), t.getUTCDate(), t.getUTCHours()));
    case 'day':
      return new Date(Date.UTC(y, t.getUTCMonth(), t.getUTCDate()));
    case 'month':
      return new Date(Date.UTC(y, t.getUTCMonth(), 1));
    case 'year':
      return new Date(Date.UTC(y, 0, 1));
  }
}

/** The truncated time moved by `n` batches. */
export function offset(t: Date, size: BatchSize, n: number): Date {
  const b = truncate(t, size);
  switch (size) {
    case 'hour':
      return new Date(b.getTime() + n * 3_600_000);
    case 'day':
      return new Date(Date.UTC(b.getUTCFullYear(), b.getUTCMonth(), b.getUTCDate() + n));
    case 'month':
      return new Date(Date.UTC(b.getUTCFullYear(), b.getUTCMonth() + n, 1));
    case 'year':
      return new Date(Date.UTC(b.getUTCFullYear() + n, 0, 1));
  }
}

/** The next batch boundary at or after `t`. */
export function ceiling(t: Date, size: BatchSize): Date {
  const b = truncate(t, size);
  return b.getTime() === t.getTime() ? b : offset(b, size, 1);
}

export interface WindowOptions {
  /** The table exists and no full refresh applies. */
  readonly incremental: boolean;
  readonly now: Date;
  /** --event-time-start / --event-time-end. */
  readonly start?: Date | null;
  readonly end?: Date | null;
}

/**
 * The batches of one run: from --event-time-start, else `begin` on a first (or full-refresh)
 * run, else `lookback` batches before the current one; up to --event-time-end, else now
 * (rounded up to a boundary). Always at least one batch; the last ends exactly at the end.
 */
export function batchWindows(cfg: MicrobatchConfig, opts: WindowOptions): BatchWindow[] {
  const size = cfg.batchSize;
  const end = ceiling(opts.end ?? opts.now, size);
  let start: Date;
  if (opts.start) start = truncate(opts.start, size);
  else if (!opts.incremental) start = truncate(cfg.begin, size);
  else {
    const checkpoint = opts.now;
    // A checkpoint on a boundary ends a batch: step back one more to reprocess that batch too.
    const lookback = cfg.lookback + (truncate(checkpoint, size).getTime() === checkpoint.getTime() ? 1 : 0);
    start = offset(checkpoint, size, -lookback);
  }
  const out: BatchWindow[] = [];
  let s = start;
  let e = offset(s, size, 1);
  out.push({ start: s, end: e });
  while (e.getTime() < end.getTime()) {
    s = e;
    e = offset(s, size, 1);
    out.push({ start: s, end: e });
  }
  out[out.length - 1] = { start: out[out.length - 1].start, end: end.getTime() > out[out.length - 1].start.getTime() ? end : out[out.length - 1].end };
  return out;
}

/** A batch's id: its start as `YYYYMMDD`, or `YYYYMMDDTHH` for hourly batches (dbt's ids). */
export function batchId(start: Date, size: BatchSize): string {
  const iso = start.toISOString();
  const date = iso.slice(0, 10).replace(/-/g, '');
  return size === 'hour' ? `${date}T${iso.slice(11, 13)}` : date;
}

/** A batch boundary as dbt writes it in artifacts and `model.batch`: `2024-01-01T00:00:00+00:00`. */
export function isoUtc(t: Date): string {
  return t.toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

/** `model.batch` while a batch renders (dbt ≥ 1.9); outside a batch it is undefined (dbt's None). */
export function batchContext(window: BatchWindow): { id: string; event_time_start: string; event_time_end: string } {
  return { id: window.id ?? batchId(window.start, 'day'), event_time_start: isoUtc(window.start), event_time_end: isoUtc(window.end) };
}

/** `YYYY-MM-DD HH:MM:SS` in UTC, the form timestamp literals take. */
export function formatUtc(t: Date): string {
  return t.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, '');
}

/**
 * A ref or source narrowed to one batch. It renders as the name of a CTE holding
 * `select * from x where <event_time> in the window`, which the batch's SQL gets (dbt writes an
 * aliased subquery instead, which breaks `from {{ ref('x') }} x` on Postgres).
 */
export class EventTimeFilteredRelation extends RelationValue {
  constructor(base: RelationValue, eventTime: string, window: BatchWindow) {
    const lo = base.dialect.timestamp(formatUtc(window.start));
    const hi = base.dialect.timestamp(formatUtc(window.end));
    const sql = `select * from ${base.toString()} where ${eventTime} >= ${lo} and ${eventTime} < ${hi}`;
    const ctes = window.ctes ?? new Map<string, string>();
    let name = `__dbt_et__${base.identifier}`;
    for (let i = 2; ctes.has(name) && ctes.get(name) !== sql; i++) name = `__dbt_et__${base.identifier}_${i}`;
    ctes.set(name, sql);
    super({ database: base.database, schema: base.schema, identifier: name }, base.dialect, { type: base.type, isCte: true });
  }
}

/** A batch's rendered SQL with the narrowed inputs it used injected as CTEs. */
export function withBatchCtes(sql: string, window: BatchWindow): string {
  return injectCtes(sql, [...(window.ctes ?? new Map<string, string>())].map(([name, cte]) => ({ name, sql: cte })));
}
