// Quoting, literals, value conversion and the dialect's DDL against a real server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection, Relation, RelationName, SeedColumnType } from '../../../adapters/adapter.js';
import { PostgresAdapter } from '../../../adapters/postgres/index.js';
import { KilnError } from '../../../core/errors.js';
import { suffixed } from '../../../core/materializations/plan.js';
import { freshDatabase, type FreshDatabase } from '../../helpers/postgres.js';

let db: FreshDatabase;
let adapter: PostgresAdapter;
let conn: Connection;

beforeAll(async () => {
  db = await freshDatabase('dialect');
  adapter = new PostgresAdapter(db.config);
  await adapter.open();
  conn = await adapter.acquire();
  await conn.execute(adapter.dialect.createSchema(db.database, 'kiln'));
});

afterAll(async () => {
  if (conn) adapter.release(conn);
  await adapter?.close();
  await db?.drop();
});

const rel = (identifier: string, schema = 'kiln'): RelationName => ({ database: db.database, schema, identifier });

describe('quoting', () => {
  const names = ['plain', 'MixedCase', 'with space', 'dquote"inside', "squote'inside", 'ünïcödé 表', 'select', '1starts_with_digit', 'semi;colon', 'back\\slash'];

  it.each(names)('round-trips identifier %j as a table and a column name', async (name) => {
    const d = adapter.dialect;
    const table = rel(`t_${name}`);
    await conn.execute(`create table ${d.renderRelation(table)} (${d.quoteIdentifier(name)} int)`);
    await conn.execute(`insert into ${d.renderRelation(table)} (${d.quoteIdentifier(name)}) values (1)`);
    const res = await conn.query(`select ${d.quoteIdentifier(name)} from ${d.renderRelation(table)}`);
    expect(res.columns).toEqual([name]);
    expect(res.rows).toEqual([[1]]);
    expect(await adapter.getColumns(table)).toEqual([{ name, dataType: 'integer', index: 1 }]);
  });

  const strings = ['', 'plain', "it's", "''", 'back\\slash \\n not a newline', 'line\nbreak\r\ttab', '$$dollar$$', 'ünïcödé 表 🎉', '--not a comment', '/* nor this */', 'E\'x\''];

  it.each(strings)('round-trips string literal %j', async (s) => {
    const res = await conn.query(`select ${adapter.dialect.quoteLiteral(s)} as v`);
    expect(res.rows[0][0]).toBe(s);
  });

  it('renders numbers, booleans and null as literals', async () => {
    const q = adapter.dialect.quoteLiteral;
    const res = await conn.query(
      `select ${q(42)} a, ${q(-1.5)} b, ${q(1e21)} c, ${q(true)} d, ${q(false)} e, ${q(null)} is null f, ${q(Number.NaN)} g, ${q(Number.POSITIVE_INFINITY)} h, ${q(Number.NEGATIVE_INFINITY)} i`,
    );
    expect(res.rows[0]).toEqual([42, -1.5, '1000000000000000000000', true, false, true, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
  });

  it('renders three-part names that Postgres resolves in the connected database', async () => {
    expect(adapter.dialect.renderRelation(rel('x'))).toBe(`"${db.database}"."kiln"."x"`);
    await conn.execute(`create view ${adapter.dialect.renderRelation(rel('v3'))} as select 1 as one`);
    expect((await conn.query(`select one from ${adapter.dialect.renderRelation(rel('v3'))}`)).rows).toEqual([[1]]);
  });
});

describe('values from query()', () => {
  it('converts numbers exactly, keeps dates and timestamps as printed text', async () => {
    const res = await conn.query(`select
      1::int2, 2::int4, 42::int8, 9007199254740991::int8, 9007199254740993::int8, '-9223372036854775808'::int8,
      12.50::numeric, 0.1::numeric, 0.1000000000000000000001::numeric, 12345678901234567890::numeric, 'NaN'::numeric,
      1.1::float4, 0.1::float8,
      date '2024-02-29', timestamp '2024-02-29 23:59:58.123456', timestamp '2024-01-01 00:00:00',
      true, false, null::int, 'x'::text, array[1, null, 3]::int8[], array['a b', 'c"d']::text[], interval '1 day 02:00'`);
    expect(res.rows[0]).toEqual([
      1, 2, 42, 9007199254740991, '9007199254740993', '-9223372036854775808',
      12.5, 0.1, '0.1000000000000000000001', '12345678901234567890', 'NaN',
      1.1, 0.1,
      '2024-02-29', '2024-02-29 23:59:58.123456', '2024-01-01 00:00:00',
      true, false, null, 'x', [1, null, 3], ['a b', 'c"d'], '1 day 02:00:00',
    ]);
  });

  it('does not shift dates or timestamps by the client time zone', async () => {
    const before = process.env.TZ;
    process.env.TZ = 'America/Los_Angeles';
    try {
      const res = await conn.query(`select date '2024-03-10', timestamp '2024-03-10 02:30:00'`);
      expect(res.rows[0]).toEqual(['2024-03-10', '2024-03-10 02:30:00']);
    } finally {
      process.env.TZ = before;
    }
  });

  it("leaves pg's global type parsers alone", async () => {
    const pg = (await import('pg')).default;
    expect(typeof pg.types.getTypeParser(1082, 'text')('2024-01-01')).not.toBe('string');
  });

  it('returns the last statement of a multi-statement query', async () => {
    const res = await conn.query('select 1 as a; select 2 as b, 3 as c');
    expect(res).toEqual({ columns: ['b', 'c'], rows: [[2, 3]] });
  });

  it('reports command tags and row counts from execute()', async () => {
    const d = adapter.dialect;
    const t = rel('tags');
    expect(await conn.execute(d.createTableAs(t, 'select generate_series(1, 5) as n;'))).toEqual({ rowsAffected: 5, message: 'SELECT 5' });
    expect(await conn.execute(`insert into ${d.renderRelation(t)} values (6), (7)`)).toEqual({ rowsAffected: 2, message: 'INSERT 0 2' });
    expect(await conn.execute(`update ${d.renderRelation(t)} set n = n + 1 where n > 5`)).toEqual({ rowsAffected: 2, message: 'UPDATE 2' });
    expect(await conn.execute(d.drop({ ...t, type: 'table' }))).toEqual({ rowsAffected: null, message: 'DROP TABLE' });
    expect(await conn.execute('-- nothing to run')).toEqual({ rowsAffected: null, message: 'OK' });
  });
});

describe('errors', () => {
  it('carries the server message, a psql-style pointer, detail and hint', async () => {
    const err = await conn.query('select 1;\nselect *\n  from missing_relation').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KilnError);
    const k = err as KilnError;
    expect(k.code).toBe('KLN501');
    expect(k.message).toBe('relation "missing_relation" does not exist\nLINE 3:   from missing_relation\n               ^');

    const t = rel('uniq');
    await conn.execute(`create table ${adapter.dialect.renderRelation(t)} (id int primary key)`);
    const dup = (await conn.execute(`insert into ${adapter.dialect.renderRelation(t)} values (1), (1)`).catch((e: unknown) => e)) as KilnError;
    expect(dup.message).toMatch(/^duplicate key value violates unique constraint "uniq_pkey"\nDETAIL: Key \(id\)=\(1\) already exists\.$/);

    const hinted = (await conn.query('select lenght(1)').catch((e: unknown) => e)) as KilnError;
    expect(hinted.message).toMatch(/function lenght\(integer\) does not exist/);
    expect(hinted.hint).toMatch(/No function matches/);
  });

  it('refuses to commit a transaction in which a statement failed', async () => {
    await conn.begin();
    await expect(conn.query('select 1/0')).rejects.toThrow(/division by zero/);
    await expect(conn.commit()).rejects.toThrow(/rolled back instead of committed/);
    expect((await conn.query('select 1')).rows).toEqual([[1]]);
  });
});

describe('dialect DDL', () => {
  it('refuses to create a schema in another database with a clear error', () => {
    expect(() => adapter.dialect.createSchema('elsewhere', 's')).toThrow(/cannot create schema "s" in database "elsewhere": this target is connected to database/);
  });

  it('creates an existing schema again without error', async () => {
    await conn.execute(adapter.dialect.createSchema(db.database, 'kiln'));
    expect(await adapter.listSchemas(db.database)).toContain('kiln');
  });

  it('creates seed tables with every seed type', async () => {
    const d = adapter.dialect;
    const types: SeedColumnType[] = ['integer', 'bigint', 'numeric', 'boolean', 'date', 'timestamp', 'text'];
    const t = rel('seed_types');
    await conn.execute(d.createTable(t, types.map((ty) => ({ name: `c_${ty}`, sqlType: d.seedType(ty) })), true));
    const cols = await adapter.getColumns(t);
    expect(cols.map((c) => c.dataType)).toEqual(['integer', 'bigint', 'numeric', 'boolean', 'date', 'timestamp without time zone', 'text']);
  });

  it('creates unquoted seed columns folded to lower case', async () => {
    const t = rel('seed_unquoted');
    await conn.execute(adapter.dialect.createTable(t, [{ name: 'MyCol', sqlType: 'integer' }], false));
    expect((await adapter.getColumns(t)).map((c) => c.name)).toEqual(['mycol']);
  });

  it('accepts model SQL with a trailing semicolon and a trailing line comment', async () => {
    const d = adapter.dialect;
    await conn.execute(d.createViewAs(rel('v_trailing'), 'select 1 as a;\n'));
    await conn.execute(d.createTableAs(rel('t_trailing'), 'select 1 as a -- the end'));
    expect((await conn.query(`select a from ${d.renderRelation(rel('t_trailing'))}`)).rows).toEqual([[1]]);
  });

  it('builds identifiers of up to 63 bytes, and derived names stay within the limit', async () => {
    const d = adapter.dialect;
    const max = adapter.capabilities.maxIdentifierLength;
    expect(max).toBe(63);
    // 61 ASCII bytes + one 2-byte letter = 63 bytes: accepted as is.
    const name63 = `${'a'.repeat(61)}é`;
    expect(Buffer.byteLength(name63)).toBe(63);
    await conn.execute(d.createTableAs(rel(name63), 'select 1 as x'));
    const listed = await conn.query(`select relname from pg_class where relname = ${d.quoteLiteral(name63)}`);
    expect(listed.rows).toEqual([[name63]]);

    // The swap's helper names are shortened before the suffix, so Postgres never truncates them.
    const tmp = suffixed(name63, '__dbt_tmp', max);
    const backup = suffixed(name63, '__dbt_backup', max);
    expect(Buffer.byteLength(tmp)).toBeLessThanOrEqual(63);
    expect(Buffer.byteLength(backup)).toBeLessThanOrEqual(63);
    expect(tmp).not.toBe(backup);
    await conn.execute(d.createTableAs(rel(tmp), 'select 2 as x'));
    const old: Relation = { ...rel(name63), type: 'table' };
    await conn.begin();
    await conn.execute(d.rename(old, backup));
    await conn.execute(d.rename({ ...rel(tmp), type: 'table' }, name63));
    await conn.execute(d.drop({ ...rel(backup), type: 'table' }, { cascade: true }));
    await conn.commit();
    expect((await conn.query(`select x from ${d.renderRelation(rel(name63))}`)).rows).toEqual([[2]]);
    const names = await conn.query(`select relname from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'kiln' and relname like 'aaaa%'`);
    expect(names.rows).toEqual([[name63]]);
  });

  it('Postgres itself would truncate a 64-byte name (why kiln shortens first)', async () => {
    const name64 = 'b'.repeat(64);
    await conn.execute(adapter.dialect.createTableAs(rel(name64), 'select 1 as x'));
    const res = await conn.query(`select relname from pg_class where relname like 'bbbb%'`);
    expect(res.rows).toEqual([['b'.repeat(63)]]);
  });
});
