// Opening, running SQL, converting values, mapping errors.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Codes, KilnError } from '../../../core/errors.js';
import { duckdbAdapterFactory } from '../../../adapters/duckdb/index.js';
import { versionHasMerge } from '../../../adapters/duckdb/adapter.js';
import { catalogForPath } from '../../../adapters/duckdb/profile.js';
import { makeAdapter, target, tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

async function withConn<T>(fields: Record<string, unknown>, fn: (c: Awaited<ReturnType<ReturnType<typeof makeAdapter>['acquire']>>) => Promise<T>): Promise<T> {
  const adapter = makeAdapter(tmp.dir, fields);
  await adapter.open();
  const conn = await adapter.acquire();
  try {
    return await fn(conn);
  } finally {
    adapter.release(conn);
    await adapter.close();
  }
}

const memory = { path: ':memory:' };

describe('opening', () => {
  it('the factory serves type duckdb and resolves a relative path against the project root', async () => {
    expect(duckdbAdapterFactory.type).toBe('duckdb');
    const adapter = makeAdapter(tmp.dir, { path: 'nested/deeper/shop.duckdb' });
    expect(adapter.database).toBe('shop');
    await adapter.open();
    expect(existsSync(join(tmp.dir, 'nested/deeper/shop.duckdb'))).toBe(true);
    expect(adapter.database).toBe('shop');
    expect(adapter.formatterDialect).toBe('duckdb');
    expect(adapter.capabilities).toMatchObject({ supportsTransactionalDdl: true, supportsCreateOrReplaceView: true, supportsMerge: true });
    await adapter.close();
    await adapter.close(); // idempotent
  });

  it('a missing path means an in-memory database, catalog `memory`', async () => {
    const adapter = makeAdapter(tmp.dir, {});
    await adapter.open();
    expect(adapter.database).toBe('memory');
    await adapter.close();
  });

  it('names the catalog like DuckDB: file name up to the first dot', () => {
    expect(catalogForPath('/x/my.db.duckdb')).toBe('my');
    expect(catalogForPath('/x/Upper-Case.duckdb')).toBe('Upper-Case');
    expect(catalogForPath('/x/noext')).toBe('noext');
    expect(catalogForPath(':memory:')).toBe('memory');
  });

  it('a named in-memory database is not taken for a file (here or in the working folder)', async () => {
    const adapter = makeAdapter(tmp.dir, { path: ':memory:scratch' });
    await adapter.open();
    const conn = await adapter.acquire();
    await conn.execute('create table t as select 1 as id');
    adapter.release(conn);
    expect(existsSync(join(tmp.dir, ':memory:scratch'))).toBe(false);
    expect(existsSync(join(process.cwd(), ':memory:scratch'))).toBe(false);
    expect(adapter.database).toBe('memory');
    await adapter.close();
  });

  it('a profile database that does not match the file is a config error', async () => {
    const adapter = duckdbAdapterFactory.create(target({ path: join(tmp.dir, 'a.duckdb'), database: 'other' }), tmp.dir);
    await expect(adapter.open()).rejects.toMatchObject({ code: Codes.CONFIG_INVALID, message: expect.stringMatching(/'other'.*'a'/) });
  });

  it('applies settings to every connection and rejects bad ones clearly', async () => {
    const adapter = makeAdapter(tmp.dir, { ...memory, settings: { threads: 1, default_order: 'desc', TimeZone: 'UTC' } });
    await adapter.open();
    const [a, b] = await Promise.all([adapter.acquire(), adapter.acquire()]);
    expect(a).not.toBe(b);
    for (const c of [a, b]) {
      expect((await c.query(`select current_setting('threads'), current_setting('default_order')`)).rows).toEqual([[1, 'DESC']]);
    }
    await adapter.close();
    const bad = makeAdapter(tmp.dir, { ...memory, settings: { no_such_setting: 1 } });
    await expect(bad.open()).rejects.toMatchObject({ code: Codes.CONFIG_INVALID, message: expect.stringMatching(/no_such_setting/) });
    expect(() => makeAdapter(tmp.dir, { ...memory, settings: { 'x; drop': 1 } })).toThrow(KilnError);
  });

  it('loads built-in extensions; a missing one fails at once saying it is not installed / offline', async () => {
    await withConn({ ...memory, extensions: ['parquet', 'json'] }, async (c) => {
      expect((await c.query(`select json_extract('{"a": 1}', '$.a')::int`)).rows).toEqual([[1]]);
    });
    const adapter = makeAdapter(tmp.dir, { ...memory, extensions: ['spatial'] });
    const t0 = Date.now();
    const err = await adapter.open().catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(err).toBeInstanceOf(KilnError);
    expect(err).toMatchObject({ code: Codes.DATABASE_UNREACHABLE, message: expect.stringMatching(/"spatial" is not installed.*offline/) });
    expect((err as KilnError).hint).toMatch(/INSTALL spatial/);
  });

  it('rejects malformed profile fields', () => {
    expect(() => makeAdapter(tmp.dir, { path: 3 })).toThrow(expect.objectContaining({ code: Codes.CONFIG_INVALID }));
    expect(() => makeAdapter(tmp.dir, { extensions: 'json' })).toThrow(expect.objectContaining({ code: Codes.CONFIG_INVALID }));
  });

  it('knows from which version MERGE exists', () => {
    expect(versionHasMerge('v1.3.2')).toBe(false);
    expect(versionHasMerge('v1.4.0')).toBe(true);
    expect(versionHasMerge('v2.0.0')).toBe(true);
  });
});

describe('query values', () => {
  it('converts DuckDB types to plain JS values', async () => {
    await withConn(memory, async (c) => {
      const res = await c.query(`select
        1::bigint as small_big, 9007199254740993::bigint as huge_big, 170141183460469231731687303715884105727::hugeint as hi,
        12.50::decimal(10,2) as dec, 12345678901234567890.12::decimal(38,2) as wide_dec, 1.5::double as dbl, 42 as i,
        date '2024-01-02' as d, timestamp '2024-01-02 03:04:05' as ts, timestamp '2024-01-02 03:04:05.123456' as ts_us,
        true as b, null as n, 'x' as s, [1, 2] as l, {'k': 3::bigint} as st, uuid '00000000-0000-0000-0000-000000000001' as u,
        interval 1 day as iv, time '01:02:03' as tm`);
      expect(res.columns).toEqual(['small_big', 'huge_big', 'hi', 'dec', 'wide_dec', 'dbl', 'i', 'd', 'ts', 'ts_us', 'b', 'n', 's', 'l', 'st', 'u', 'iv', 'tm']);
      expect(res.rows).toEqual([
        [
          1,
          '9007199254740993',
          '170141183460469231731687303715884105727',
          12.5,
          '12345678901234567890.12',
          1.5,
          42,
          '2024-01-02',
          '2024-01-02 03:04:05',
          '2024-01-02 03:04:05.123456',
          true,
          null,
          'x',
          [1, 2],
          { k: 3 },
          '00000000-0000-0000-0000-000000000001',
          '1 day',
          '01:02:03',
        ],
      ]);
    });
  });

  it('runs several statements and returns the last result', async () => {
    await withConn(memory, async (c) => {
      expect(await c.query('select 1 as a; select 2 as b')).toEqual({ columns: ['b'], rows: [[2]] });
      expect(await c.query('-- nothing\n ; ')).toEqual({ columns: [], rows: [] });
    });
  });
});

describe('execute', () => {
  it('reports rows affected and a short message', async () => {
    await withConn(memory, async (c) => {
      expect(await c.execute('create table t as select * from range(5)')).toEqual({ rowsAffected: 5, message: 'CREATE 5' });
      expect(await c.execute('create table u (a integer)')).toEqual({ rowsAffected: null, message: 'CREATE' });
      expect(await c.execute('insert into u select * from range(3)')).toEqual({ rowsAffected: 3, message: 'INSERT 3' });
      expect(await c.execute('update u set a = 0 where a > 0')).toEqual({ rowsAffected: 2, message: 'UPDATE 2' });
      expect(await c.execute('delete from u')).toEqual({ rowsAffected: 3, message: 'DELETE 3' });
      expect(await c.execute('create table v (a int); insert into v values (1), (2)')).toEqual({ rowsAffected: 2, message: 'INSERT 2' });
      expect(await c.execute('drop table v')).toEqual({ rowsAffected: null, message: 'DROP' });
      expect(await c.execute('set threads = 2')).toEqual({ rowsAffected: null, message: 'OK' });
      expect(await c.execute('select * from t')).toEqual({ rowsAffected: 5, message: 'SELECT 5' });
      expect(await c.execute('  -- only a comment\n')).toEqual({ rowsAffected: null, message: 'OK' });
    });
  });

  it('turns database errors into KilnErrors carrying DuckDB’s message', async () => {
    await withConn(memory, async (c) => {
      const err = await c.execute('select * from nope').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KilnError);
      expect(err).toMatchObject({ code: Codes.DATABASE_ERROR, message: expect.stringMatching(/^Catalog Error: Table with name nope does not exist!/) });
      const parse = await c.query('selec 1').catch((e: unknown) => e);
      expect(parse).toMatchObject({ code: Codes.DATABASE_ERROR, message: expect.stringMatching(/^Parser Error: syntax error at or near "selec"/) });
      // The connection is still usable.
      expect((await c.query('select 1 as x')).rows).toEqual([[1]]);
    });
  });

  it('cancel() interrupts the statement in flight with a CANCELLED error', async () => {
    await withConn(memory, async (c) => {
      const running = c.query('select count(*) from range(100000000000) t(i) where hash(i) % 7 = 3');
      await new Promise((r) => setTimeout(r, 200));
      const t0 = Date.now();
      await c.cancel();
      await expect(running).rejects.toMatchObject({ code: Codes.CANCELLED });
      expect(Date.now() - t0).toBeLessThan(2000);
      await c.cancel(); // idle: harmless
      expect((await c.query('select 1 as x')).rows).toEqual([[1]]);
    });
  });
});
