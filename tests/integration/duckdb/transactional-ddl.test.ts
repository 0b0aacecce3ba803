// The swap pattern materializations rely on: build under a temp name, move the old relation to
// a backup name, move the new one into place, drop the backup, all in one transaction; any
// failure before commit must leave the old relation exactly as it was.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Connection, Relation, RelationType } from '../../../adapters/adapter.js';
import type { DuckDBAdapter } from '../../../adapters/duckdb/adapter.js';
import { Codes } from '../../../core/errors.js';
import { makeAdapter, STORAGE, tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

describe.each(STORAGE)('transactional DDL ($kind)', (storage) => {
  let adapter: DuckDBAdapter;
  let conn: Connection;
  let n = 0;

  beforeEach(async () => {
    adapter = makeAdapter(tmp.dir, storage.kind === 'file' ? { path: `${tmp.dir}/ddl${n++}.duckdb` } : storage.fields(tmp.dir));
    await adapter.open();
    conn = await adapter.acquire();
  });
  afterEach(async () => {
    adapter.release(conn);
    await adapter.close();
  });

  const rel = (identifier: string, type: RelationType = 'table'): Relation => ({ database: adapter.database, schema: 'main', identifier, type });
  const d = () => adapter.dialect;
  const rows = async (identifier: string) => (await conn.query(`select * from ${d().renderRelation(rel(identifier))} order by 1`)).rows;
  const kinds = async () =>
    Object.fromEntries((await conn.query(`select table_name, table_type from information_schema.tables where table_schema = 'main' order by 1`)).rows.map((r) => [r[0], r[1]]));

  /** The statements of a swap that replaces `t` (of type `from`) with a new `to` relation. */
  function swap(from: RelationType, to: RelationType, sql: string, failing?: string): string[] {
    const target = rel('t', from);
    const tmpRel = rel('t__kiln_tmp', to);
    const backup = rel('t__kiln_backup', from);
    const build = to === 'table' ? d().createTableAs(tmpRel, sql) : d().createViewAs(tmpRel, sql);
    const steps = [build, d().rename(target, backup.identifier), d().rename(tmpRel, 't')];
    if (failing) steps.push(failing);
    steps.push(d().drop(backup, { cascade: true }));
    return steps;
  }

  async function runInTransaction(steps: string[]): Promise<unknown> {
    await conn.begin();
    try {
      for (const s of steps) await conn.execute(s);
      await conn.commit();
      return null;
    } catch (e) {
      await conn.rollback();
      return e;
    }
  }

  async function createOld(type: RelationType): Promise<void> {
    const sql = 'select 1 as a union all select 2';
    await conn.execute(type === 'table' ? d().createTableAs(rel('t'), sql) : d().createViewAs(rel('t', 'view'), sql));
  }

  it('reports the catalog DuckDB gives the database', () => {
    expect(adapter.database).toBe(storage.kind === 'file' ? `ddl${n - 1}` : 'memory');
  });

  for (const [from, to] of [
    ['table', 'table'],
    ['view', 'view'],
    ['table', 'view'],
    ['view', 'table'],
  ] as const) {
    it(`${from} → ${to}: a committed swap replaces the relation`, async () => {
      await createOld(from);
      expect(await runInTransaction(swap(from, to, 'select 10 as a'))).toBeNull();
      expect(await rows('t')).toEqual([[10]]);
      expect(await kinds()).toEqual({ t: to === 'table' ? 'BASE TABLE' : 'VIEW' });
    });

    it(`${from} → ${to}: a runtime failure after the renames rolls everything back`, async () => {
      await createOld(from);
      const err = await runInTransaction(swap(from, to, 'select 10 as a', `select 'x'::integer`));
      expect(err).toMatchObject({ code: Codes.DATABASE_ERROR, message: expect.stringMatching(/Could not convert string 'x'/) });
      expect(await rows('t')).toEqual([[1], [2]]);
      expect(await kinds()).toEqual({ t: from === 'table' ? 'BASE TABLE' : 'VIEW' });
    });

    it(`${from} → ${to}: a binder failure after the renames rolls everything back`, async () => {
      await createOld(from);
      const err = await runInTransaction(swap(from, to, 'select 10 as a', 'select * from no_such_table'));
      expect(err).toMatchObject({ code: Codes.DATABASE_ERROR, message: expect.stringMatching(/no_such_table does not exist/) });
      expect(await rows('t')).toEqual([[1], [2]]);
      expect(await kinds()).toEqual({ t: from === 'table' ? 'BASE TABLE' : 'VIEW' });
    });
  }

  it('a model whose SQL fails leaves the old table and creates nothing', async () => {
    await createOld('table');
    const err = await runInTransaction(swap('table', 'table', 'select * from missing_upstream'));
    expect(err).toMatchObject({ code: Codes.DATABASE_ERROR });
    expect(await rows('t')).toEqual([[1], [2]]);
    expect(await kinds()).toEqual({ t: 'BASE TABLE' });
  });

  it('commit() after a failed statement refuses, rolls back and keeps the old table', async () => {
    // DuckDB itself would answer COMMIT with success here (and silently roll back after a runtime
    // error, or commit the other statements after a binder error).
    await createOld('table');
    await conn.begin();
    for (const s of swap('table', 'table', 'select 10 as a').slice(0, 3)) await conn.execute(s);
    await expect(conn.execute('select * from no_such_table')).rejects.toMatchObject({ code: Codes.DATABASE_ERROR });
    await expect(conn.commit()).rejects.toMatchObject({ code: Codes.DATABASE_ERROR, message: expect.stringMatching(/rolled back/) });
    expect(await rows('t')).toEqual([[1], [2]]);
    expect(await kinds()).toEqual({ t: 'BASE TABLE' });
  });

  it('a view on the swapped table follows the new table (DuckDB binds views by name)', async () => {
    await createOld('table');
    await conn.execute(d().createViewAs(rel('v_on_t', 'view'), `select a * 2 as b from ${d().renderRelation(rel('t'))}`));
    expect(await runInTransaction(swap('table', 'table', 'select 10 as a'))).toBeNull();
    expect((await conn.query(`select * from ${d().renderRelation(rel('v_on_t'))}`)).rows).toEqual([[20]]);
  });

  it('dropping a table does not drop or block views on it (no dependency tracking)', async () => {
    await createOld('table');
    await conn.execute(d().createViewAs(rel('v_on_t', 'view'), `select * from ${d().renderRelation(rel('t'))}`));
    await conn.execute(d().drop(rel('t'), { cascade: true }));
    expect(await kinds()).toEqual({ v_on_t: 'VIEW' });
    await expect(conn.query(`select * from ${d().renderRelation(rel('v_on_t'))}`)).rejects.toMatchObject({ code: Codes.DATABASE_ERROR });
  });

  it('a table with an index cannot be renamed; the failed swap keeps the old table', async () => {
    await createOld('table');
    await conn.execute(`create index t_a on ${d().renderRelation(rel('t'))} (a)`);
    const err = await runInTransaction(swap('table', 'table', 'select 10 as a'));
    expect(err).toMatchObject({ code: Codes.DATABASE_ERROR, message: expect.stringMatching(/Dependency Error/) });
    expect(await rows('t')).toEqual([[1], [2]]);
  });

  it('drop must name the right type: dropping a view as a table is an error', async () => {
    await createOld('view');
    await expect(conn.execute(d().drop(rel('t', 'table')))).rejects.toMatchObject({ message: expect.stringMatching(/is of type View/) });
    await conn.execute(d().drop(rel('t', 'view')));
    expect(await kinds()).toEqual({});
  });

  it('an incremental-style insert + rename inside a transaction commits', async () => {
    await createOld('table');
    await conn.begin();
    await conn.execute(`insert into ${d().renderRelation(rel('t'))} values (3)`);
    await conn.execute(d().rename(rel('t'), 't2'));
    await conn.commit();
    expect(await rows('t2')).toEqual([[1], [2], [3]]);
  });

  it('rollback() without a transaction is a no-op (it must not mask the original error)', async () => {
    await expect(conn.rollback()).resolves.toBeUndefined();
  });

  it('supports MERGE INTO', async () => {
    expect(adapter.capabilities.supportsMerge).toBe(true);
    await conn.execute(`create table m (id integer, v varchar); insert into m values (1, 'old')`);
    const res = await conn.execute(
      `merge into m using (select 1 as id, 'new' as v union all select 2, 'added') s on m.id = s.id
       when matched then update set v = s.v when not matched then insert (id, v) values (s.id, s.v)`,
    );
    expect(res).toEqual({ rowsAffected: 2, message: 'MERGE 2' });
    expect((await conn.query('select * from m order by id')).rows).toEqual([
      [1, 'new'],
      [2, 'added'],
    ]);
  });
});
