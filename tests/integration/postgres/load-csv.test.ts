// Seeds through COPY: kiln's own reader (core/seeds) decides columns, types and row count, the
// adapter streams the file into the table.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection, ExecResult, RelationName, SeedLoad } from '../../../adapters/adapter.js';
import { PostgresAdapter } from '../../../adapters/postgres/index.js';
import { KilnError } from '../../../core/errors.js';
import { readSeed } from '../../../core/seeds/index.js';
import { freshDatabase, type FreshDatabase } from '../../helpers/postgres.js';

let db: FreshDatabase;
let adapter: PostgresAdapter;
let conn: Connection;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kiln-seeds-'));
  db = await freshDatabase('csv');
  adapter = new PostgresAdapter(db.config);
  await adapter.open();
  conn = await adapter.acquire();
  await conn.execute(adapter.dialect.createSchema(db.database, 'kiln'));
});

afterAll(async () => {
  if (conn) adapter.release(conn);
  await adapter?.close();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface SeedOptions {
  readonly delimiter?: string;
  readonly quoteColumns?: boolean;
  readonly columnTypes?: Record<string, string>;
}

/** Writes the CSV, reads it as kiln does, creates the table and loads it. */
async function seed(name: string, content: string | Buffer, opts: SeedOptions = {}): Promise<{ load: SeedLoad; result: ExecResult; target: RelationName; readMs: number; copyMs: number }> {
  const file = join(dir, `${name}.csv`);
  writeFileSync(file, content);
  const delimiter = opts.delimiter ?? ',';
  const t0 = performance.now();
  const info = readSeed(file, `seeds/${name}.csv`, { delimiter, columnTypes: opts.columnTypes });
  const load: SeedLoad = {
    file,
    delimiter,
    quoteColumns: opts.quoteColumns ?? true,
    rowCount: info.rowCount,
    columns: info.columns.map((c) => ({ name: c.name, sqlType: c.userType ?? adapter.dialect.seedType(c.inferred) })),
  };
  const target: RelationName = { database: db.database, schema: 'kiln', identifier: name };
  await conn.execute(adapter.dialect.createTable(target, load.columns, load.quoteColumns));
  const t1 = performance.now();
  const result = await conn.loadCsv(target, load);
  return { load, result, target, readMs: t1 - t0, copyMs: performance.now() - t1 };
}

async function rows(target: RelationName, orderBy = '1'): Promise<unknown[][]> {
  const res = await conn.query(`select * from ${adapter.dialect.renderRelation(target)} order by ${orderBy}`);
  return res.rows.map((r) => [...r]);
}

describe('loadCsv', () => {
  it('loads every inferred type', async () => {
    const { load, result, target } = await seed(
      'types',
      'id,big,amount,flag,day,at,name\n' +
        '1,3000000000,1.25,true,2024-01-31,2024-01-31 23:59:59,alpha\n' +
        '2,-3000000000,-0.5,False,2024-02-29,2024-02-29T00:00:00.123456,beta\n',
    );
    expect(load.columns.map((c) => c.sqlType)).toEqual(['integer', 'bigint', 'numeric', 'boolean', 'date', 'timestamp without time zone', 'text']);
    expect(result).toEqual({ rowsAffected: 2, message: 'INSERT 2' });
    expect(await rows(target)).toEqual([
      [1, 3000000000, 1.25, true, '2024-01-31', '2024-01-31 23:59:59', 'alpha'],
      [2, -3000000000, -0.5, false, '2024-02-29', '2024-02-29 00:00:00.123456', 'beta'],
    ]);
  });

  it('loads every empty field as NULL, quoted or not', async () => {
    const { target } = await seed('nulls', 'a,b,c,d,n\na,,"",b,\nx,"y",,"",7\n');
    expect(await rows(target)).toEqual([
      ['a', null, null, 'b', null],
      ['x', 'y', null, null, 7],
    ]);
  });

  it('keeps delimiters, quotes and line breaks inside quoted fields', async () => {
    const { target } = await seed('quoted', 'id,text\n1,"a, b"\n2,"say ""hi"""\n3,"line1\nline2"\n4,"crlf\r\ninside"\n5,"blank\n\nline"\n6,"  spaces  "\n');
    expect(await rows(target)).toEqual([
      [1, 'a, b'],
      [2, 'say "hi"'],
      [3, 'line1\nline2'],
      [4, 'crlf\r\ninside'],
      [5, 'blank\n\nline'],
      [6, '  spaces  '],
    ]);
  });

  it('ignores a UTF-8 byte order mark before the header', async () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const { target, load } = await seed('bom', Buffer.concat([bom, Buffer.from('"id",name\n1,ünï\n')]));
    expect(load.columns.map((c) => c.name)).toEqual(['id', 'name']);
    expect(await rows(target)).toEqual([[1, 'ünï']]);
    expect((await adapter.getColumns(target)).map((c) => c.name)).toEqual(['id', 'name']);
  });

  it("loads with delimiter ';' (commas are data) and with tabs", async () => {
    const semi = await seed('semicolon', 'id;amount;label\n1;3,5;a,b\n2;;"x;y"\n', { delimiter: ';' });
    expect(await rows(semi.target)).toEqual([
      [1, '3,5', 'a,b'],
      [2, null, 'x;y'],
    ]);
    const tab = await seed('tabs', 'id\tlabel\n1\ta b\n', { delimiter: '\t' });
    expect(await rows(tab.target)).toEqual([[1, 'a b']]);
  });

  it.each([
    ['crlf', '\r\n'],
    ['cr', '\r'],
    ['lf', '\n'],
  ])('accepts %s line ends and skips empty lines', async (name, eol) => {
    const { target, result } = await seed(`eol_${name}`, ['id,v', '1,a', '', '2,"b', 'c"', '3,c', '', '', '4,d'].join(eol));
    expect(result.rowsAffected).toBe(4);
    expect(await rows(target)).toEqual([
      [1, 'a'],
      [2, `b${eol}c`],
      [3, 'c'],
      [4, 'd'],
    ]);
  });

  it('loads an empty line of a one-column file as a NULL row', async () => {
    const { target, load } = await seed('one_column', 'v\na\n\nb\n');
    expect(load.rowCount).toBe(3);
    expect(await rows(target, '1 nulls first')).toEqual([[null], ['a'], ['b']]);
  });

  it('loads a header-only file as an empty table', async () => {
    const { target, result } = await seed('header_only', 'a,b\n');
    expect(result.rowsAffected).toBe(0);
    expect(await rows(target)).toEqual([]);
  });

  it('folds unquoted column names like the table creation does', async () => {
    const { target } = await seed('unquoted', 'Id,Label\n1,x\n', { quoteColumns: false });
    expect((await adapter.getColumns(target)).map((c) => c.name)).toEqual(['id', 'label']);
    expect(await rows(target)).toEqual([[1, 'x']]);
  });

  it('reports a value the column type rejects with the line and column', async () => {
    const err = await seed('bad_value', 'id,n\n1,2\n2,abc\n', { columnTypes: { n: 'integer' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KilnError);
    expect((err as KilnError).message).toMatch(/invalid input syntax for type integer: "abc"\nCONTEXT: COPY bad_value, line 3, column n: "abc"/);
    // The session is still usable.
    expect((await conn.query('select 1')).rows).toEqual([[1]]);
  });

  it('refuses a delimiter COPY cannot use, with a clear error', async () => {
    const err = await seed('multibyte_delim', 'a§b\n1§2\n', { delimiter: '§' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KilnError);
    expect((err as KilnError).message).toMatch(/one-byte delimiter/);
  });

  it('loads 100,000 rows', async () => {
    const lines = ['id,name,amount,day,flag'];
    for (let i = 0; i < 100_000; i++) lines.push(`${i},"name, ${i}",${(i * 1.25).toFixed(2)},2024-01-${String((i % 28) + 1).padStart(2, '0')},${i % 2 === 0}`);
    const { result, target, readMs, copyMs } = await seed('big', `${lines.join('\n')}\n`);
    const seconds = copyMs / 1000;
    console.log(`[timing] 100,000 rows: kiln's readSeed ${(readMs / 1000).toFixed(2)} s, loadCsv (COPY) ${seconds.toFixed(2)} s`);
    expect(result.rowsAffected).toBe(100_000);
    const agg = await conn.query(`select count(*), sum(id), count(distinct day) from ${adapter.dialect.renderRelation(target)}`);
    expect(agg.rows).toEqual([[100_000, 4999950000, 28]]);
    expect(seconds).toBeLessThan(20);
  });
});
