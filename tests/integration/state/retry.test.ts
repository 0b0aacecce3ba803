// `kiln retry` and `result:` on a real DuckDB: after a failed build, retry reruns exactly what
// errored, failed or was skipped, as the same command with the same selection and vars.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { queryDuckDb } from '../../helpers/duckdb-query.js';
import { testdir } from '../../helpers/testdir.js';

const PROFILE = 'p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n      schema: main\n      threads: 4\n';

function project(): string {
  return testdir({
    'dbt_project.yml': 'name: p\nprofile: p\n',
    'profiles.yml': PROFILE,
    'models/a.sql': "{{ config(materialized='table') }}\nselect {{ var('n', 1) }} as n",
    'models/b.sql': "{{ config(materialized='table') }}\nselect n, missing_column from {{ ref('a') }}",
    'models/c.sql': "{{ config(materialized='table') }}\nselect n * 10 as n10 from {{ ref('b') }}",
    'models/d.sql': "{{ config(materialized='table') }}\nselect 1 as one",
    'models/unselected.sql': "{{ config(materialized='table') }}\nselect 1 as x",
    'models/schema.yml': 'models:\n  - name: c\n    columns:\n      - name: n10\n        data_tests: [not_null]\n  - name: d\n    columns:\n      - name: one\n        data_tests: [not_null]\n',
  });
}

const results = (dir: string) =>
  Object.fromEntries(
    JSON.parse(fs.readFileSync(path.join(dir, 'target/run_results.json'), 'utf8')).results.map((r: { unique_id: string; status: string }) => [r.unique_id.split('.').slice(0, 3).join('.'), r.status]),
  );

describe('kiln retry', () => {
  it('reruns what errored or was skipped, with the same selection and vars', async () => {
    const dir = project();
    const first = await kiln(['build', '-s', 'a+', 'd', '--vars', '{n: 7}'], dir);
    expect(first.code, first.output).toBe(1);
    expect(results(dir)).toEqual({ 'model.p.a': 'success', 'model.p.b': 'error', 'model.p.c': 'skipped', 'test.p.not_null_c_n10': 'skipped', 'model.p.d': 'success', 'test.p.not_null_d_one': 'pass' });

    // `result:` reads the same run_results.json.
    const ls = await kiln(['ls', '-s', 'result:error+', '--output', 'name'], dir);
    expect(ls.stdout.split('\n').filter(Boolean).sort()).toEqual(['b', 'c', 'not_null_c_n10']);
    expect((await kiln(['ls', '-s', 'result:skipped', '--output', 'name'], dir)).stdout).toBe('c\nnot_null_c_n10\n');

    fs.writeFileSync(path.join(dir, 'models/b.sql'), "{{ config(materialized='table') }}\nselect n, 2 as extra from {{ ref('a') }}");
    const retry = await kiln(['retry'], dir);
    expect(retry.code, retry.output).toBe(0);
    expect(retry.stdout).toMatch(/Retrying 3 nodes of the last `kiln build`/);
    // Only the three retried nodes ran; the vars of the first run still apply.
    expect(results(dir)).toEqual({ 'model.p.b': 'success', 'model.p.c': 'success', 'test.p.not_null_c_n10': 'pass' });
    expect(await queryDuckDb(path.join(dir, 'dev.duckdb'), 'select n10 from main.c')).toEqual([{ n10: 70 }]);
    const args = JSON.parse(fs.readFileSync(path.join(dir, 'target/run_results.json'), 'utf8')).args;
    // vars parsed, as dbt writes them
    expect(args).toMatchObject({ which: 'build', select: ['a+', 'd'], vars: { n: 7 } });
    expect((await queryDuckDb(path.join(dir, 'dev.duckdb'), "select count(*) as n from information_schema.tables where table_name = 'unselected'"))[0]).toEqual({ n: 0 });

    const again = await kiln(['retry'], dir);
    expect(again.code, again.output).toBe(0);
    expect(again.stdout).toMatch(/Nothing to retry/);
  });

  it('takes --vars from this invocation; --warn-error also retries warnings', async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: p\nprofile: p\n',
      'profiles.yml': PROFILE,
      'models/m.sql': "{{ config(materialized='table') }}\nselect cast('{{ var('x', 'oops') }}' as integer) as v",
      'models/w.sql': "{{ config(materialized='table') }}\nselect 1 as v",
      'models/schema.yml': "models:\n  - name: w\n    columns:\n      - name: v\n        data_tests:\n          - accepted_values:\n              values: [2]\n              config: {severity: warn}\n",
    });
    expect((await kiln(['build'], dir)).code).toBe(1);
    expect(results(dir)).toMatchObject({ 'model.p.m': 'error', 'model.p.w': 'success' });
    const fixed = await kiln(['retry', '--vars', '{x: 5}'], dir);
    expect(fixed.code, fixed.output).toBe(0);
    expect(results(dir)).toEqual({ 'model.p.m': 'success' });
    expect(await queryDuckDb(path.join(dir, 'dev.duckdb'), 'select v from main.m')).toEqual([{ v: 5 }]);
    // A warning is not retried, unless warnings count as failures now.
    expect((await kiln(['build', '-s', 'w'], dir)).code).toBe(0);
    expect((await kiln(['retry'], dir)).stdout).toMatch(/Nothing to retry/);
    const strict = await kiln(['retry', '--warn-error'], dir);
    expect(strict.code, strict.output).toBe(1);
    expect(Object.values(results(dir))).toEqual(['fail']);
  });

  it('without a previous run is a clear error (exit 2)', async () => {
    const dir = project();
    const r = await kiln(['retry'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/KLN307.*No previous run to read: target\/run_results\.json does not exist/);
    const ls = await kiln(['ls', '-s', 'result:error'], dir);
    expect(ls.code).toBe(2);
    expect(ls.stderr).toMatch(/KLN307.*'result:error' in --select at column 1/);
  });
});
