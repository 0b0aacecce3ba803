// delete+insert with a unique index on the key (PostgreSQL): the load runs as one MERGE, with
// delete+insert's rows: replaced rows take the model's values, a column the model no longer
// writes gets its default (null), new keys are inserted. A unique index declared after the table
// was built is not there yet: the table may hold duplicate keys, and delete+insert's own
// statements must replace all of them. DuckDB (no indexes) runs delete+insert as before.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupTargets, project, targets, type AdapterTarget } from './harness.js';

const TARGETS = targets();
afterAll(() => cleanupTargets(TARGETS));

const config = (indexes: string, change = 'ignore') =>
  `{{ config(materialized='incremental', unique_key='id', incremental_strategy='delete+insert', on_schema_change='${change}', indexes=${indexes}) }}`;
const UNIQUE = "[{'columns': ['id'], 'unique': True}]";

describe.each(TARGETS)('delete+insert over a unique index on $name', (target: AdapterTarget) => {
  const rows: Record<string, unknown[][]> = {};
  const usedMerge: Record<string, boolean> = {};
  beforeAll(async () => {
    const p = await project(target, {
      // Indexed from the first build.
      'models/indexed.sql': `${config(UNIQUE)}\nselect 1 as id, 'a' as v, 10 as w union all select 2, 'b', 20`,
      // Built with duplicate keys and no index; the unique index is declared afterwards.
      'models/late.sql': `${config('[]')}\nselect 1 as id, 'a' as v union all select 1, 'a2' union all select 2, 'b'`,
    });
    const runSql = (m: string) => fs.readFileSync(path.join(p.dir, 'target/run/p/models', `${m}.sql`), 'utf8');
    await p.ok(['run']);
    // indexed: the model stops writing `w` (append_new_columns keeps the column, null in new rows).
    p.write('models/indexed.sql', `${config(UNIQUE, 'append_new_columns')}\nselect 2 as id, 'B' as v union all select 3, 'c'`);
    p.write('models/late.sql', `${config(UNIQUE)}\nselect 1 as id, 'x' as v union all select 3, 'c'`);
    await p.ok(['run']);
    for (const m of ['indexed', 'late']) {
      const cols = m === 'indexed' ? 'id, v, w' : 'id, v';
      rows[m] = (await p.rows(`select ${cols} from ${p.rel(m)} order by id, v`)).map((r) => Object.values(r));
      usedMerge[m] = /^merge into/m.test(runSql(m));
    }
  }, 120_000);

  it('replaces matched rows, inserts new keys, leaves columns the model does not write null', () => {
    expect(rows.indexed).toEqual([
      [1, 'a', 10],
      [2, 'B', null],
      [3, 'c', null],
    ]);
    expect(usedMerge.indexed).toBe(target.name === 'postgres');
  });

  it('an index declared after the build (not on the table): duplicate keys are all replaced, without MERGE', () => {
    expect(rows.late).toEqual([
      [1, 'x'],
      [2, 'b'],
      [3, 'c'],
    ]);
    expect(usedMerge.late).toBe(false);
  });
});
