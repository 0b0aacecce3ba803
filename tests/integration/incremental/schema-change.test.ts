// on_schema_change on DuckDB and PostgreSQL: a model gains a column, then loses one and widens
// another, under each mode. Rows and columns after every run are asserted exactly; a refused
// change leaves the table as it was.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { typeFamily } from '../adapters/targets.js';
import { cleanupTargets, csv, project, targets, type AdapterTarget } from './harness.js';

const TARGETS = targets();
afterAll(() => cleanupTargets(TARGETS));

const MODES = ['ignore', 'fail', 'append_new_columns', 'sync_all_columns'] as const;

/** Phase 1: id, name, amount. Phase 2: + extra. Phase 3: name gone, amount a bigint. Each phase reloads two ids. */
const model = (mode: string) => `{{ config(materialized='incremental', unique_key='id', incremental_strategy='merge', on_schema_change='${mode}') }}
{% set phase = var('phase', 1) %}
select id,
{% if phase < 3 %} name, amount + {{ phase - 1 }} as amount {% else %} cast(amount + 2 as bigint) as amount {% endif %}
{% if phase > 1 %}, amount * 10 as extra {% endif %}
from {{ ref('src') }}
where id between {{ phase }} and {{ phase + 1 }}`;

const P1 = [{ id: 1, name: 'a', amount: 10 }, { id: 2, name: 'b', amount: 20 }];
const P2_ADDED = [{ id: 1, name: 'a', amount: 10, extra: null }, { id: 2, name: 'b', amount: 21, extra: 200 }, { id: 3, name: 'c', amount: 31, extra: 300 }];

const EXPECTED: Record<(typeof MODES)[number], { rows: Record<string, unknown>[][]; status: string[] }> = {
  ignore: {
    rows: [P1, [{ id: 1, name: 'a', amount: 10 }, { id: 2, name: 'b', amount: 21 }, { id: 3, name: 'c', amount: 31 }], [{ id: 1, name: 'a', amount: 10 }, { id: 2, name: 'b', amount: 21 }, { id: 3, name: 'c', amount: 31 }]],
    status: ['success', 'success', 'error'],
  },
  fail: { rows: [P1, P1, P1], status: ['success', 'error', 'error'] },
  append_new_columns: {
    rows: [P1, P2_ADDED, [{ id: 1, name: 'a', amount: 10, extra: null }, { id: 2, name: 'b', amount: 21, extra: 200 }, { id: 3, name: 'c', amount: 32, extra: 300 }, { id: 4, name: null, amount: 42, extra: 400 }]],
    status: ['success', 'success', 'success'],
  },
  sync_all_columns: {
    rows: [P1, P2_ADDED, [{ id: 1, amount: 10, extra: null }, { id: 2, amount: 21, extra: 200 }, { id: 3, amount: 32, extra: 300 }, { id: 4, amount: 42, extra: 400 }]],
    status: ['success', 'success', 'success'],
  },
};

describe.each(TARGETS)('on_schema_change on $name', (target: AdapterTarget) => {
  const rows = new Map<string, Record<string, unknown>[][]>();
  const status = new Map<string, string[]>();
  const messages = new Map<string, string[]>();
  const amountType = new Map<string, string>();

  beforeAll(async () => {
    const p = await project(target, {
      'seeds/src.csv': csv(['id', 'name', 'amount'], [1, 'a', 10], [2, 'b', 20], [3, 'c', 30], [4, 'd', 40]),
      ...Object.fromEntries(MODES.map((m) => [`models/${m}.sql`, model(m)])),
    });
    await p.ok(['seed']);
    for (const phase of [1, 2, 3]) {
      await p.run(['run', '--vars', `{phase: ${phase}}`]);
      const results = JSON.parse(fs.readFileSync(path.join(p.dir, 'target/run_results.json'), 'utf8')).results as { unique_id: string; status: string; message: string }[];
      for (const m of MODES) {
        const r = results.find((x) => x.unique_id === `model.p.${m}`)!;
        status.set(m, [...(status.get(m) ?? []), r.status]);
        messages.set(m, [...(messages.get(m) ?? []), r.message]);
        rows.set(m, [...(rows.get(m) ?? []), await p.rows(`select * from ${p.rel(m)} order by id`)]);
      }
    }
    for (const m of MODES) {
      const [col] = await p.rows(`select data_type from information_schema.columns where table_schema = '${target.schema}' and table_name = '${m}' and column_name = 'amount'`);
      amountType.set(m, typeFamily(String(col.data_type)));
    }
  }, 300_000);

  it.each(MODES)('%s: rows and columns after each run', (mode) => {
    expect(status.get(mode)).toEqual(EXPECTED[mode].status);
    expect(rows.get(mode)).toEqual(EXPECTED[mode].rows);
  });

  it('sync_all_columns changes the column type; append_new_columns leaves it', () => {
    expect(amountType.get('sync_all_columns')).toBe('bigint');
    expect(amountType.get('append_new_columns')).toBe('integer');
  });

  it('a refused change names the model, the config, the columns and the fix', () => {
    const [, failP2] = messages.get('fail')!;
    expect(failP2).toMatch(/Model 'fail'.*on_schema_change is 'fail'/s);
    expect(failP2).toMatch(/new in the model: extra/);
    const ignoreP3 = messages.get('ignore')![2];
    expect(ignoreP3).toMatch(/Model 'ignore'.*no longer returns.*name.*on_schema_change is 'ignore'/s);
  });
});
