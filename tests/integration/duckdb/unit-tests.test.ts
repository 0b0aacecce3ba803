// Unit tests: inputs replaced by literal rows, nothing built; pass, fail with a readable diff,
// overrides, CSV rows, typed nulls, and load-time errors with the YAML line.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { relationsOf } from '../../helpers/duckdb-query.js';
import { testdir } from '../../helpers/testdir.js';

const PROFILE = `p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n      schema: main\n      threads: 2\n`;
const MODELS = {
  'seeds/raw_orders.csv': 'id,customer_id,amount,status\n1,1,10,completed\n2,1,5,returned\n3,2,7,completed\n',
  'models/stg_orders.sql': "select id, customer_id, amount, status from {{ ref('raw_orders') }}",
  'models/customer_totals.sql': [
    "{{ config(materialized='table') }}",
    'select customer_id, sum(amount) as total, count(*) as n, max(note) as note',
    "from {{ ref('stg_orders') }} left join (select null::varchar as note) x on true",
    "where status in ({% for s in var('counted') %}'{{ s }}'{{ ',' if not loop.last }}{% endfor %})",
    '{% if is_incremental() %}and amount > 0{% endif %}',
    'group by customer_id',
  ].join('\n'),
};

function project(unitYaml: string): string {
  return testdir({
    'dbt_project.yml': "name: p\nprofile: p\nvars:\n  counted: ['completed']\n",
    'profiles.yml': PROFILE,
    ...MODELS,
    'models/unit.yml': unitYaml,
  });
}

describe('unit tests', () => {
  it('pass and fail on literal inputs, before the model is built, without building it on failure', async () => {
    const dir = project(`unit_tests:
  - name: sums_completed_orders
    model: customer_totals
    given:
      - input: ref('stg_orders')
        rows:
          - {id: 1, customer_id: 1, amount: 10, status: completed}
          - {id: 2, customer_id: 1, amount: 5, status: completed}
          - {id: 3, customer_id: 2, amount: 7, status: returned}
    expect:
      rows:
        - {customer_id: 1, total: 15, n: 2}
  - name: wrong_expectation
    model: customer_totals
    given:
      - input: ref('stg_orders')
        format: csv
        rows: |
          id,customer_id,amount,status
          1,1,10,completed
    expect:
      rows:
        - {customer_id: 1, total: 11}
`);
    const r = await kiln(['build'], dir);
    expect(r.code, r.output).toBe(1);
    expect(r.stdout).toMatch(/PASS customer_totals::sums_completed_orders/);
    expect(r.stdout).toMatch(/FAIL 2 customer_totals::wrong_expectation/);
    expect(r.stdout).toContain('- {customer_id: 1, total: 11}    (expected, not returned)');
    expect(r.stdout).toContain('+ {customer_id: 1, total: 10}    (returned, not expected)');
    expect(r.stdout).toMatch(/SKIP relation main\.customer_totals/);
    expect((await relationsOf(path.join(dir, 'dev.duckdb'))).map((x) => x.name)).toEqual(['raw_orders', 'stg_orders']);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8'));
    expect(Object.keys(manifest.unit_tests).sort()).toEqual(['unit_test.p.customer_totals.sums_completed_orders', 'unit_test.p.customer_totals.wrong_expectation']);
  });

  it('applies var and macro overrides; kiln test runs unit tests alone', async () => {
    const dir = project(`unit_tests:
  - name: counts_returned_when_told
    model: customer_totals
    overrides:
      vars: {counted: [returned]}
      macros: {is_incremental: true}
    given:
      - input: ref('stg_orders')
        rows:
          - {id: 1, customer_id: 1, amount: 0, status: returned}
          - {id: 2, customer_id: 3, amount: 4, status: returned}
          - {id: 3, customer_id: 3, status: completed}
    expect:
      rows:
        - {customer_id: 3, total: 4, n: 1, note: null}
`);
    expect((await kiln(['build', '--exclude', 'customer_totals'], dir)).code).toBe(0);
    const r = await kiln(['test', '-s', 'customer_totals'], dir);
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).toMatch(/PASS customer_totals::counts_returned_when_told/);
    expect(r.stdout).toMatch(/Done\. PASS=1 WARN=0 ERROR=0 SKIP=0 NO-OP=0 TOTAL=1/);
  });

  it('reports bad definitions at load time with the YAML line, running nothing', async () => {
    const dir = project(`unit_tests:
  - name: ok_one
    model: customer_totals
    given: []
    expect: {rows: []}
  - name: bad_model
    model: customer_total
    given: []
    expect: {rows: []}
  - name: bad_input
    model: customer_totals
    given:
      - input: ref('raw_orders')
        rows: []
    expect: {rows: []}
`);
    const r = await kiln(['build'], dir);
    expect(r.code).toBe(2);
    expect(r.output).toMatch(/customer_total', which does not exist/);
    expect(r.output).toMatch(/Did you mean 'customer_totals'/);
    expect(r.output).toMatch(/models\/unit\.yml:7/);
    expect(r.output).toMatch(/'raw_orders' is not an input of customer_totals/);
    expect(r.output).toMatch(/models\/unit\.yml:13/);
    expect(fs.existsSync(path.join(dir, 'dev.duckdb'))).toBe(false);
  });

  it('rejects a given row with a column the input lacks', async () => {
    const dir = project(`unit_tests:
  - name: extra_column
    model: customer_totals
    given:
      - input: ref('stg_orders')
        rows:
          - {id: 1, customer_id: 1, colour: red}
    expect: {rows: []}
`);
    expect((await kiln(['build', '--exclude', 'customer_totals'], dir)).code).toBe(0);
    const r = await kiln(['test'], dir);
    expect(r.code).toBe(1);
    expect(r.output).toContain('KLN505');
    expect(r.output).toMatch(/has column 'colour', which it does not have/);
  });
});
