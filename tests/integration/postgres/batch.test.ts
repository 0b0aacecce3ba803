// Connection.executeBatch on a real server: a plan's transaction sent as one multi-statement
// query where nothing needs reading from the catalog first, the same results as one statement
// at a time, errors told against the statement at fault, and the views on a rebuilt relation
// still kept across the swap.
import type { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Relation, RelationName } from '../../../adapters/adapter.js';
import type { PgConnection } from '../../../adapters/postgres/connection.js';
import { PostgresAdapter } from '../../../adapters/postgres/index.js';
import { StatementError } from '../../../core/sql-position.js';
import { freshDatabase, type FreshDatabase } from '../../helpers/postgres.js';

let db: FreshDatabase;
let adapter: PostgresAdapter;
let conn: PgConnection;
let other: PgConnection;

beforeAll(async () => {
  db = await freshDatabase('batch', { threads: 2 });
  adapter = new PostgresAdapter(db.config);
  await adapter.open();
  conn = (await adapter.acquire()) as PgConnection;
  other = (await adapter.acquire()) as PgConnection;
  await conn.execute(adapter.dialect.createSchema(db.database, 'kiln'));
});

afterAll(async () => {
  if (conn) adapter.release(conn);
  if (other) adapter.release(other);
  await adapter?.close();
  await db?.drop();
});

const rel = (identifier: string, type: Relation['type'] = 'view'): Relation => ({ database: db.database, schema: 'kiln', identifier, type });

/** Counts what the session sends to the server (each client.query is one round trip). */
async function roundTrips<T>(c: PgConnection, fn: () => Promise<T>): Promise<{ result: T; trips: number }> {
  const client = c.client as Client & { query: Client['query'] };
  const original = client.query.bind(client);
  let trips = 0;
  (client as { query: unknown }).query = (...args: Parameters<Client['query']>) => {
    trips++;
    return (original as (...a: unknown[]) => unknown)(...args);
  };
  try {
    return { result: await fn(), trips };
  } finally {
    (client as { query: unknown }).query = original;
  }
}

/** The statements of a swap (tmp built, old moved aside if any, tmp moved into place, old dropped), as the plan writes them. */
function swap(name: string, body: string, existing: Relation | null): ({ sql: string } | 'begin' | 'commit')[] {
  const d = adapter.dialect;
  const tmp = rel(`${name}__dbt_tmp`, 'view');
  const backup = `${name}__dbt_backup`;
  return [
    'begin',
    { sql: d.createViewAs(tmp, body) },
    ...(existing ? [{ sql: d.rename(existing, backup) }] : []),
    { sql: d.rename(tmp, name) },
    ...(existing ? [{ sql: d.drop({ ...existing, identifier: backup }, { cascade: true }) }] : []),
    'commit',
  ];
}

async function viewsIn(): Promise<string[]> {
  const res = await other.query(`select viewname from pg_views where schemaname = 'kiln' order by 1`);
  return res.rows.map((r) => String(r[0]));
}

describe('executeBatch', () => {
  it('builds a new view in one round trip, with a result per item', async () => {
    const { result, trips } = await roundTrips(conn, () => conn.executeBatch(swap('v1', 'select 1 as id', null)));
    expect(trips).toBe(1);
    expect(result.map((r) => r.message)).toEqual(['BEGIN', 'CREATE VIEW', 'ALTER VIEW', 'COMMIT']);
    expect(await viewsIn()).toEqual(['v1']);
    expect((await other.query('select id from kiln.v1')).rows).toEqual([[1]]);
  });

  it('rebuilds a view nothing depends on in three round trips: build, look for views on the old one, swap', async () => {
    const { trips } = await roundTrips(conn, () => conn.executeBatch(swap('v1', 'select 2 as id', rel('v1'))));
    expect(trips).toBe(3);
    expect(await viewsIn()).toEqual(['v1']);
    expect((await other.query('select id from kiln.v1')).rows).toEqual([[2]]);
  });

  it('keeps the views built on a rebuilt relation, as one statement at a time does', async () => {
    await conn.execute(`create view kiln.on_v1 as select id * 10 as x from kiln.v1`);
    await conn.executeBatch(swap('v1', 'select 3 as id', rel('v1')));
    expect(await viewsIn()).toEqual(['on_v1', 'v1']);
    expect((await other.query('select x from kiln.on_v1')).rows).toEqual([[30]]);
    // The relation cache was told nothing was lost.
    expect(await adapter.getRelation(rel('on_v1'))).not.toBeNull();
  });

  it('fails at the statement at fault, pointing into it; the transaction stays open for the caller to roll back', async () => {
    const items = swap('v2', 'select 1 as id,\n  no_such_column as y', null);
    const err = await conn.executeBatch(items).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StatementError);
    const s = err as StatementError;
    expect(s.statement).toBe((items[1] as { sql: string }).sql);
    expect(s.message).toMatch(/column "no_such_column" does not exist\nLINE 3:   no_such_column as y\n\s+\^/);
    expect(conn.inTransaction).toBe(true);
    await conn.rollback();
    expect(conn.inTransaction).toBe(false);
    expect(await viewsIn()).toEqual(['on_v1', 'v1']);
  });

  it('tells each statement of a batch its own tag and row count', async () => {
    const d = adapter.dialect;
    const t: RelationName = rel('t_counts', 'table');
    const { result, trips } = await roundTrips(conn, () =>
      conn.executeBatch(['begin', { sql: d.createTableAs(t, 'select 1 as v') }, { sql: 'insert into kiln.t_counts select g from generate_series(1, 3) g' }, { sql: 'delete from kiln.t_counts where v < 3' }, 'commit']),
    );
    expect(trips).toBe(1);
    expect(result.map((r) => [r.message, r.rowsAffected])).toEqual([
      ['BEGIN', null],
      ['SELECT 1', 1],
      ['INSERT 0 3', 3],
      ['DELETE 3', 3],
      ['COMMIT', null],
    ]);
  });

  it('runs statements outside a transaction one by one (a batch would make them one transaction)', async () => {
    const d = adapter.dialect;
    const t: RelationName = rel('t_out', 'table');
    const { result, trips } = await roundTrips(conn, () => conn.executeBatch([{ sql: d.createTableAs(t, 'select 1 as v') }, { sql: 'insert into kiln.t_out values (2)' }]));
    expect(trips).toBe(2);
    expect(result.map((r) => [r.message, r.rowsAffected])).toEqual([
      ['SELECT 1', 1],
      ['INSERT 0 1', 1],
    ]);
  });
});
