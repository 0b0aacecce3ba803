// The relation cache, the session pool and cancellation on a real server.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Connection, RelationName } from '../../../adapters/adapter.js';
import { PostgresAdapter } from '../../../adapters/postgres/index.js';
import { PgConnection } from '../../../adapters/postgres/connection.js';
import { KilnError } from '../../../core/errors.js';
import { adminClient, freshDatabase, pgTarget, type FreshDatabase } from '../../helpers/postgres.js';

let db: FreshDatabase;

beforeAll(async () => {
  db = await freshDatabase('adapter');
  const admin = await adminClient(db.database);
  try {
    await admin.query(`
      create schema s;
      create table s.plain (b int, a text, c date);
      alter table s.plain drop column b;
      alter table s.plain add column d numeric(10, 2);
      create view s.v as select 1 as one;
      create materialized view s.mv as select 1 as one;
      create table s.parted (id int) partition by range (id);
      create table s.parted_1 partition of s.parted for values from (0) to (10);
      create sequence s.not_a_relation;
      create index plain_a on s.plain (a);
      create schema "Case Sensitive";
      create table "Case Sensitive"."T" (x int);
      create table "Case Sensitive".t (y int);
    `);
  } finally {
    await admin.end();
  }
});

afterAll(async () => {
  await db?.drop();
});

const rel = (schema: string, identifier: string): RelationName => ({ database: db.database, schema, identifier });

async function withAdapter<T>(threads: number, fn: (a: PostgresAdapter) => Promise<T>, fields: Record<string, unknown> = {}): Promise<T> {
  const adapter = new PostgresAdapter(pgTarget(db.database, { threads, fields }));
  try {
    await adapter.open();
    return await fn(adapter);
  } finally {
    await adapter.close();
  }
}

/** Counts the catalog listings the adapter sends (one per schema on first use). */
function countListings(): { count: () => number; restore: () => void } {
  const spy = vi.spyOn(PgConnection.prototype, 'queryParams');
  return {
    count: () => spy.mock.calls.filter(([sql]) => sql.includes('c.relkind in')).length,
    restore: () => spy.mockRestore(),
  };
}

