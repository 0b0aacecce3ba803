// Property-based, against the real databases: any name kiln quotes with the adapter's dialect
// creates exactly that relation and column (case, spaces, quotes, unicode kept), found again by
// listRelations and getColumns; any string quoted as a literal comes back unchanged. DuckDB in
// memory and the test PostgreSQL.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { propertyRuns } from '../../helpers/property.js';
import type { Adapter } from '../../../adapters/adapter.js';
import { duckdbAdapterFactory } from '../../../adapters/duckdb/index.js';
import { postgresAdapterFactory } from '../../../adapters/postgres/index.js';
import { freshDatabase, type FreshDatabase } from '../../helpers/postgres.js';
import { adapterRows } from './targets.js';

/** Postgres keeps at most 63 bytes of a name (kiln refuses longer ones before running). */
const MAX_BYTES = 63;
const fits = (s: string) => s.length > 0 && Buffer.byteLength(s, 'utf8') <= MAX_BYTES;

/** Names: awkward ASCII, SQL punctuation and any unicode; never NUL (no database takes it). */
const nameChars = fc.oneof(
  fc.constantFrom('"', "'", ' ', ';', '\\', '.', '-', '$', '`', '%', '?', '\t', '\n', 'A', 'z', 'select', 'ORDER', 'ü', '名', '😀', 'ǅ', 'İ', 'ß'),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 3 }),
);
const names = fc
  .array(nameChars, { minLength: 1, maxLength: 8 })
  .map((xs) => xs.join('').replace(/\0/g, ''))
  .filter(fits);
const texts = fc.string({ unit: 'binary', maxLength: 40 }).map((s) => s.replace(/\0/g, ''));

interface Db {
  readonly name: string;
  adapter?: Adapter;
  readonly open: () => Promise<Adapter>;
  readonly close: () => Promise<void>;
}

let pgDb: FreshDatabase | undefined;
const dbs: Db[] = [
  {
    name: 'duckdb',
    async open() {
      const a = duckdbAdapterFactory.create({ name: 'dev', type: 'duckdb', schema: 'main', database: '', threads: 1, fields: { path: ':memory:' }, secretFields: [] }, '/tmp');
      await a.open();
      return a;
    },
    close: async () => undefined,
  },
  {
    name: 'postgres',
    async open() {
      pgDb = await freshDatabase('quoting', { threads: 1 });
      const a = postgresAdapterFactory.create(pgDb.config, '/tmp');
      await a.open();
      return a;
    },
    close: async () => pgDb?.drop(),
  },
];

describe.each(dbs)('quoting round-trips on $name (property-based)', (db) => {
  let adapter: Adapter;
  const schema = 'Quoting "Ü" schema';
  beforeAll(async () => {
    adapter = await db.open();
    const conn = await adapter.acquire();
    try {
      await conn.execute(adapter.dialect.createSchema(adapter.database, schema));
    } finally {
      adapter.release(conn);
    }
  });
  afterAll(async () => {
    await adapter.close();
    await db.close();
  });

  const run = async (sql: string) => {
    const conn = await adapter.acquire();
    try {
      await conn.execute(sql);
    } finally {
      adapter.release(conn);
    }
  };

  it('a quoted relation and column name is created, listed and read back exactly', async () => {
    await fc.assert(
      fc.asyncProperty(names, names, async (table, column) => {
        const rel = { database: adapter.database, schema, identifier: table };
        const d = adapter.dialect;
        await run(`create table ${d.renderRelation(rel)} (${d.quoteIdentifier(column)} integer)`);
        try {
          await run(`insert into ${d.renderRelation(rel)} (${d.quoteIdentifier(column)}) values (7)`);
          adapter.cacheAdded({ ...rel, type: 'table' });
          expect((await adapter.getColumns(rel)).map((c) => c.name)).toEqual([column]);
          expect(await adapterRows(adapter, `select ${d.quoteIdentifier(column)} from ${d.renderRelation(rel)}`)).toEqual([{ [column]: 7 }]);
        } finally {
          await run(d.drop({ ...rel, type: 'table' }));
          adapter.cacheDropped(rel);
        }
      }),
      propertyRuns(40),
    );
    // The catalog, read fresh, holds nothing left over.
    expect(await adapterRows(adapter, `select count(*) as n from information_schema.tables where table_schema = ${adapter.dialect.quoteLiteral(schema)}`)).toEqual([{ n: 0 }]);
  }, 60_000);

  it('listRelations, read fresh from the catalog, finds every created name exactly (case and all)', async () => {
    let round = 0;
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(names, { minLength: 1, maxLength: 4, selector: (s) => s.toLowerCase() }), async (tables) => {
        const d = adapter.dialect;
        // A schema of its own each time: the relation cache reads a schema on first use.
        const fresh = `${schema} ${++round}`;
        await run(d.createSchema(adapter.database, fresh));
        try {
          for (const identifier of tables) await run(d.createViewAs({ database: adapter.database, schema: fresh, identifier }, 'select 1 as one'));
          const found = (await adapter.listRelations(adapter.database, fresh)).map((r) => r.identifier);
          expect([...found].sort()).toEqual([...tables].sort());
        } finally {
          await run(`drop schema ${d.quoteIdentifier(fresh)} cascade`);
        }
      }),
      propertyRuns(20),
    );
  }, 60_000);

  it('a quoted literal comes back as the same string', async () => {
    await fc.assert(
      fc.asyncProperty(texts, async (s) => {
        const rows = await adapterRows(adapter, `select ${adapter.dialect.quoteLiteral(s)} as v`);
        expect(rows).toEqual([{ v: s }]);
      }),
      propertyRuns(150),
    );
  }, 60_000);
});
