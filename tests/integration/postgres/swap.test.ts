// The materialization swap on a real server: build under a temporary name, move the old relation
// aside, move the new one into place, drop the old one, all in one transaction.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection, Relation, RelationName } from '../../../adapters/adapter.js';
import { PostgresAdapter } from '../../../adapters/postgres/index.js';
import { KilnError } from '../../../core/errors.js';
import { planNode, type Plan } from '../../../core/materializations/plan.js';
import type { ParsedNode } from '../../../core/nodes.js';
import { freshDatabase, type FreshDatabase } from '../../helpers/postgres.js';

let db: FreshDatabase;
let adapter: PostgresAdapter;
let conn: Connection;
let other: Connection;

beforeAll(async () => {
  db = await freshDatabase('swap', { threads: 2 });
  adapter = new PostgresAdapter(db.config);
  await adapter.open();
  conn = await adapter.acquire();
  other = await adapter.acquire();
  await conn.execute(adapter.dialect.createSchema(db.database, 'kiln'));
});

afterAll(async () => {
  if (conn) adapter.release(conn);
  if (other) adapter.release(other);
  await adapter?.close();
  await db?.drop();
});

const rel = (identifier: string): RelationName => ({ database: db.database, schema: 'kiln', identifier });
const sqlOf = (r: RelationName): string => adapter.dialect.renderRelation(r);

async function relationsNamed(prefix: string): Promise<string[]> {
  const res = await other.query(
    `select relname || ':' || relkind::text from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'kiln' and relname like ${adapter.dialect.quoteLiteral(`${prefix}%`)} order by 1`,
  );
  return res.rows.map((r) => String(r[0]));
}

describe('the swap statements', () => {
  it('replaces a table atomically and leaves no helper relations', async () => {
    const d = adapter.dialect;
    const t: Relation = { ...rel('t1'), type: 'table' };
    const tmp: Relation = { ...rel('t1__dbt_tmp'), type: 'table' };
    const backup: Relation = { ...rel('t1__dbt_backup'), type: 'table' };
    await conn.execute(d.createTableAs(t, 'select 1 as v'));

    await conn.begin();
    await conn.execute(d.createTableAs(tmp, 'select 2 as v union all select 3'));
    await conn.execute(d.rename(t, backup.identifier));
    await conn.execute(d.rename(tmp, t.identifier));
    // Another session cannot see any of this yet: it still reads the old table (or waits).
    await conn.execute(d.drop(backup, { cascade: true }));
    await conn.commit();

    expect((await other.query(`select v from ${sqlOf(t)} order by v`)).rows).toEqual([[2], [3]]);
    expect(await relationsNamed('t1')).toEqual(['t1:r']);
  });

  it('keeps the old table and its rows when a statement fails mid-way', async () => {
    const d = adapter.dialect;
    const t: Relation = { ...rel('t2'), type: 'table' };
    const tmp: Relation = { ...rel('t2__dbt_tmp'), type: 'table' };
    await conn.execute(d.createTableAs(t, 'select 1 as v union all select 2'));

    await conn.begin();
    await conn.execute(d.createTableAs(tmp, 'select 99 as v'));
    await conn.execute(d.rename(t, 't2__dbt_backup'));
    await expect(conn.execute(d.rename({ ...rel('no_such_relation'), type: 'table' }, 't2'))).rejects.toThrow(KilnError);
    await conn.rollback();

    expect((await other.query(`select v from ${sqlOf(t)} order by v`)).rows).toEqual([[1], [2]]);
    expect(await relationsNamed('t2')).toEqual(['t2:r']);
  });

  it('never shows readers a missing relation while the swap commits', async () => {
    const d = adapter.dialect;
    const t: Relation = { ...rel('t3'), type: 'table' };
    await conn.execute(d.createTableAs(t, 'select 1 as v'));

    await conn.begin();
    await conn.execute(d.createTableAs({ ...rel('t3__dbt_tmp') }, 'select 2 as v'));
    await conn.execute(d.rename(t, 't3__dbt_backup'));
    await conn.execute(d.rename({ ...rel('t3__dbt_tmp'), type: 'table' }, 't3'));
    // The reader blocks on the renamed table's lock and, after the commit, reads the new one.
    const reading = other.query(`select v from ${sqlOf(t)}`);
    await new Promise((r) => setTimeout(r, 200));
    await conn.execute(d.drop({ ...rel('t3__dbt_backup'), type: 'table' }, { cascade: true }));
    await conn.commit();
    expect((await reading).rows).toEqual([[2]]);
  });
});

function model(name: string, materialized: string): ParsedNode {
  const node: Pick<ParsedNode, 'uniqueId' | 'resourceType' | 'name' | 'originalFilePath' | 'database' | 'schema' | 'alias'> & { config: { materialized: string } } = {
    uniqueId: `model.test.${name}`,
    resourceType: 'model',
    name,
    originalFilePath: `models/${name}.sql`,
    database: db.database,
    schema: 'kiln',
    alias: name,
    config: { materialized },
  };
  // planNode reads only the fields above.
  return node as unknown as ParsedNode;
}

