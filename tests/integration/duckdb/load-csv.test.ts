// loadCsv: DuckDB's CSV reader must load exactly what kiln's own parser (core/seeds) read.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection, RelationName, SeedColumn } from '../../../adapters/adapter.js';
import type { DuckDBAdapter } from '../../../adapters/duckdb/adapter.js';
import { Codes } from '../../../core/errors.js';
import { readSeed } from '../../../core/seeds/read-seed.js';
import { makeAdapter, tempDir } from './helpers.js';

const tmp = tempDir();
let adapter: DuckDBAdapter;
let conn: Connection;
let n = 0;

beforeAll(async () => {
  adapter = makeAdapter(tmp.dir, { path: join(tmp.dir, 'seeds.duckdb') });
  await adapter.open();
  conn = await adapter.acquire();
});
afterAll(async () => {
  adapter.release(conn);
  await adapter.close();
  tmp.cleanup();
});

interface Loaded {
  rel: RelationName;
  columns: readonly SeedColumn[];
  rows: readonly (readonly unknown[])[];
  rowsAffected: number | null;
}

/** The seed path as kiln runs it: read + infer, create the table, bulk-load, read back. */
async function seed(body: string | Buffer, opts: { delimiter?: string; columnTypes?: Record<string, string>; quoteColumns?: boolean } = {}): Promise<Loaded> {
  const file = join(tmp.dir, `seed${n}.csv`);
  writeFileSync(file, body);
  const info = readSeed(file, `seeds/seed${n}.csv`, opts);
  const rel: RelationName = { database: adapter.database, schema: 'main', identifier: `seed${n++}` };
  const columns = info.columns.map((c) => ({ name: c.name, sqlType: c.userType ?? adapter.dialect.seedType(c.inferred) }));
  const quoteColumns = opts.quoteColumns ?? true;
  await conn.execute(adapter.dialect.createTable(rel, columns, quoteColumns));
  const res = await conn.loadCsv(rel, { file, delimiter: opts.delimiter ?? ',', columns, quoteColumns, rowCount: info.rowCount });
  const rows = (await conn.query(`select * from ${adapter.dialect.renderRelation(rel)}`)).rows;
  return { rel, columns, rows, rowsAffected: res.rowsAffected };
}

/** kiln's reading of a file (same csv-parse settings as core/seeds), '' as null. */
function kilnRows(body: string, delimiter = ','): (string | null)[][] {
  const text = body.replace(/^\uFEFF/, '');
  const records: string[][] = parse(text, { delimiter, quote: '"', escape: '"', record_delimiter: ['\r\n', '\n', '\r'], relax_column_count: true, skip_empty_lines: false });
  const width = records[0].length;
  return records
    .slice(1)
    .filter((r) => !(width > 1 && r.length === 1 && r[0] === ''))
    .map((r) => r.map((v) => (v === '' ? null : v)));
}

/** Loads every column as VARCHAR and compares DuckDB's values with kiln's parse. */
async function expectParity(body: string, delimiter = ','): Promise<void> {
  const header: string[] = parse(body.replace(/^\uFEFF/, ''), { delimiter, to: 1, record_delimiter: ['\r\n', '\n', '\r'] })[0];
  const columnTypes = Object.fromEntries(header.map((h) => [h, 'VARCHAR']));
  const loaded = await seed(body, { delimiter, columnTypes });
  // Row order: DuckDB's reader keeps file order (insertion-ordered by default).
  expect(loaded.rows).toEqual(kilnRows(body, delimiter));
}

describe('loadCsv parity with kiln’s CSV parse', () => {
  const cases: [string, string, string?][] = [
    ['quotes, doubled quotes, embedded delimiters', 'a,b,c\n"x, y","say ""hi""",plain\n"""q""",",",""\n'],
    ['embedded newlines (\\n and \\r\\n) in quoted fields', 'a,b\n"line1\nline2",1\n"crlf\r\ninside",2\n'],
    ['CRLF line ends', 'a,b\r\n1,x\r\n2,y\r\n'],
    ['CR-only line ends', 'a,b\r1,x\r2,y\r'],
    ['no final newline', 'a,b\n1,x\n2,y'],
    ['empty and quoted-empty fields are NULL', 'a,b,c\n,"",x\n"",,\n'],
    ['spaces are kept', 'a,b\n  lead, trail  \n" q ", x \n'],
    ['unicode', 'name,word\nZoë,日本語\nemoji,🎉 ok\n'],
    ['BOM', '\uFEFFid,name\n1,a\n'],
    ['blank lines between and after rows (multi-column)', 'a,b\n1,x\n\n2,y\n\n\n'],
    ['one column with blank lines (NULL rows)', 'a\n1\n\n2\n\n'],
    ['semicolon delimiter', 'a;b\n1,5;x\n"a;b";y\n', ';'],
    ['tab delimiter', 'a\tb\n1\t"q\tx"\n2\t\n', '\t'],
    ['pipe delimiter', 'a|b\n1|x\n', '|'],
    ['backslashes are literal', 'a,b\nC:\\path\\,"ends with \\"\n\\n,"\\""\\"\n'],
    ['header only', 'a,b\n'],
  ];
  for (const [name, body, delim] of cases) {
    it(name, async () => {
      await expectParity(body, delim);
    });
  }

  it('mixed line ends: DuckDB rejects them, so kiln’s reader does first', async () => {
    await expect(seed('a,b\n1,x\r\n2,y\n')).rejects.toMatchObject({ code: Codes.CSV_MALFORMED, loc: { line: 2 } });
  });

  it('a field longer than DuckDB’s default 2 MB line limit loads', async () => {
    await expectParity(`a,b\n1,${'x'.repeat(3_000_000)}\n2,y\n`);
  });

  it('an error on a huge line does not quote all of it', async () => {
    const err = await seed(`a,b\nx,${'y'.repeat(100_000)}\n`, { columnTypes: { a: 'INTEGER' } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: Codes.DATABASE_ERROR, message: expect.stringMatching(/Line: 2/) });
    expect((err as Error).message.length).toBeLessThan(5000);
  });
});

