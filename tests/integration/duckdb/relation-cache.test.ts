// The relation cache: listed once per schema, then kept current by kiln's notifications.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connection, Relation } from '../../../adapters/adapter.js';
import type { DuckDBAdapter } from '../../../adapters/duckdb/adapter.js';
import { RelationCache } from '../../../adapters/duckdb/relation-cache.js';
import { makeAdapter, tempDir } from './helpers.js';

describe('relation cache (DuckDB)', () => {
  const tmp = tempDir();
  let adapter: DuckDBAdapter;
  let conn: Connection;
  const rel = (identifier: string, type: Relation['type'] = 'table', schema = 'main'): Relation => ({ database: adapter.database, schema, identifier, type });
  const names = async (schema = 'main') => (await adapter.listRelations(adapter.database, schema)).map((r) => `${r.identifier}:${r.type}`).sort();

  beforeEach(async () => {
    adapter = makeAdapter(tmp.dir, { path: ':memory:' });
    await adapter.open();
    conn = await adapter.acquire();
    await conn.execute('create table orders as select 1 as id; create view recent as select * from orders');
  });
  afterEach(async () => {
    adapter.release(conn);
    await adapter.close();
  });

  it('lists tables and views of a schema from the database', async () => {
    expect(await names()).toEqual(['orders:table', 'recent:view']);
    expect(await adapter.getRelation(rel('orders'))).toEqual({ database: 'memory', schema: 'main', identifier: 'orders', type: 'table' });
    expect(await adapter.getRelation(rel('nope'))).toBeNull();
  });

  it('serves from memory after the first listing', async () => {
    await names();
    await conn.execute('create table untracked (a int)');
    expect(await names()).not.toContain('untracked:table');
  });

  it('follows cacheAdded / cacheRenamed / cacheDropped', async () => {
    await names();
    await conn.execute(adapter.dialect.createTableAs(rel('t__tmp'), 'select 1 as a'));
    adapter.cacheAdded(rel('t__tmp'));
    expect(await adapter.getRelation(rel('t__tmp'))).not.toBeNull();
    await conn.execute(adapter.dialect.rename(rel('t__tmp'), 't'));
    adapter.cacheRenamed(rel('t__tmp'), 't');
    expect(await adapter.getRelation(rel('t__tmp'))).toBeNull();
    expect(await adapter.getRelation(rel('t'))).toMatchObject({ identifier: 't', type: 'table' });
    await conn.execute(adapter.dialect.drop(rel('recent', 'view')));
    adapter.cacheDropped(rel('recent', 'view'));
    expect(await names()).toEqual(['orders:table', 't:table']);
  });

  it('matches names case-insensitively but reports DuckDB’s spelling', async () => {
    await conn.execute('create table "MixedCase" (a int)');
    const found = await adapter.getRelation({ database: 'MEMORY', schema: 'MAIN', identifier: 'mixedcase' });
    expect(found).toEqual({ database: 'memory', schema: 'main', identifier: 'MixedCase', type: 'table' });
    adapter.cacheDropped({ database: 'memory', schema: 'main', identifier: 'MIXEDCASE' });
    expect(await adapter.getRelation(rel('MixedCase'))).toBeNull();
  });

  it('a schema never listed is fetched on demand, including relations added before', async () => {
    await conn.execute(adapter.dialect.createSchema(adapter.database, 'staging'));
    await conn.execute(adapter.dialect.createTableAs(rel('s1', 'table', 'staging'), 'select 1 as a'));
    adapter.cacheAdded(rel('s1', 'table', 'staging')); // ignored: the listing will show it
    expect(await names('staging')).toEqual(['s1:table']);
    expect(await names('empty_schema')).toEqual([]);
  });

  it('lists schemas of a database', async () => {
    await conn.execute(adapter.dialect.createSchema(adapter.database, 'marts'));
    const schemas = await adapter.listSchemas(adapter.database);
    expect(schemas).toContain('main');
    expect(schemas).toContain('marts');
    expect(await adapter.listSchemas('MEMORY')).toContain('marts');
  });

  it('getColumns returns columns in order with DuckDB type names', async () => {
    await conn.execute('create table wide (z varchar, a integer, m decimal(10,2), d date)');
    expect(await adapter.getColumns(rel('wide'))).toEqual([
      { name: 'z', dataType: 'VARCHAR', index: 1 },
      { name: 'a', dataType: 'INTEGER', index: 2 },
      { name: 'm', dataType: 'DECIMAL(10,2)', index: 3 },
      { name: 'd', dataType: 'DATE', index: 4 },
    ]);
    expect(await adapter.getColumns(rel('missing'))).toEqual([]);
  });

  it('getColumns through a connection sees that connection’s uncommitted relation', async () => {
    await conn.begin();
    await conn.execute(adapter.dialect.createTableAs(rel('in_tx'), 'select 1 as a, 2 as b'));
    expect(await adapter.getColumns(rel('in_tx'))).toEqual([]);
    expect((await adapter.getColumns(rel('in_tx'), conn)).map((c) => c.name)).toEqual(['a', 'b']);
    await conn.rollback();
  });
});

describe('RelationCache', () => {
  const r = (identifier: string): Relation => ({ database: 'db', schema: 's', identifier, type: 'table' });

  it('lists once, even for concurrent callers, and replays changes made while listing', async () => {
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((res) => (release = res));
    const cache = new RelationCache(async () => {
      calls++;
      await gate;
      return [r('a'), r('old')];
    });
    const first = cache.list('db', 's');
    const second = cache.get(r('a'));
    cache.added(r('b'));
    cache.renamed(r('old'), 'new');
    cache.dropped(r('a'));
    release();
    expect((await first).map((x) => x.identifier).sort()).toEqual(['b', 'new']);
    expect(await second).toBeNull();
    expect(calls).toBe(1);
  });

  it('a failed listing is retried next time', async () => {
    let calls = 0;
    const cache = new RelationCache(async () => {
      if (calls++ === 0) throw new Error('boom');
      return [r('a')];
    });
    await expect(cache.list('db', 's')).rejects.toThrow('boom');
    expect((await cache.list('db', 's')).length).toBe(1);
  });
});
