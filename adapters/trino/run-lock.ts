// One kiln run at a time per (catalog, schema) on Trino. Trino has no advisory locks and no
// sessions that outlive a query, so the lock is a table in the target schema,
// `kiln_run_lock`: creating a table whose name is taken fails in every connector (the memory
// connector registers the name under its metadata lock, Iceberg's catalogs commit the name
// atomically), so exactly one of several runs creates it. Its rows name the holder (a run id,
// host and process) and carry a heartbeat the holder appends every HEARTBEAT_MS; dropping the
// table releases the lock.
//
// A run killed before it dropped the table leaves a stale lock. A waiting run takes it over when
// the holder's last heartbeat is older than STALE_MS, or at once when the holder ran on this
// host and its process is gone. Taking over drops the stale table and creates it anew; two runs
// taking over the same stale lock at the same moment could both drop it (DROP has no condition),
// so a run that took a lock over waits SETTLE_MS and checks that the table still names it,
// going back to waiting otherwise. What remains is a window of one round trip in which a run
// that creates the lock normally, just after a takeover's drop, could lose it to a second
// takeover that judged the old holder stale before; it needs a stale lock and three runs
// starting within milliseconds of each other.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { Codes, KilnError } from '../../core/errors.js';
import { quoteIdentifier, quoteLiteral } from './dialect.js';

export const LOCK_TABLE = 'kiln_run_lock';
/** The holder appends a heartbeat row this often. */
export const HEARTBEAT_MS = 15_000;
/** A lock whose last heartbeat is older than this is stale. */
export const STALE_MS = 4 * HEARTBEAT_MS;

export interface TrinoRunLockOptions {
  /** Give up after this long (0: try once). */
  readonly timeoutMs: number;
  /** Called once, when the lock is found taken and kiln starts waiting. */
  readonly onWait: () => void;
  /** Time between attempts; 1 s by default (each attempt is a query on the coordinator). */
  readonly pollMs?: number;
  /** After taking over a stale lock, wait this long before checking it is still ours; 2 s by default. */
  readonly settleMs?: number;
  /** Heartbeat period; HEARTBEAT_MS by default (tests shorten it). */
  readonly heartbeatMs?: number;
  /** Staleness threshold; STALE_MS by default. */
  readonly staleMs?: number;
}

/** Runs one statement and returns its rows (a connection of the lock's own). */
export type RunSql = (sql: string) => Promise<readonly (readonly unknown[])[]>;

export interface LockHolder {
  readonly holder: string;
  readonly host: string;
  readonly pid: number;
  /** When the lock was taken and its last heartbeat, as epoch milliseconds of the coordinator's clock. */
  readonly sinceMs: number;
  readonly beatMs: number;
  /** Milliseconds since the last heartbeat, by the coordinator's clock. */
  readonly idleMs: number;
}

const UNKNOWN: LockHolder = { holder: '(unknown)', host: '?', pid: 0, sinceMs: NaN, beatMs: NaN, idleMs: 0 };

const NOW_MS = 'cast(to_unixtime(current_timestamp) * 1000 as bigint)';

export function lockTableName(catalog: string, schema: string): string {
  return [catalog, schema, LOCK_TABLE].map(quoteIdentifier).join('.');
}

/**
 * Waits for the lock on `catalog`.`schema` and returns the release function; on timeout it throws
 * a KilnError naming the holder, without having taken the lock.
 */
export async function acquireTrinoRunLock(sql: RunSql, catalog: string, schema: string, opts: TrinoRunLockOptions): Promise<() => Promise<void>> {
  const table = lockTableName(catalog, schema);
  const me = { holder: `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`, host: os.hostname(), pid: process.pid };
  const poll = opts.pollMs ?? 1000;
  const staleMs = opts.staleMs ?? STALE_MS;
  const deadline = Date.now() + opts.timeoutMs;
  let waited = false;
  let tookOver = false;
  let heldSince = 0;
  for (;;) {
    heldSince = performance.now();
    if (await tryCreate(sql, table, me, `${quoteIdentifier(catalog)}.${quoteIdentifier(schema)}`)) {
      if (!tookOver) break;
      // A takeover: make sure no concurrent takeover dropped ours in the meantime.
      await sleep(opts.settleMs ?? 2000);
      const now = await readHolder(sql, table);
      if (now?.holder === me.holder) break;
      tookOver = false;
      continue;
    }
    const holder = await readHolder(sql, table);
    if (holder === null) {
      // Released between our attempt and the look (or a create not yet visible): try again soon.
      if (Date.now() > deadline) throw lockedError(catalog, schema, UNKNOWN, opts.timeoutMs, staleMs);
      await sleep(Math.min(poll, 100));
      continue;
    }
    if (isStale(holder, staleMs)) {
      // Read again right before dropping: the narrower the window, the rarer the race above.
      const again = await readHolder(sql, table);
      if (again?.holder === holder.holder) {
        await sql(`drop table if exists ${table}`);
        tookOver = true;
      }
      continue;
    }
    if (!waited) {
      waited = true;
      opts.onWait();
    }
    const left = deadline - Date.now();
    if (left <= 0) throw lockedError(catalog, schema, holder, opts.timeoutMs, staleMs);
    await sleep(Math.min(poll, left));
  }
  // When the last statement that wrote our heartbeat (the create, or a beat) was sent: the
  // coordinator stamped it no earlier, so no run can find our lock stale before lastBeat + staleMs
  // (times on the monotonic clock: only elapsed time matters, and a wall-clock step must not shorten it).
  let lastBeat = heldSince;
  const beat = setInterval(() => {
    const sent = performance.now();
    // Only into a table that still names us: once another run took the lock over (our beats had
    // failed for staleMs), a beat of ours must not make its lock look like ours.
    sql(
      `insert into ${table} select ${quoteLiteral(me.holder)}, ${quoteLiteral(me.host)}, ${me.pid}, min(since_ms), ${NOW_MS} from ${table} ` +
        `where holder = ${quoteLiteral(me.holder)} having count(*) > 0`,
    ).then(
      (rows) => {
        if (Number(rows[0]?.[0]) > 0) lastBeat = Math.max(lastBeat, sent);
      },
      () => undefined,
    );
  }, opts.heartbeatMs ?? HEARTBEAT_MS);
  beat.unref();
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    clearInterval(beat);
    // Only our own lock: if it was taken over (we looked dead), the table is someone else's now.
    // A takeover needs our heartbeat to be staleMs old (or this process gone), so while it is
    // well short of that the lock is still ours and the look, a query on the coordinator, is
    // saved. This holds as long as every run judges staleness by the same threshold (STALE_MS).
    if (performance.now() - lastBeat >= staleMs / 2) {
      const holder = await readHolder(sql, table).catch(() => null);
      if (holder?.holder !== me.holder) return;
    }
    await sql(`drop table if exists ${table}`).catch(() => undefined);
  };
}

