// The adapters' catalog reads for the docs: several schemas at once on DuckDB (one table name in
// two schemas keeps its own columns), and the fallback through getColumns.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Adapter } from '../../../adapters/adapter.js';
import { readCatalog } from '../../../core/docs/catalog.js';
import type { Manifest, ParsedNode } from '../../../core/nodes.js';
import { makeAdapter, tempDir } from '../duckdb/helpers.js';

const { dir, cleanup } = tempDir();
const adapter = makeAdapter(dir, { path: 'dev.duckdb' });

beforeAll(async () => {
  await adapter.open();
  const conn = await adapter.acquire();
  try {
    await conn.execute(`create schema a; create schema b;
      create table a.t (id integer, name varchar); insert into a.t values (1, 'x'), (2, 'y');
      create table b.t (code varchar);
      create view b.v as select code from b.t;
      comment on table a.t is 'the a table'; comment on column a.t.name is 'who'`);
  } finally {
    adapter.release(conn);
  }
});
afterAll(async () => {
  await adapter.close();
  cleanup();
});

const model = (name: string, schema: string, alias = name): ParsedNode => ({ uniqueId: `model.p.${name}`, resourceType: 'model', name, database: 'dev', schema, alias, config: { materialized: 'table' } }) as unknown as ParsedNode;
const manifest: Manifest = {
  projectName: 'p',
  nodes: new Map([model('at', 'a', 't'), model('bt', 'b', 't'), model('bv', 'b', 'v'), model('gone', 'b')].map((n) => [n.uniqueId, n])),
  sources: new Map(),
  macros: new Map(),
  docs: new Map(),
  disabled: new Map(),
};

describe('catalog reads', () => {
  it('describes several DuckDB schemas in one go, each relation with its own columns', async () => {
    const rels = await adapter.describeSchemas('dev', ['a', 'B']);
    const at = rels.find((r) => r.schema === 'a' && r.identifier === 't')!;
    expect(at).toMatchObject({ type: 'table', rowCount: 2, comment: 'the a table' });
    expect(at.columns).toEqual([
      { name: 'id', dataType: 'INTEGER', index: 1, comment: null },
      { name: 'name', dataType: 'VARCHAR', index: 2, comment: 'who' },
    ]);
    expect(rels.find((r) => r.schema === 'b' && r.identifier === 't')!.columns.map((c) => c.name)).toEqual(['code']);
    expect(rels.find((r) => r.identifier === 'v')).toMatchObject({ type: 'view', rowCount: null });
    expect(await adapter.describeSchemas('dev', [])).toEqual([]);
  });

  it('gives the same catalog through the batch, the per-schema and the per-relation paths', async () => {
    const batch = await readCatalog(manifest, adapter);
    const perSchema = await readCatalog(manifest, { ...bind(adapter), describeSchemas: undefined } as Adapter);
    const perRelation = await readCatalog(manifest, { ...bind(adapter), describeSchemas: undefined, describeSchema: undefined } as Adapter);
    expect([...batch.byId.keys()].sort()).toEqual(['model.p.at', 'model.p.bt', 'model.p.bv']);
    expect(batch.byId.get('model.p.bt')?.columns.map((c) => c.name)).toEqual(['code']);
    expect([...perSchema.byId]).toEqual([...batch.byId]);
    // Without describeSchema there are no row counts or comments, but the same columns.
    for (const [id, info] of batch.byId) expect(perRelation.byId.get(id)?.columns.map((c) => [c.name, c.type])).toEqual(info.columns.map((c) => [c.name, c.type]));
  });
});

/** The adapter's methods as own properties, so a spread copy can leave some out. */
function bind(a: Adapter): Adapter {
  const out: Record<string, unknown> = {};
  for (const k of ['listRelations', 'getColumns', 'describeSchema', 'describeSchemas'] as const) {
    const f = a[k];
    if (typeof f === 'function') out[k] = f.bind(a);
  }
  return out as unknown as Adapter;
}
