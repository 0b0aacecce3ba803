// Bad incremental configs on DuckDB and PostgreSQL: each is a clear error naming the model, the
// config and the fix, with a stable code, and the table built by the previous run is untouched.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupTargets, csv, project, targets, type AdapterTarget } from './harness.js';

const TARGETS = targets();
afterAll(() => cleanupTargets(TARGETS));

const body = `select id, name from {{ ref('src') }}`;
/** Each model is fine on the first run (bad=0) and broken on the second (bad=1). */
const FILES = {
  'seeds/src.csv': csv(['id', 'name'], [1, 'a'], [2, 'b']),
  'models/bad_key.sql': `{{ config(materialized='incremental', unique_key=('nope' if var('bad', 0) else 'id')) }}\n${body}`,
  'models/bad_strategy.sql': `{{ config(materialized='incremental', incremental_strategy=('insert_overwrite' if var('bad', 0) else 'append')) }}\n${body}`,
  'models/bad_microbatch.sql': `{{ config(materialized='incremental', incremental_strategy=('microbatch' if var('bad', 0) else 'append'), batch_size='day', begin='2024-01-01') }}\n${body}`,
  'models/bad_schema.sql': `{{ config(materialized='incremental', unique_key='id', on_schema_change='fail') }}\nselect id, name {% if var('bad', 0) %}, 1 as extra{% endif %} from {{ ref('src') }}`,
  'models/bad_update_columns.sql': `{{ config(materialized='incremental', incremental_strategy='merge', unique_key='id', merge_update_columns=(['nme'] if var('bad', 0) else ['name'])) }}\n${body}`,
};

interface Result {
  unique_id: string;
  status: string;
  message: string;
}

describe.each(TARGETS)('bad incremental configs on $name', (target: AdapterTarget) => {
  let configRun = { code: -1, stdout: '', output: '' };
  let dataRun = { code: -1, stdout: '', output: '' };
  let results: Result[] = [];
  const rows: Record<string, unknown[]> = {};
  let helpers: string[] = [];

  beforeAll(async () => {
    const p = await project(target, FILES);
    await p.ok(['build']);
    p.write('seeds/src.csv', csv(['id', 'name'], [1, 'A'], [2, 'B'], [3, 'c']));
    await p.ok(['seed']);
    // Configs wrong whatever the data: found once the database is open, before anything runs.
    configRun = await p.run(['run', '--vars', '{bad: 1}']);
    // Configs that name columns: found when the node runs, inside its transaction.
    dataRun = await p.run(['run', '--vars', '{bad: 1}', '--exclude', 'bad_strategy', 'bad_microbatch']);
    results = JSON.parse(fs.readFileSync(path.join(p.dir, 'target/run_results.json'), 'utf8')).results;
    for (const m of Object.keys(FILES).filter((f) => f.startsWith('models/')).map((f) => path.basename(f, '.sql'))) {
      rows[m] = (await p.rows(`select id, name from ${p.rel(m)} order by id`)).map((x) => `${x.id}:${x.name}`);
    }
    helpers = (await p.relations()).filter((x) => x.includes('__dbt'));
  }, 300_000);

  it('leaves every table as the previous run built it', () => {
    for (const m of Object.keys(rows)) expect(rows[m], m).toEqual(['1:a', '2:b']);
    expect(helpers).toEqual([]);
  });

  it('a strategy the database does not run, a microbatch model without event_time: reported together, nothing runs (exit 2)', () => {
    expect(configRun.code).toBe(2);
    expect(configRun.output).not.toMatch(/START/);
    expect(configRun.output).toMatch(/error\[KLN103\] Model 'bad_strategy': incremental_strategy 'insert_overwrite' is not supported[\s\S]*?--> models\/bad_strategy\.sql:1[\s\S]*?hint: Use one of append, merge, delete\+insert, microbatch/);
    expect(configRun.output).toMatch(/Model 'bad_microbatch': the microbatch strategy needs `event_time`[\s\S]*?hint: Add event_time='created_at'/);
  });

  const message = (model: string) => results.find((r) => r.unique_id === `model.p.${model}`)!.message;

  it('column problems fail their nodes (exit 1)', () => {
    expect(dataRun.code).toBe(1);
    expect(results.map((r) => [r.unique_id, r.status])).toEqual(
      ['bad_key', 'bad_schema', 'bad_update_columns'].map((m) => [`model.p.${m}`, 'error']),
    );
  });

  it('a unique_key column the query does not return', () => {
    expect(message('bad_key')).toMatch(/Model 'bad_key': unique_key 'nope' is not a column of the model's query \(its columns: id, name\)/);
    expect(dataRun.stdout).toMatch(/error\[KLN507\][^\n]*bad_key[\s\S]*?--> models\/bad_key\.sql:1[\s\S]*?hint: Name an output column in unique_key/);
  });

  it('on_schema_change: fail on a changed schema', () => {
    expect(message('bad_schema')).toMatch(/Model 'bad_schema': the model's columns changed and on_schema_change is 'fail' \(new in the model: extra\); the table was left as it was/);
    expect(dataRun.stdout).toMatch(/error\[KLN506\][\s\S]*?hint: Rebuild it with --full-refresh, or set on_schema_change/);
  });

  it('merge_update_columns naming a column the model does not write', () => {
    expect(message('bad_update_columns')).toMatch(/merge_update_columns names 'nme', which is not a column the model writes/);
  });
});