describe('relation cache', () => {
  it('lists tables, views, materialized views and partitioned tables with one query per schema', async () => {
    const listings = countListings();
    try {
      await withAdapter(1, async (a) => {
        const [first, second] = await Promise.all([a.listRelations(db.database, 's'), a.listRelations(db.database, 's')]);
        expect(second).toEqual(first);
        const byName = Object.fromEntries(first.map((r) => [r.identifier, r.type]));
        expect(byName).toEqual({ plain: 'table', v: 'view', mv: 'view', parted: 'table', parted_1: 'table' });
        expect(await a.getRelation(rel('s', 'v'))).toEqual({ ...rel('s', 'v'), type: 'view' });
        expect(await a.getRelation(rel('s', 'plain_a'))).toBeNull();
        expect(await a.getRelation(rel('s', 'missing'))).toBeNull();
        expect(await a.listRelations(db.database, 'no_such_schema')).toEqual([]);
        expect(listings.count()).toBe(2);
      });
    } finally {
      listings.restore();
    }
  });

  it('compares names exactly, as quoted Postgres identifiers do', async () => {
    await withAdapter(1, async (a) => {
      const names = (await a.listRelations(db.database, 'Case Sensitive')).map((r) => r.identifier).sort();
      expect(names).toEqual(['T', 't']);
      expect(await a.getRelation(rel('Case Sensitive', 'T'))).toMatchObject({ identifier: 'T' });
      expect(await a.listRelations(db.database, 'case sensitive')).toEqual([]);
    });
  });

  it('keeps the listing current through cacheAdded, cacheRenamed and cacheDropped only', async () => {
    await withAdapter(1, async (a) => {
      const conn = await a.acquire();
      await conn.execute('create schema if not exists c1');
      expect(await a.listRelations(db.database, 'c1')).toEqual([]);

      // Created behind the cache's back: not seen until kiln reports it.
      await conn.execute('create table c1.t (x int)');
      expect(await a.getRelation(rel('c1', 't'))).toBeNull();
      a.cacheAdded({ ...rel('c1', 't'), type: 'table' });
      expect(await a.getRelation(rel('c1', 't'))).toEqual({ ...rel('c1', 't'), type: 'table' });

      await conn.execute('alter table c1.t rename to t2');
      a.cacheRenamed(rel('c1', 't'), 't2');
      expect((await a.listRelations(db.database, 'c1')).map((r) => r.identifier)).toEqual(['t2']);

      await conn.execute('drop table c1.t2');
      a.cacheDropped(rel('c1', 't2'));
      expect(await a.listRelations(db.database, 'c1')).toEqual([]);
      a.release(conn);
    });
  });

  it('applies changes reported while the first listing is in flight', async () => {
    await withAdapter(1, async (a) => {
      const listing = a.listRelations(db.database, 's');
      a.cacheAdded({ ...rel('s', 'added_meanwhile'), type: 'table' });
      a.cacheDropped(rel('s', 'v'));
      const names = (await listing).map((r) => r.identifier).sort();
      expect(names).toEqual(['added_meanwhile', 'mv', 'parted', 'parted_1', 'plain']);
    });
  });

  it('reads columns in order with full type names, also inside an open transaction', async () => {
    await withAdapter(1, async (a) => {
      expect(await a.getColumns(rel('s', 'plain'))).toEqual([
        { name: 'a', dataType: 'text', index: 1 },
        { name: 'c', dataType: 'date', index: 2 },
        { name: 'd', dataType: 'numeric(10,2)', index: 3 },
      ]);
      const conn = await a.acquire();
      await conn.begin();
      await conn.execute('create table s.uncommitted (z varchar(5))');
      expect(await a.getColumns(rel('s', 'uncommitted'))).toEqual([]);
      expect(await a.getColumns(rel('s', 'uncommitted'), conn)).toEqual([{ name: 'z', dataType: 'character varying(5)', index: 1 }]);
      await conn.rollback();
      a.release(conn);
    });
  });

  it('lists schemas', async () => {
    await withAdapter(1, async (a) => {
      const schemas = await a.listSchemas(db.database);
      expect(schemas).toEqual(expect.arrayContaining(['public', 's', 'Case Sensitive', 'information_schema', 'pg_catalog']));
      expect(schemas.some((s) => s.startsWith('pg_toast') || s.startsWith('pg_temp_'))).toBe(false);
    });
  });

  it('refuses other databases with a clear error', async () => {
    await withAdapter(1, async (a) => {
      await expect(a.listRelations('other_db', 's')).rejects.toThrow(/cannot list relations of schema "s" in database "other_db": this target is connected to database/);
      await expect(a.listSchemas('other_db')).rejects.toThrow(KilnError);
      await expect(a.getColumns({ database: 'other_db', schema: 's', identifier: 'plain' })).rejects.toThrow(/no cross-database access/);
    });
  });
});

