// The same seed files through both adapters' bulk loaders must give the same table: a project
// must not mean something else on Postgres than on DuckDB.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Adapter, Connection, RelationName, SeedLoad } from '../../../adapters/adapter.js';
import { duckdbAdapterFactory } from '../../../adapters/duckdb/index.js';
import { PostgresAdapter } from '../../../adapters/postgres/index.js';
import type { TargetConfig } from '../../../core/project/types.js';
import { readSeed } from '../../../core/seeds/index.js';
import { freshDatabase, type FreshDatabase } from '../../helpers/postgres.js';

let db: FreshDatabase;
let dir: string;
const engines: { name: string; adapter: Adapter; conn: Connection; schema: string }[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kiln-parity-'));
  db = await freshDatabase('parity');
  const pgAdapter = new PostgresAdapter(db.config);
  const duckTarget: TargetConfig = { name: 'test', type: 'duckdb', schema: 'main', database: 'memory', threads: 1, fields: { type: 'duckdb', path: ':memory:' }, secretFields: [] };
  const duckAdapter = duckdbAdapterFactory.create(duckTarget, dir);
  for (const [name, adapter, schema] of [['postgres', pgAdapter, 'kiln'], ['duckdb', duckAdapter, 'main']] as const) {
    await adapter.open();
    const conn = await adapter.acquire();
    await conn.execute(adapter.dialect.createSchema(adapter.database, schema));
    engines.push({ name, adapter, conn, schema });
  }
});

afterAll(async () => {
  for (const e of engines) {
    e.adapter.release(e.conn);
    await e.adapter.close();
  }
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function loadBoth(name: string, content: string | Buffer, delimiter = ','): Promise<Record<string, unknown[][]>> {
  const file = join(dir, `${name}.csv`);
  writeFileSync(file, content);
  const info = readSeed(file, `seeds/${name}.csv`, { delimiter });
  const out: Record<string, unknown[][]> = {};
  for (const { name: engine, adapter, conn, schema } of engines) {
    const load: SeedLoad = {
      file,
      delimiter,
      quoteColumns: true,
      rowCount: info.rowCount,
      columns: info.columns.map((c) => ({ name: c.name, sqlType: adapter.dialect.seedType(c.inferred) })),
    };
    const target: RelationName = { database: adapter.database, schema, identifier: name };
    await conn.execute(adapter.dialect.createTable(target, load.columns, true));
    const res = await conn.loadCsv(target, load);
    expect(res.rowsAffected, engine).toBe(info.rowCount);
    // Text comparison of every cell in a stable order: both engines must agree on NULLs too.
    const cols = load.columns.map((c) => adapter.dialect.quoteIdentifier(c.name));
    const cells = cols.map((c, i) => `case when ${c} is null then '<null>' else ${c}::varchar end as cell_${i}`).join(', ');
    const rows = await conn.query(`select ${cells} from ${adapter.dialect.renderRelation(target)} order by ${cols.map((c) => `${c} nulls first`).join(', ')}`);
    out[engine] = rows.rows.map((r) => [...r]);
  }
  return out;
}

describe('Postgres COPY and DuckDB read_csv agree', () => {
  it('on empty fields: `a,,"",b` is a, NULL, NULL, b in both', async () => {
    const r = await loadBoth('empties', 'w,x,y,z\na,,"",b\n');
    expect(r.postgres).toEqual([['a', '<null>', '<null>', 'b']]);
    expect(r.duckdb).toEqual(r.postgres);
  });

  it.each([
    ['quotes_and_breaks', 'id,t\n1,"a, b"\n2,"say ""hi"""\n3,"x\ny"\n4,""\n5,\n'],
    ['crlf_and_empty_lines', 'id,t\r\n1,a\r\n\r\n2,"b\r\nc"\r\n'],
    ['one_column_empty_line', 'v\na\n\nb\n'],
    ['bom', '\ufeffid,t\n1,x\n'],
    ['types', 'i,b,n,f,d,ts\n1,3000000000,1.5,true,2024-01-31,2024-01-31 10:00:00\n2,-1,,false,,2024-02-01T00:00:00\n'],
  ])('on %s', async (name, content) => {
    const r = await loadBoth(name, content);
    expect(r.duckdb).toEqual(r.postgres);
  });

  it("with delimiter ';'", async () => {
    const r = await loadBoth('semi', 'a;b\n1,5;"x;y"\n;z\n', ';');
    expect(r.duckdb).toEqual(r.postgres);
  });
});
