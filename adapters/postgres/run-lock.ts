// One kiln run at a time per (database, schema): a session-level advisory lock held on a
// dedicated session for the whole run. The server releases it when that session ends, so a
// killed run never leaves a stale lock behind.
import { createHash } from 'node:crypto';
import type { Client } from 'pg';
import { Codes, KilnError } from '../../core/errors.js';

export interface RunLockOptions {
  /** Give up after this long (0: try once). */
  readonly timeoutMs: number;
  /** Called once, when the lock is found taken and kiln starts waiting. */
  readonly onWait: () => void;
  /** Time between attempts; 250 ms by default. */
  readonly pollMs?: number;
}

/** A signed 64-bit key from 'kiln', the database and the schema (length-prefixed, so no two triples collide by concatenation). */
export function runLockKey(database: string, schema: string): bigint {
  const h = createHash('sha256');
  for (const part of ['kiln', database, schema]) h.update(`${Buffer.byteLength(part)}:${part}`);
  return h.digest().readBigInt64BE(0);
}

interface Holder {
  pid: number;
  application: string;
  client: string;
  since: string;
}

/**
 * Waits for the lock on `session` (which the caller dedicates to it) and returns the release
 * function; on timeout it throws without having taken the lock.
 */
export async function acquireRunLock(session: Client, database: string, schema: string, opts: RunLockOptions): Promise<() => Promise<void>> {
  const key = runLockKey(database, schema).toString();
  const deadline = Date.now() + opts.timeoutMs;
  const poll = opts.pollMs ?? 250;
  let waited = false;
  for (;;) {
    const res = await session.query<{ ok: boolean }>('select pg_try_advisory_lock($1::bigint) as ok', [key]);
    if (res.rows[0]?.ok) break;
    if (!waited) {
      waited = true;
      opts.onWait();
    }
    const left = deadline - Date.now();
    if (left <= 0) throw await lockedError(session, key, database, schema, opts.timeoutMs);
    await new Promise((r) => setTimeout(r, Math.min(poll, left)));
  }
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    await session.query('select pg_advisory_unlock($1::bigint)', [key]).catch(() => undefined);
  };
}

async function lockedError(session: Client, key: string, database: string, schema: string, timeoutMs: number): Promise<KilnError> {
  const holder = await whoHolds(session, key).catch(() => null);
  const who = holder
    ? ` by server process ${holder.pid} (application "${holder.application}", client ${holder.client}, connected since ${holder.since})`
    : '';
  return new KilnError(
    Codes.DATABASE_UNREACHABLE,
    `Another kiln run is building schema "${schema}" in database "${database}": its run lock is held${who}; gave up after waiting ${(timeoutMs / 1000).toFixed(1)} s`,
    {
      hint: holder
        ? `wait for that run to finish and try again; if it is stuck, stop it (select pg_terminate_backend(${holder.pid}) ends its session and frees the lock)`
        : 'wait for the other run to finish and try again',
    },
  );
}

/** The session holding the advisory lock: a bigint key is stored as classid (high half) and objid (low half). */
async function whoHolds(session: Client, key: string): Promise<Holder | null> {
  const res = await session.query<{ pid: number; application: string | null; client: string | null; since: string | null }>(
    `select a.pid, a.application_name as application, coalesce(host(a.client_addr), 'local socket') as client,
            to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SS TZ') as since
       from pg_locks l join pg_stat_activity a on a.pid = l.pid
      where l.locktype = 'advisory' and l.granted and l.objsubid = 1
        and l.database = (select oid from pg_database where datname = current_database())
        and l.classid::bigint = (($1::bigint >> 32) & 4294967295) and l.objid::bigint = ($1::bigint & 4294967295)
      limit 1`,
    [key],
  );
  const r = res.rows[0];
  return r ? { pid: r.pid, application: r.application ?? '', client: r.client ?? '', since: r.since ?? '?' } : null;
}
