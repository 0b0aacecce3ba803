// `indexes` on incremental and table models: a build creates them on the table once it is in
// place (DuckDB refuses to rename an indexed table), a rebuild replaces an indexed table, and
// incremental runs keep them, on PostgreSQL; on DuckDB (no index support declared) the same
// models build and rebuild without them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupTargets, project, targets, type AdapterTarget } from './harness.js';

const TARGETS = targets();
afterAll(() => cleanupTargets(TARGETS));

const MODEL = (v: number) => `{{ config(materialized='incremental', unique_key='id', incremental_strategy='delete+insert', indexes=[{'columns': ['id']}]) }}
select id, ${v} as v from (select 1 as id union all select 2 union all select ${v + 10}) t`;

describe.each(TARGETS)('incremental indexes on $name', (target: AdapterTarget) => {
  const rows: unknown[][][] = [];
  const indexes: number[] = [];
  beforeAll(async () => {
    const p = await project(target, { 'models/m.sql': MODEL(1), 'models/t.sql': "{{ config(materialized='table', indexes=[{'columns': ['id'], 'unique': True}]) }}\nselect 1 as id" });
    const indexCount = async () => {
      const sql =
        target.name === 'duckdb'
          ? "select count(*) as n from duckdb_indexes() where table_name in ('m', 't')"
          : `select count(*) as n from pg_indexes where schemaname = '${target.schema}' and tablename in ('m', 't')`;
      return Number((await p.rows(sql))[0].n);
    };
    const read = async () => (await p.rows(`select id, v from ${p.rel('m')} order by id`)).map((r) => [r.id, r.v]);
    for (const args of [['run'], ['run', '--vars', 'x: 1'], ['run', '--full-refresh']]) {
      if (args.length > 1) p.write('models/m.sql', MODEL(rows.length + 1));
      await p.ok(args);
      rows.push(await read());
      indexes.push(await indexCount());
    }
  }, 120_000);

  it('the first build, an incremental run and a full refresh (and table rebuilds) all leave the tables indexed', () => {
    expect(rows).toEqual([
      [[1, 1], [2, 1], [11, 1]],
      [[1, 2], [2, 2], [11, 1], [12, 2]],
      [[1, 3], [2, 3], [13, 3]],
    ]);
    // DuckDB's adapter declares no index support (`indexes` is warned about and skipped there).
    const each = target.name === 'duckdb' ? 0 : 2;
    expect(indexes).toEqual([each, each, each]);
  });
});
