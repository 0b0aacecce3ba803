// Every incremental strategy as a multi-run scenario on DuckDB and PostgreSQL: first load, new
// rows, updated rows, late-arriving rows, keys deleted from the source. The rows after each run
// are asserted exactly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupTargets, csv, project, targets, type AdapterTarget } from './harness.js';

const TARGETS = targets();
afterAll(() => cleanupTargets(TARGETS));

const HEADER = ['id', 'region', 'name', 'amount', 'updated_at'];
/** The source after each run: R1 first load; R2 row 2 updated, row 3 new; R3 key 1 deleted upstream, row 4 arrives late; R4 row 3 updated. */
const SOURCE = [
  [[1, 'eu', 'a', 10, '2024-01-01 00:00:00'], [2, 'eu', 'b', 20, '2024-01-02 00:00:00']],
  [[1, 'eu', 'a', 10, '2024-01-01 00:00:00'], [2, 'eu', 'B', 25, '2024-01-03 00:00:00'], [3, 'us', 'c', 30, '2024-01-03 00:00:00']],
  [[2, 'eu', 'B', 25, '2024-01-03 00:00:00'], [3, 'us', 'c', 30, '2024-01-03 00:00:00'], [4, 'us', 'd', 40, '2024-01-02 12:00:00']],
  [[2, 'eu', 'B', 25, '2024-01-03 00:00:00'], [3, 'us', 'C', 35, '2024-01-04 00:00:00'], [4, 'us', 'd', 40, '2024-01-02 12:00:00']],
];

/** Rows changed within a day of the newest one already loaded (so late rows are picked up). */
const RECENT = `select id, region, name, amount, updated_at from {{ ref('src') }}
{% if is_incremental() %}
where updated_at >= (select max(updated_at) from {{ this }}) - interval '1 day'
{% endif %}`;

type Row = [number, string, string, number];

const NEW_IDS = `select id, region, name, amount from {{ ref('src') }}
{% if is_incremental() %} where id > (select max(id) from {{ this }}) {% endif %}`;

const APPENDED: Row[][] = [
  [[1, 'eu', 'a', 10], [2, 'eu', 'b', 20]],
  [[1, 'eu', 'a', 10], [2, 'eu', 'b', 20], [3, 'us', 'c', 30]],
  [[1, 'eu', 'a', 10], [2, 'eu', 'b', 20], [3, 'us', 'c', 30], [4, 'us', 'd', 40]],
  [[1, 'eu', 'a', 10], [2, 'eu', 'b', 20], [3, 'us', 'c', 30], [4, 'us', 'd', 40]],
];
const KEYED: Row[][] = [
  [[1, 'eu', 'a', 10], [2, 'eu', 'b', 20]],
  [[1, 'eu', 'a', 10], [2, 'eu', 'B', 25], [3, 'us', 'c', 30]],
  [[1, 'eu', 'a', 10], [2, 'eu', 'B', 25], [3, 'us', 'c', 30], [4, 'us', 'd', 40]],
  [[1, 'eu', 'a', 10], [2, 'eu', 'B', 25], [3, 'us', 'C', 35], [4, 'us', 'd', 40]],
];
/** Only amount (and updated_at) of matched rows change. */
const AMOUNT_ONLY: Row[][] = [
  [[1, 'eu', 'a', 10], [2, 'eu', 'b', 20]],
  [[1, 'eu', 'a', 10], [2, 'eu', 'b', 25], [3, 'us', 'c', 30]],
  [[1, 'eu', 'a', 10], [2, 'eu', 'b', 25], [3, 'us', 'c', 30], [4, 'us', 'd', 40]],
  [[1, 'eu', 'a', 10], [2, 'eu', 'b', 25], [3, 'us', 'c', 35], [4, 'us', 'd', 40]],
];
/** Only target rows updated on or after Jan 2 may be replaced: row 1 (Jan 1) never is, so its re-selected copy lands beside it. */
const PREDICATED: Row[][] = [
  [[1, 'eu', 'a', 10], [2, 'eu', 'b', 20]],
  [[1, 'eu', 'a', 10], [1, 'eu', 'a', 10], [2, 'eu', 'B', 25], [3, 'us', 'c', 30]],
  [[1, 'eu', 'a', 10], [1, 'eu', 'a', 10], [2, 'eu', 'B', 25], [3, 'us', 'c', 30], [4, 'us', 'd', 40]],
  [[1, 'eu', 'a', 10], [1, 'eu', 'a', 10], [2, 'eu', 'B', 25], [3, 'us', 'C', 35], [4, 'us', 'd', 40]],
];
const predicated = (strategy: string) => `{{ config(materialized='incremental', incremental_strategy='${strategy}', unique_key='id',
  incremental_predicates=["DBT_INTERNAL_DEST.updated_at >= cast('2024-01-02' as timestamp)"]) }}
select id, region, name, amount, updated_at from {{ ref('src') }}`;
/** delete+insert of a model whose incremental rows hold key 3 twice: every target row of a key is deleted once, both copies inserted. */
const DUPLICATED: Row[][] = [
  [[1, 'eu', 'a', 10], [2, 'eu', 'b', 20]],
  [[1, 'eu', 'a', 10], [2, 'eu', 'B', 25], [3, 'us', 'c', 30], [3, 'us', 'c', 30]],
  [[1, 'eu', 'a', 10], [2, 'eu', 'B', 25], [3, 'us', 'c', 30], [3, 'us', 'c', 30], [4, 'us', 'd', 40]],
  [[1, 'eu', 'a', 10], [2, 'eu', 'B', 25], [3, 'us', 'C', 35], [3, 'us', 'C', 35], [4, 'us', 'd', 40]],
];
const duplicated = `${RECENT}
{% if is_incremental() %}
union all
select id, region, name, amount, updated_at from {{ ref('src') }} where id = 3
{% endif %}`;
const inc = (config: string, sql = RECENT) => `{{ config(materialized='incremental'${config ? `, ${config}` : ''}) }}\n${sql}`;

