// The run lock: a second kiln run on the same (database, schema) waits for the first, or gives
// up after its timeout with an error that says who holds the lock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresAdapter, runLockKey } from '../../../adapters/postgres/index.js';
import { KilnError } from '../../../core/errors.js';
import { freshDatabase, type FreshDatabase } from '../../helpers/postgres.js';

let db: FreshDatabase;
const adapters: PostgresAdapter[] = [];

beforeAll(async () => {
  db = await freshDatabase('lock');
});

afterAll(async () => {
  await Promise.all(adapters.map((a) => a.close()));
  await db?.drop();
});

function run(schema = 'kiln'): PostgresAdapter {
  const a = new PostgresAdapter({ ...db.config, schema, fields: { ...db.config.fields, schema } });
  adapters.push(a);
  return a;
}

describe('acquireRunLock', () => {
  it('makes a second run wait, then give up with a clear error', async () => {
    const first = run();
    const second = run();
    let firstWaits = 0;
    const release = await first.acquireRunLock({ timeoutMs: 1000, onWait: () => firstWaits++ });
    expect(firstWaits).toBe(0);

    let waits = 0;
    const started = Date.now();
    const err = await second.acquireRunLock({ timeoutMs: 800, onWait: () => waits++ }).catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(waits).toBe(1);
    expect(elapsed).toBeGreaterThanOrEqual(750);
    expect(elapsed).toBeLessThan(3000);
    expect(err).toBeInstanceOf(KilnError);
    const k = err as KilnError;
    expect(k.code).toBe('KLN502');
    expect(k.message).toMatch(
      new RegExp(`^Another kiln run is building schema "kiln" in database "${db.database}": its run lock is held by server process \\d+ \\(application "kiln", client 127\\.0\\.0\\.1, connected since .+\\); gave up after waiting 0\\.8 s$`),
    );
    expect(k.hint).toMatch(/pg_terminate_backend\(\d+\)/);
    await release();
  });

  it('lets the waiting run continue as soon as the first one releases', async () => {
    const first = run();
    const second = run();
    const release = await first.acquireRunLock({ timeoutMs: 0, onWait: () => undefined });
    let waits = 0;
    const waiting = second.acquireRunLock({ timeoutMs: 10_000, onWait: () => waits++, pollMs: 50 });
    await new Promise((r) => setTimeout(r, 300));
    await release();
    const started = Date.now();
    const releaseSecond = await waiting;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(waits).toBe(1);
    await releaseSecond();
  });

  it('is freed when the holding run ends without releasing (its session closes)', async () => {
    const first = run();
    await first.acquireRunLock({ timeoutMs: 0, onWait: () => undefined });
    await first.close();
    const second = run();
    const release = await second.acquireRunLock({ timeoutMs: 0, onWait: () => undefined });
    await release();
  });

  it('does not block runs on another schema', async () => {
    const a = run('kiln');
    const b = run('kiln_other');
    const ra = await a.acquireRunLock({ timeoutMs: 0, onWait: () => undefined });
    const rb = await b.acquireRunLock({ timeoutMs: 0, onWait: () => undefined });
    await Promise.all([ra(), rb()]);
  });

  it('derives distinct keys from database and schema', () => {
    expect(runLockKey('db', 'schema')).toBe(runLockKey('db', 'schema'));
    expect(runLockKey('db', 'schema')).not.toBe(runLockKey('dbs', 'chema'));
    expect(runLockKey('db', 'schema')).not.toBe(runLockKey('db', 'other'));
  });
});