/** True when this run created the lock table; false when it exists already. */
async function tryCreate(sql: RunSql, table: string, me: { holder: string; host: string; pid: number }, schema: string): Promise<boolean> {
  try {
    await create(sql, table, me);
    return true;
  } catch (e) {
    // The first run on a new schema creates it (the run would, right after).
    if (!(e instanceof KilnError && /^(SCHEMA_NOT_FOUND|NOT_FOUND: Schema)\b/.test(e.message))) return alreadyExists(e);
  }
  await sql(`create schema if not exists ${schema}`);
  try {
    await create(sql, table, me);
    return true;
  } catch (e) {
    return alreadyExists(e);
  }
}

function alreadyExists(e: unknown): false {
  if (e instanceof KilnError && /^TABLE_ALREADY_EXISTS\b|already exists/i.test(e.message)) return false;
  throw e;
}

async function create(sql: RunSql, table: string, me: { holder: string; host: string; pid: number }): Promise<void> {
  await sql(
      `create table ${table} as select ${quoteLiteral(me.holder)} as holder, ${quoteLiteral(me.host)} as host, cast(${me.pid} as bigint) as pid, ` +
      `${NOW_MS} as since_ms, ${NOW_MS} as beat_ms`,
  );
}

/** The holder named by the lock table, or null when there is no lock table. */
export async function readHolder(sql: RunSql, table: string): Promise<LockHolder | null> {
  const query = `select holder, host, pid, min(since_ms), max(beat_ms), ${NOW_MS} from ${table} group by holder, host, pid order by max(beat_ms) desc limit 1`;
  let rows: readonly (readonly unknown[])[];
  try {
    rows = await sql(query);
  } catch (e) {
    if (isGone(e)) return null;
    // A read racing another run's drop fails in connector-specific ways (the memory connector:
    // an internal error; Iceberg: files or metadata gone); once the drop is done the table is
    // simply absent (or a new lock is there). Anything that fails twice is real.
    await sleep(100);
    try {
      rows = await sql(query);
    } catch (again) {
      if (isGone(again)) return null;
      throw again;
    }
  }
  const r = rows[0];
  // An empty table: a create still in flight; treat as held, fresh.
  if (!r) return { holder: '(unknown)', host: '', pid: 0, sinceMs: Date.now(), beatMs: Date.now(), idleMs: 0 };
  const beatMs = Number(r[4]);
  return { holder: String(r[0]), host: String(r[1]), pid: Number(r[2]), sinceMs: Number(r[3]), beatMs, idleMs: Number(r[5]) - beatMs };
}

/** The lock table does not exist (Iceberg: not yet, or no longer, committed). */
function isGone(e: unknown): boolean {
  return e instanceof KilnError && /^(TABLE_NOT_FOUND|ICEBERG_MISSING_METADATA)\b|does not exist/i.test(e.message);
}

function isStale(h: LockHolder, staleMs: number): boolean {
  if (h.idleMs > staleMs) return true;
  return h.host === os.hostname() && h.pid > 0 && h.pid !== process.pid && !processAlive(h.pid);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, under another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lockedError(catalog: string, schema: string, h: LockHolder, timeoutMs: number, staleMs: number): KilnError {
  const since = Number.isFinite(h.sinceMs) ? new Date(h.sinceMs).toISOString() : '?';
  return new KilnError(
    Codes.DATABASE_UNREACHABLE,
    `Another kiln run is building schema "${schema}" in Trino catalog "${catalog}": its run lock (table ${catalog}.${schema}.${LOCK_TABLE}) is held by run ${h.holder} ` +
      `(host ${h.host}, process ${h.pid}, since ${since}, last heartbeat ${Math.max(0, Math.round(h.idleMs / 1000))} s ago); gave up after waiting ${(timeoutMs / 1000).toFixed(1)} s`,
    {
      hint:
        `wait for that run to finish and try again (--lock-timeout sets how long to wait). A run that died leaves its lock behind; kiln takes it over once its heartbeat is ` +
        `${Math.round(staleMs / 1000)} s old (at once on the same host), or drop it yourself: drop table ${lockTableName(catalog, schema)}`,
    },
  );
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
