// Source freshness: how long ago each source table last received data, judged against its
// `warn_after` / `error_after` thresholds, as dbt's `source freshness` does.
import type { Adapter, Connection } from '../../adapters/adapter.js';
import { Codes, KilnError } from '../errors.js';
import type { SourceTable } from '../nodes.js';
import { sourceRelationInProject } from '../project/quoting.js';

export type FreshnessStatus = 'pass' | 'warn' | 'error' | 'runtime error';

export interface Threshold {
  readonly count: number;
  readonly period: 'minute' | 'hour' | 'day';
}

export interface FreshnessCriteria {
  readonly warnAfter: Threshold | null;
  readonly errorAfter: Threshold | null;
  readonly filter: string | null;
}

export interface FreshnessResult {
  readonly uniqueId: string;
  readonly status: FreshnessStatus;
  readonly maxLoadedAt: string | null;
  readonly snapshottedAt: string;
  readonly ageSeconds: number | null;
  readonly criteria: FreshnessCriteria;
  readonly executionTime: number;
  readonly message: string;
  readonly error?: KilnError;
}

const SECONDS: Record<Threshold['period'], number> = { minute: 60, hour: 3600, day: 86400 };

/** The criteria of a source table, or null when it has no freshness to check. */
export function criteriaOf(source: SourceTable): FreshnessCriteria | null {
  const f = source.freshness as Record<string, unknown> | null | undefined;
  if (!f || !(source.loadedAtField || source.loadedAtQuery)) return null;
  const threshold = (v: unknown): Threshold | null => {
    if (!v || typeof v !== 'object') return null;
    const { count, period } = v as { count?: unknown; period?: unknown };
    if (typeof count !== 'number' || !(typeof period === 'string' && period in SECONDS)) return null;
    return { count, period: period as Threshold['period'] };
  };
  const criteria = { warnAfter: threshold(f.warn_after), errorAfter: threshold(f.error_after), filter: typeof f.filter === 'string' ? f.filter : null };
  return criteria.warnAfter || criteria.errorAfter ? criteria : null;
}

export function judge(ageSeconds: number, c: FreshnessCriteria): 'pass' | 'warn' | 'error' {
  const over = (t: Threshold | null) => t !== null && ageSeconds > t.count * SECONDS[t.period];
  if (over(c.errorAfter)) return 'error';
  if (over(c.warnAfter)) return 'warn';
  return 'pass';
}

/**
 * The query for a source table's last load: max(loaded_at_field), or its `loaded_at_query`
 * (dbt 1.10+), a query returning one timestamp, which `filter` does not touch.
 */
export function freshnessSql(relation: string, source: SourceTable, criteria: FreshnessCriteria, renderedQuery?: string): string {
  if (source.loadedAtQuery) return `with source_query as (\n${renderedQuery ?? source.loadedAtQuery}\n)\nselect (select * from source_query) as max_loaded_at`;
  return `select max(${source.loadedAtField}) as max_loaded_at from ${relation}${criteria.filter ? ` where ${criteria.filter}` : ''}`;
}

/** Reads the last load of one source table (freshnessSql) and judges it. */
export async function checkFreshness(adapter: Adapter, conn: Connection, source: SourceTable, criteria: FreshnessCriteria, render?: (query: string) => string): Promise<FreshnessResult> {
  const started = performance.now();
  // As dbt's freshness task writes it: the source's quoting over the project's.
  const relation = adapter.dialect.renderRelation(sourceRelationInProject(source));
  // As dbt's freshness task: a loaded_at_query comes first.
  const byQuery = !!source.loadedAtQuery;
  const snapshotted = new Date();
  const base = { uniqueId: source.uniqueId, snapshottedAt: snapshotted.toISOString(), criteria };
  try {
    // The query's Jinja ({{ this }}: the source table) rendered now, as dbt's freshness task does.
    const sql = freshnessSql(relation, source, criteria, byQuery && render ? render(source.loadedAtQuery!) : undefined);
    const res = await conn.query(sql);
    const raw = res.rows[0]?.[0] ?? null;
    const executionTime = (performance.now() - started) / 1000;
    if (raw === null) {
      const nothing = byQuery ? `the loaded_at_query of ${source.sourceName}.${source.name} returned no timestamp` : `no rows in ${relation}${criteria.filter ? ' matching the filter' : ''}`;
      return { ...base, status: 'error', maxLoadedAt: null, ageSeconds: null, executionTime, message: `${nothing}: nothing was ever loaded` };
    }
    const loaded = parseTimestamp(String(raw));
    if (!loaded) {
      const what = byQuery ? 'the loaded_at_query' : `loaded_at_field '${source.loadedAtField}'`;
      const error = new KilnError(Codes.DATABASE_ERROR, `${what} of ${source.sourceName}.${source.name} is not a timestamp (got '${String(raw)}')`, {
        loc: source.loc,
        hint: byQuery
          ? 'Make loaded_at_query return one timestamp: `loaded_at_query: "select max(cast(col as timestamp)) from ..."`.'
          : 'Point loaded_at_field at a timestamp column, or cast it: `loaded_at_field: "cast(col as timestamp)"`.',
      });
      return { ...base, status: 'runtime error', maxLoadedAt: String(raw), ageSeconds: null, executionTime, message: error.message, error };
    }
    const ageSeconds = (snapshotted.getTime() - loaded.getTime()) / 1000;
    const status = judge(ageSeconds, criteria);
    return { ...base, status, maxLoadedAt: loaded.toISOString(), ageSeconds, executionTime, message: `${describeAge(ageSeconds)} since the last load` };
  } catch (e) {
    if (!(e instanceof KilnError)) throw e;
    const error = new KilnError(e.code, e.message, { loc: source.loc, hint: e.hint });
    return { ...base, status: 'runtime error', maxLoadedAt: null, ageSeconds: null, executionTime: (performance.now() - started) / 1000, message: e.message, error };
  }
}

/** Timestamps without a zone are UTC, as dbt assumes. */
export function parseTimestamp(text: string): Date | null {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/.exec(text.trim());
  if (!m) return null;
  let zone = m[3] ?? 'Z';
  if (/^[+-]\d{2}$/.test(zone)) zone += ':00';
  else if (/^[+-]\d{4}$/.test(zone)) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const time = m[2] ?? '00:00:00';
  const d = new Date(`${m[1]}T${time.length === 5 ? `${time}:00` : time.replace(/(\.\d{3})\d+$/, '$1')}${zone}`);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function describeAge(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} seconds`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} minutes`;
  if (seconds < 172800) return `${(seconds / 3600).toFixed(1)} hours`;
  return `${(seconds / 86400).toFixed(1)} days`;
}