describe('loadCsv with inferred types', () => {
  it('round-trips every seed type', async () => {
    const loaded = await seed(
      'id,big,amount,flag,day,at,label,empty\n' +
        '1,3000000000,1.25,true,2024-01-02,2024-01-02 03:04:05,x,\n' +
        '-2,-3000000000,-0.1,FALSE,2024-02-29,2024-02-29T23:59:59.123456,,\n' +
        ',,,,,,"",\n' +
        '2147483647,9007199254740993,1e3,True,0001-01-01,2024-01-02,"y, z",\n',
    );
    expect(loaded.columns.map((c) => c.sqlType)).toEqual(['INTEGER', 'BIGINT', 'DOUBLE', 'BOOLEAN', 'DATE', 'TIMESTAMP', 'VARCHAR', 'VARCHAR']);
    expect(loaded.rowsAffected).toBe(4);
    expect(loaded.rows).toEqual([
      [1, 3000000000, 1.25, true, '2024-01-02', '2024-01-02 03:04:05', 'x', null],
      [-2, -3000000000, -0.1, false, '2024-02-29', '2024-02-29 23:59:59.123456', null, null],
      [null, null, null, null, null, null, null, null],
      [2147483647, '9007199254740993', 1000, true, '0001-01-01', '2024-01-02 00:00:00', 'y, z', null],
    ]);
  });

  it('DOUBLE returns the CSV’s decimal text for typical values', async () => {
    const values = ['0.1', '0.2', '123456.789', '-0.000001', '99999999999.99', '3.14159265358979'];
    const loaded = await seed(`v\n${values.join('\n')}\n`);
    expect(loaded.columns[0].sqlType).toBe('DOUBLE');
    expect(loaded.rows.map((r) => String(r[0]))).toEqual(['0.1', '0.2', '123456.789', '-0.000001', '99999999999.99', '3.14159265358979']);
  });

  it('user column types are used as given', async () => {
    const loaded = await seed('id,zip,price\n1,01234,9.99\n', { columnTypes: { zip: 'varchar(5)', price: 'decimal(10,2)' } });
    expect(loaded.columns.map((c) => c.sqlType)).toEqual(['INTEGER', 'varchar(5)', 'decimal(10,2)']);
    expect(loaded.rows).toEqual([[1, '01234', 9.99]]);
  });

  it('unquoted column names are created as written', async () => {
    const loaded = await seed('Id,Name\n1,a\n', { quoteColumns: false });
    const cols = await adapter.getColumns(loaded.rel);
    expect(cols.map((c) => c.name)).toEqual(['Id', 'Name']);
  });

  it('a value that does not fit a user type is a DATABASE_ERROR naming the line', async () => {
    const err = await seed('id,n\n1,2\n2,abc\n', { columnTypes: { n: 'INTEGER' } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: Codes.DATABASE_ERROR, message: expect.stringMatching(/Line: 3[\s\S]*abc/) });
  });

  it('a row-count disagreement between the two readers is an error, not silent', async () => {
    const file = join(tmp.dir, 'count.csv');
    writeFileSync(file, 'a\n1\n2\n');
    const rel: RelationName = { database: adapter.database, schema: 'main', identifier: 'count_check' };
    const columns = [{ name: 'a', sqlType: 'INTEGER' }];
    await conn.execute(adapter.dialect.createTable(rel, columns, true));
    await expect(conn.loadCsv(rel, { file, delimiter: ',', columns, quoteColumns: true, rowCount: 3 })).rejects.toMatchObject({
      code: Codes.DATABASE_ERROR,
      message: expect.stringMatching(/loaded 2 rows .* kiln read 3/),
    });
  });
});

describe('loadCsv speed', () => {
  it('loads 100k rows', async () => {
    const rows = ['id,name,amount,active,created_at,day,note'];
    for (let i = 0; i < 100_000; i++) {
      rows.push(`${i},name ${i},${(i * 1.25).toFixed(2)},${i % 2 ? 'true' : 'false'},2024-01-${String(1 + (i % 28)).padStart(2, '0')} 12:34:56,2024-02-${String(1 + (i % 28)).padStart(2, '0')},"quoted, ""text"" ${i}"`);
    }
    const file = join(tmp.dir, 'big.csv');
    writeFileSync(file, rows.join('\n') + '\n');
    let t = performance.now();
    const info = readSeed(file, 'seeds/big.csv');
    const readMs = performance.now() - t;
    const rel: RelationName = { database: adapter.database, schema: 'main', identifier: 'big' };
    const columns = info.columns.map((c) => ({ name: c.name, sqlType: adapter.dialect.seedType(c.inferred) }));
    await conn.execute(adapter.dialect.createTable(rel, columns, true));
    t = performance.now();
    const res = await conn.loadCsv(rel, { file, delimiter: ',', columns, quoteColumns: true, rowCount: info.rowCount });
    const loadMs = performance.now() - t;
    console.log(`100k rows x 7 columns: readSeed ${readMs.toFixed(0)} ms, loadCsv ${loadMs.toFixed(0)} ms`);
    expect(res).toEqual({ rowsAffected: 100_000, message: 'INSERT 100000' });
    expect((await conn.query(`select sum(id), count(distinct note), min(created_at) from big`)).rows).toEqual([[4999950000, 100000, '2024-01-01 12:34:56']]);
    expect(loadMs).toBeLessThan(3000);
  });
});