/** One model per variant, all built by the same four runs. */
const MODELS: Record<string, { what: string; sql: string; expected: Row[][] }> = {
  append: { what: "append", sql: inc("incremental_strategy='append'", NEW_IDS), expected: APPENDED },
  di_id: { what: "delete+insert, unique_key 'id'", sql: inc("incremental_strategy='delete+insert', unique_key='id'"), expected: KEYED },
  merge_id: { what: "merge, unique_key 'id'", sql: inc("incremental_strategy='merge', unique_key='id'"), expected: KEYED },
  di_list: { what: 'delete+insert, unique_key [id, region]', sql: inc("incremental_strategy='delete+insert', unique_key=['id', 'region']"), expected: KEYED },
  merge_list: { what: 'merge, unique_key [id, region]', sql: inc("incremental_strategy='merge', unique_key=['id', 'region']"), expected: KEYED },
  default_key: { what: 'the default strategy with a key (delete+insert)', sql: inc("unique_key='id'"), expected: KEYED },
  default_nokey: { what: 'the default strategy without a key (append)', sql: inc('', NEW_IDS), expected: APPENDED },
  merge_nokey: { what: 'merge without a key (nothing matches: inserts)', sql: inc("incremental_strategy='merge'", NEW_IDS), expected: APPENDED },
  merge_update: { what: 'merge with merge_update_columns', sql: inc("incremental_strategy='merge', unique_key='id', merge_update_columns=['amount', 'updated_at']"), expected: AMOUNT_ONLY },
  merge_exclude: { what: 'merge with merge_exclude_columns', sql: inc("incremental_strategy='merge', unique_key='id', merge_exclude_columns=['name']"), expected: AMOUNT_ONLY },
  merge_pred: { what: 'merge with incremental_predicates', sql: predicated('merge'), expected: PREDICATED },
  di_pred: { what: 'delete+insert with incremental_predicates', sql: predicated('delete+insert'), expected: PREDICATED },
  // An unqualified column in a delete+insert predicate is the target's (dbt's `where key in (...) and predicate`).
  di_pred_bare: {
    what: 'delete+insert with an unqualified incremental predicate',
    sql: predicated('delete+insert').replace('DBT_INTERNAL_DEST.updated_at', 'updated_at'),
    expected: PREDICATED,
  },
  di_dup: { what: 'delete+insert of rows that repeat a key', sql: inc("incremental_strategy='delete+insert', unique_key='id'", duplicated), expected: DUPLICATED },
  di_dup_list: { what: 'delete+insert with unique_key [id, region] of rows that repeat a key', sql: inc("incremental_strategy='delete+insert', unique_key=['id', 'region']", duplicated), expected: DUPLICATED },
};

describe.each(TARGETS)('incremental strategies on $name', (target: AdapterTarget) => {
  /** model → its rows after each of the four runs. */
  const seen = new Map<string, Row[][]>();
  const afterFullRefresh = new Map<string, Row[]>();
  const types = new Map<string, string>();

  beforeAll(async () => {
    const p = await project(target, {
      ...Object.fromEntries(Object.entries(MODELS).map(([name, m]) => [`models/${name}.sql`, m.sql])),
      // A view first; an incremental model from the second run on.
      'models/was_view.sql': `select id, region, name, amount, updated_at from {{ ref('src') }}`,
      'models/no_refresh.sql': inc("unique_key='id', full_refresh=false"),
    });
    const rowsOf = async (name: string) =>
      (await p.rows(`select id, region, name, amount from ${p.rel(name)} order by id, region, name, amount`)).map((r) => [r.id, r.region, r.name, r.amount] as Row);
    for (let i = 0; i < SOURCE.length; i++) {
      p.write('seeds/src.csv', csv(HEADER, ...SOURCE[i]));
      await p.ok(['build']);
      for (const name of [...Object.keys(MODELS), 'was_view']) seen.set(name, [...(seen.get(name) ?? []), await rowsOf(name)]);
      if (i === 0) p.write('models/was_view.sql', inc("unique_key='id'"));
    }
    await p.ok(['build', '--full-refresh']);
    for (const name of ['di_id', 'append', 'no_refresh']) afterFullRefresh.set(name, await rowsOf(name));
    for (const r of await target.relations(p.dir)) types.set(r.name, r.type);
  }, 300_000);

  it.each(Object.entries(MODELS).map(([name, m]) => [m.what, name]))('%s: the rows after each run', (_what, name) => {
    expect(seen.get(name)).toEqual(MODELS[name].expected);
  });

  it('a view of the same name is replaced by the incremental table, which then loads incrementally', async () => {
    expect(seen.get('was_view')).toEqual(KEYED);
    expect(types.get('was_view')).toBe('table');
  });

  it('--full-refresh rebuilds from scratch; full_refresh: false keeps the table; no helper relations remain', () => {
    expect(afterFullRefresh.get('di_id')).toEqual([[2, 'eu', 'B', 25], [3, 'us', 'C', 35], [4, 'us', 'd', 40]]);
    expect(afterFullRefresh.get('append')).toEqual([[2, 'eu', 'B', 25], [3, 'us', 'C', 35], [4, 'us', 'd', 40]]);
    expect(afterFullRefresh.get('no_refresh')).toEqual(KEYED[3]);
    expect([...types.keys()].filter((r) => r.includes('__dbt'))).toEqual([]);
  });
});
