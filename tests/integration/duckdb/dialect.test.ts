// The DuckDB dialect's SQL text, and that DuckDB accepts it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '../../../adapters/adapter.js';
import type { DuckDBAdapter } from '../../../adapters/duckdb/adapter.js';
import { duckdbDialect as d } from '../../../adapters/duckdb/dialect.js';
import { makeAdapter, tempDir } from './helpers.js';

const rel = { database: 'db', schema: 'sch', identifier: 'my "odd" name' };

describe('duckdbDialect text', () => {
  it('quotes identifiers and literals', () => {
    expect(d.quoteIdentifier('a"b')).toBe('"a""b"');
    expect(d.quoteLiteral("it's")).toBe("'it''s'");
    expect(d.quoteLiteral('back\\slash')).toBe("'back\\slash'");
    expect(d.quoteLiteral(null)).toBe('null');
    expect(d.quoteLiteral(true)).toBe('true');
    expect(d.quoteLiteral(1.5)).toBe('1.5');
    expect(d.quoteLiteral(Number.NaN)).toBe("'NaN'::DOUBLE");
  });

  it('renders relations and DDL', () => {
    expect(d.renderRelation(rel)).toBe('"db"."sch"."my ""odd"" name"');
    expect(d.createSchema('db', 'sch')).toBe('create schema if not exists "db"."sch"');
    expect(d.createTableAs(rel, 'select 1;\n')).toBe('create table "db"."sch"."my ""odd"" name" as (\nselect 1\n)');
    expect(d.createViewAs(rel, 'select 1 -- trailing comment')).toBe('create view "db"."sch"."my ""odd"" name" as (\nselect 1 -- trailing comment\n)');
    expect(d.createTable(rel, [{ name: 'Id', sqlType: 'INTEGER' }, { name: 'x y', sqlType: 'VARCHAR' }], true)).toBe(
      'create table "db"."sch"."my ""odd"" name" (\n  "Id" INTEGER,\n  "x y" VARCHAR\n)',
    );
    expect(d.createTable(rel, [{ name: 'Id', sqlType: 'INTEGER' }], false)).toBe('create table "db"."sch"."my ""odd"" name" (\n  Id INTEGER\n)');
    expect(d.rename({ ...rel, type: 'view' }, 'new')).toBe('alter view "db"."sch"."my ""odd"" name" rename to "new"');
    expect(d.drop({ ...rel, type: 'table' }, { cascade: true })).toBe('drop table if exists "db"."sch"."my ""odd"" name" cascade');
    expect(d.drop({ ...rel, type: 'view' })).toBe('drop view if exists "db"."sch"."my ""odd"" name"');
  });

  it('maps seed types', () => {
    expect(['integer', 'bigint', 'numeric', 'boolean', 'date', 'timestamp', 'text'].map((t) => d.seedType(t as Parameters<typeof d.seedType>[0]))).toEqual([
      'INTEGER',
      'BIGINT',
      'DOUBLE',
      'BOOLEAN',
      'DATE',
      'TIMESTAMP',
      'VARCHAR',
    ]);
  });
});

describe('duckdbDialect against DuckDB', () => {
  const tmp = tempDir();
  let adapter: DuckDBAdapter;
  let conn: Connection;
  beforeAll(async () => {
    adapter = makeAdapter(tmp.dir, { path: `${tmp.dir}/dialect.duckdb` });
    await adapter.open();
    conn = await adapter.acquire();
  });
  afterAll(async () => {
    adapter.release(conn);
    await adapter.close();
    tmp.cleanup();
  });

  it('every statement runs, odd names included', async () => {
    const r = { database: adapter.database, schema: 'Odd Schema', identifier: 'it\'s "x"' };
    await conn.execute(d.createSchema(r.database, r.schema));
    await conn.execute(d.createSchema(r.database, r.schema)); // if not exists
    await conn.execute(d.createTableAs(r, `select ${d.quoteLiteral("it's")} as s, 1 as n -- comment`));
    expect((await conn.query(`select * from ${d.renderRelation(r)}`)).rows).toEqual([["it's", 1]]);
    await conn.execute(d.rename({ ...r, type: 'table' }, 'renamed'));
    const renamed = { ...r, identifier: 'renamed' };
    await conn.execute(d.createViewAs({ ...r, identifier: 'v' }, `select * from ${d.renderRelation(renamed)};`));
    expect((await conn.query(`select n from ${d.renderRelation({ ...r, identifier: 'v' })}`)).rows).toEqual([[1]]);
    await conn.execute(d.drop({ ...r, identifier: 'v', type: 'view' }));
    await conn.execute(d.drop({ ...renamed, type: 'table' }, { cascade: true }));
    await conn.execute(d.drop({ ...renamed, type: 'table' })); // if exists
    await conn.execute(d.createTable(r, [{ name: 'A b', sqlType: d.seedType('text') }], true));
    expect((await adapter.getColumns(r)).map((c) => c.name)).toEqual(['A b']);
  });
});