describe('session pool', () => {
  const appName = 'kiln-pool-test';

  async function sessionsOpen(): Promise<number> {
    const admin = await adminClient();
    try {
      const res = await admin.query<{ n: string }>(`select count(*) as n from pg_stat_activity where application_name = $1`, [appName]);
      return Number(res.rows[0].n);
    } finally {
      await admin.end();
    }
  }

  it('never opens more than `threads` worker sessions; callers beyond wait their turn', async () => {
    await withAdapter(
      2,
      async (a) => {
        const c1 = await a.acquire();
        const c2 = await a.acquire();
        let third: Connection | null = null;
        const waiting = a.acquire().then((c) => (third = c));
        await new Promise((r) => setTimeout(r, 150));
        expect(third).toBeNull();
        expect(a.pooledSessions).toBe(2);
        // Two workers plus the metadata session.
        expect(await sessionsOpen()).toBe(3);
        a.release(c1);
        await waiting;
        expect(third).toBe(c1);
        a.release(c2);
        a.release(c1);
        expect(a.pooledSessions).toBe(2);
      },
      { application_name: appName },
    );
    expect(await sessionsOpen()).toBe(0);
  });

  it('runs queries on two sessions in parallel', async () => {
    await withAdapter(2, async (a) => {
      const [c1, c2] = await Promise.all([a.acquire(), a.acquire()]);
      const started = performance.now();
      const pids = await Promise.all([c1, c2].map(async (c) => (await c.query('select pg_backend_pid(), pg_sleep(0.6)')).rows[0][0]));
      const elapsed = performance.now() - started;
      expect(pids[0]).not.toBe(pids[1]);
      expect(elapsed).toBeLessThan(1100);
      a.release(c1);
      a.release(c2);
    });
  });

  it('rolls back a session given back inside a transaction', async () => {
    await withAdapter(1, async (a) => {
      const c = await a.acquire();
      await c.begin();
      await c.execute('create table public.left_open (x int)');
      a.release(c);
      const again = await a.acquire();
      expect(again).toBe(c);
      expect((await again.query(`select to_regclass('public.left_open') is null`)).rows).toEqual([[true]]);
      await again.begin();
      await again.commit();
      a.release(again);
    });
  });

  it('replaces a session the server terminated', async () => {
    await withAdapter(1, async (a) => {
      const c = await a.acquire();
      const pid = (await c.query('select pg_backend_pid()')).rows[0][0];
      a.release(c);
      const admin = await adminClient();
      await admin.query('select pg_terminate_backend($1)', [pid]);
      await admin.end();
      await new Promise((r) => setTimeout(r, 200));
      const fresh = await a.acquire();
      const newPid = (await fresh.query('select pg_backend_pid()')).rows[0][0];
      expect(newPid).not.toBe(pid);
      a.release(fresh);
    });
  });

  it('reopens the metadata session when the server ended it', async () => {
    const app = 'kiln-meta-test';
    await withAdapter(
      1,
      async (a) => {
        const c = await a.acquire();
        const workerPid = (await c.query('select pg_backend_pid()')).rows[0][0];
        const admin = await adminClient();
        await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1 and pid <> $2', [app, workerPid]);
        await admin.end();
        await new Promise((r) => setTimeout(r, 200));
        const [x, y] = await Promise.all([a.listSchemas(db.database), a.listSchemas(db.database)]);
        expect(x).toContain('s');
        expect(y).toEqual(x);
        // Cancelling goes through the metadata session too.
        const running = c.query('select pg_sleep(10)').catch((e: unknown) => e);
        await new Promise((r) => setTimeout(r, 200));
        await c.cancel();
        expect(((await running) as KilnError).code).toBe('KLN504');
        a.release(c);
      },
      { application_name: app },
    );
  });

  it('reports a session lost mid-query as a database error', async () => {
    await withAdapter(1, async (a) => {
      const c = await a.acquire();
      const pid = (await c.query('select pg_backend_pid()')).rows[0][0];
      const running = c.query('select pg_sleep(5)').catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 200));
      const admin = await adminClient();
      await admin.query('select pg_terminate_backend($1)', [pid]);
      await admin.end();
      const e = (await running) as KilnError;
      expect(e).toBeInstanceOf(KilnError);
      expect(e.code).toBe('KLN501');
      expect(e.message).toMatch(/terminating connection due to administrator command|lost the connection/);
      a.release(c);
      const next = await a.acquire();
      expect((await next.query('select 1')).rows).toEqual([[1]]);
      a.release(next);
    });
  });
});

describe('cancel()', () => {
  it('stops a running statement quickly and leaves the session usable', async () => {
    await withAdapter(2, async (a) => {
      const c = await a.acquire();
      const started = performance.now();
      const running = c.query('select pg_sleep(10)').catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 200));
      await c.cancel();
      const e = (await running) as KilnError;
      const elapsed = performance.now() - started;
      expect(e).toBeInstanceOf(KilnError);
      expect(e.code).toBe('KLN504');
      expect(elapsed).toBeLessThan(3000);
      expect((await c.query('select 1')).rows).toEqual([[1]]);
      a.release(c);
    });
  });

  it('cancels inside a transaction, which the caller then rolls back', async () => {
    await withAdapter(1, async (a) => {
      const c = await a.acquire();
      await c.begin();
      await c.execute('create table public.cancelled_build (x int)');
      const running = c.execute('select pg_sleep(10)').catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 200));
      await c.cancel();
      expect(((await running) as KilnError).code).toBe('KLN504');
      await c.rollback();
      expect((await c.query(`select to_regclass('public.cancelled_build') is null`)).rows).toEqual([[true]]);
      a.release(c);
    });
  });

  it('tells a statement_timeout apart from a cancel', async () => {
    await withAdapter(1, async (a) => {
      const c = await a.acquire();
      await c.execute(`set statement_timeout = '100ms'`);
      const e = (await c.query('select pg_sleep(2)').catch((x: unknown) => x)) as KilnError;
      expect(e.code).toBe('KLN501');
      expect(e.message).toMatch(/statement timeout/);
      await c.execute('reset statement_timeout');
      a.release(c);
    });
  });

  it('does nothing on an idle session', async () => {
    await withAdapter(1, async (a) => {
      const c = await a.acquire();
      await c.cancel();
      expect((await c.query('select 2')).rows).toEqual([[2]]);
      a.release(c);
    });
  });
});