/** What the runner does with a plan: run the steps, roll back on failure, then update the cache. */
async function build(name: string, materialized: 'table' | 'view', sql: string): Promise<Plan> {
  const relations = await adapter.listRelations(db.database, 'kiln');
  const find = (id: string): Relation | null => relations.find((r) => r.identifier === id) ?? null;
  const plan = planNode(
    model(name, materialized),
    sql,
    { existing: find(name), leftovers: [find(`${name}__dbt_tmp`), find(`${name}__dbt_backup`)].filter((r): r is Relation => r !== null) },
    { dialect: adapter.dialect, capabilities: adapter.capabilities },
  );
  let inTx = false;
  try {
    for (const step of plan.steps) {
      if (step.kind === 'begin') {
        await conn.begin();
        inTx = true;
      } else if (step.kind === 'commit') {
        await conn.commit();
        inTx = false;
      } else if (step.kind === 'sql') {
        await conn.execute(step.sql);
      }
    }
  } catch (e) {
    if (inTx) await conn.rollback();
    throw e;
  }
  for (const r of plan.dropped) adapter.cacheDropped(r);
  if (plan.result) adapter.cacheAdded(plan.result);
  return plan;
}

describe('plans from core/materializations/plan.ts', () => {
  it('changes a view into a table and back', async () => {
    await build('m1', 'view', 'select 1 as v');
    expect(await relationsNamed('m1')).toEqual(['m1:v']);
    await build('m1', 'table', 'select 2 as v');
    expect(await relationsNamed('m1')).toEqual(['m1:r']);
    expect((await other.query(`select v from ${sqlOf(rel('m1'))}`)).rows).toEqual([[2]]);
    await build('m1', 'view', 'select 3 as v');
    expect(await relationsNamed('m1')).toEqual(['m1:v']);
    expect((await other.query(`select v from ${sqlOf(rel('m1'))}`)).rows).toEqual([[3]]);
    expect(await adapter.getRelation(rel('m1'))).toEqual({ ...rel('m1'), type: 'view' });
  });

  it('keeps the old relation when the model SQL fails', async () => {
    await build('m2', 'table', 'select 1 as v');
    await expect(build('m2', 'table', 'select 1/0 as v')).rejects.toThrow(/division by zero/);
    await expect(build('m2', 'view', 'select * from missing_upstream')).rejects.toThrow(/missing_upstream/);
    expect(await relationsNamed('m2')).toEqual(['m2:r']);
    expect((await other.query(`select v from ${sqlOf(rel('m2'))}`)).rows).toEqual([[1]]);
  });

  it('keeps the views on a swapped table, and forgets those the new table no longer fits, so they can be rebuilt', async () => {
    await build('m4', 'table', 'select 1 as v');
    await build('m4_child', 'view', `select v from ${sqlOf(rel('m4'))}`);
    await build('m4_grandchild', 'view', `select v from ${sqlOf(rel('m4_child'))}`);
    await conn.execute('create schema if not exists elsewhere');
    await conn.execute(`create view elsewhere.m4_far as select v from ${sqlOf(rel('m4_child'))}`);
    const far: RelationName = { database: db.database, schema: 'elsewhere', identifier: 'm4_far' };
    expect(await adapter.getRelation(far)).not.toBeNull();

    // The drop of the old table cascades to every view on it; they are created again on the
    // new table in the same transaction, so no reader (and no killed run) ever misses them.
    await build('m4', 'table', 'select 2 as v');
    expect(await relationsNamed('m4')).toEqual(['m4:r', 'm4_child:v', 'm4_grandchild:v']);
    expect((await other.query(`select v from elsewhere.m4_far`)).rows).toEqual([[2]]);
    expect(await adapter.getRelation(rel('m4_grandchild'))).toEqual({ ...rel('m4_grandchild'), type: 'view' });

    // A new table without the column the views read: they stay dropped, and the cache forgets them.
    await build('m4', 'table', 'select 3 as w');
    expect(await relationsNamed('m4')).toEqual(['m4:r']);
    expect(await adapter.getRelation(rel('m4_child'))).toBeNull();
    expect(await adapter.getRelation(rel('m4_grandchild'))).toBeNull();
    expect(await adapter.getRelation(far)).toBeNull();
    await build('m4', 'table', 'select 2 as v');

    // The downstream views build again as new ones.
    await build('m4_child', 'view', `select v from ${sqlOf(rel('m4'))}`);
    await build('m4_grandchild', 'view', `select v from ${sqlOf(rel('m4_child'))}`);
    expect((await other.query(`select v from ${sqlOf(rel('m4_grandchild'))}`)).rows).toEqual([[2]]);
  });

  it('keeps the views in the cache when the cascading swap is rolled back', async () => {
    await build('m5', 'table', 'select 1 as v');
    await build('m5_child', 'view', `select v from ${sqlOf(rel('m5'))}`);
    await expect(build('m5', 'table', 'select 1/0 as v')).rejects.toThrow(/division by zero/);
    // Fails after the cascading drop, before the commit.
    await conn.begin();
    await conn.execute(adapter.dialect.drop({ ...rel('m5'), type: 'table' }, { cascade: true }));
    await conn.execute('select 1/0').catch(() => undefined);
    await conn.commit().catch(() => undefined);
    expect(await adapter.getRelation(rel('m5_child'))).toEqual({ ...rel('m5_child'), type: 'view' });
    expect((await other.query(`select v from ${sqlOf(rel('m5_child'))}`)).rows).toEqual([[1]]);
  });

  it('drops leftovers of a killed run before building', async () => {
    await other.execute(adapter.dialect.createTableAs(rel('m3__dbt_tmp'), 'select 0 as v'));
    await other.execute(adapter.dialect.createViewAs(rel('m3__dbt_backup'), 'select 0 as v'));
    adapter.cacheAdded({ ...rel('m3__dbt_tmp'), type: 'table' });
    adapter.cacheAdded({ ...rel('m3__dbt_backup'), type: 'view' });
    await build('m3', 'table', 'select 5 as v');
    expect(await relationsNamed('m3')).toEqual(['m3:r']);
  });
});
