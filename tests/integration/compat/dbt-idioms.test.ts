// Idioms found in public dbt projects (checked side by side with dbt): package tests that call
// should_store_failures(), time spines built with dbt.date_spine, and unit-test fixtures that give
// YAML booleans for integer flag columns. Each project here is small and written for the test.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { queryDuckDb } from '../../helpers/duckdb-query.js';
import { testdir } from '../../helpers/testdir.js';
import { TestHub } from '../../helpers/package-hub.js';

const PROFILE = `p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n      schema: main\n      threads: 2\n`;

describe('dbt idioms from real projects', () => {
  it('a generic test that asks should_store_failures() selects every column only when failures are stored', async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: p\nprofile: p\n',
      'profiles.yml': PROFILE,
      'macros/is_positive.sql': [
        '{% test is_positive(model, column_name) %}',
        "{% set cols = '*' if should_store_failures() else '1 as filler' %}",
        'select {{ cols }} from {{ model }} where not ({{ column_name }} > 0)',
        '{% endtest %}',
      ].join('\n'),
      'models/amounts.sql': "{{ config(materialized='table') }}\nselect 1 as id, 5 as amount union all select 2, -3",
      'models/amounts.yml': 'models:\n  - name: amounts\n    columns:\n      - name: amount\n        data_tests: [is_positive]\n',
    });
    const plain = await kiln(['build'], dir);
    expect(plain.code, plain.output).toBe(1);
    expect(plain.output).toMatch(/FAIL 1 is_positive_amounts_amount/);
    expect(plain.output).not.toMatch(/KLN202/);
    const compiled = fs.readFileSync(path.join(dir, 'target/compiled/p/models/amounts.yml/is_positive_amounts_amount.sql'), 'utf8');
    expect(compiled).toContain('1 as filler');

    const stored = await kiln(['build', '--store-failures'], dir);
    expect(stored.code, stored.output).toBe(1);
    const rows = await queryDuckDb(path.join(dir, 'dev.duckdb'), 'select * from main_dbt_test__audit.is_positive_amounts_amount');
    expect(rows).toEqual([{ id: 2, amount: -3 }]);
  });

  it('dbt.date_spine gives one row per day from the start up to (not including) the end', async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: p\nprofile: p\n',
      'profiles.yml': PROFILE,
      'models/spine.sql': [
        "{{ config(materialized='table') }}",
        'with days as (',
        `  {{ dbt.date_spine('day', "cast('2024-02-27' as date)", "cast('2024-03-02' as date)") }}`,
        ')',
        'select cast(date_day as date) as date_day from days',
      ].join('\n'),
    });
    const r = await kiln(['build'], dir);
    expect(r.code, r.output).toBe(0);
    const rows = await queryDuckDb(path.join(dir, 'dev.duckdb'), "select strftime(date_day, '%Y-%m-%d') as d from spine order by 1");
    expect(rows.map((x) => x.d)).toEqual(['2024-02-27', '2024-02-28', '2024-02-29', '2024-03-01']);
  });

  it('unit-test fixtures write YAML booleans and numbers as bare literals, so true fills an integer flag column', async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: p\nprofile: p\n',
      'profiles.yml': PROFILE,
      'models/items.sql': "select 1 as order_id, case when 'x' = 'x' then 1 else 0 end as is_food",
      'models/order_flags.sql': "select order_id, sum(case when is_food then 1 else 0 end) as n_food from {{ ref('items') }} group by 1",
      'models/unit.yml': [
        'unit_tests:',
        '  - name: counts_food',
        '    model: order_flags',
        '    given:',
        "      - input: ref('items')",
        '        rows:',
        '          - {order_id: 1, is_food: true}',
        '          - {order_id: 1, is_food: false}',
        '          - {order_id: 2, is_food: true}',
        '    expect:',
        '      rows:',
        '        - {order_id: 1, n_food: 1}',
        '        - {order_id: 2, n_food: 1}',
      ].join('\n'),
    });
    const r = await kiln(['build'], dir);
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).toMatch(/PASS order_flags::counts_food/);
  });

  it('kiln deps renders var() in dbt_project.yml with --vars, as the other commands do', async () => {
    const pkg = testdir({
      'dbt_project.yml': 'name: helpers\nversion: 1.0.0\nconfig-version: 2\n',
      'macros/twice.sql': '{% macro twice(x) %}({{ x }} * 2){% endmacro %}',
    });
    const dir = testdir({
      'dbt_project.yml': "name: p\nprofile: p\nseeds:\n  p:\n    +enabled: \"{{ var('load_source_data', false) }}\"\n",
      'profiles.yml': PROFILE,
      'packages.yml': `packages:\n  - local: ${JSON.stringify(pkg)}\n`,
      'seeds/raw.csv': 'id\n1\n',
      'models/m.sql': "select {{ twice(21) }} as answer",
    });
    const deps = await kiln(['deps'], dir);
    expect(deps.code, deps.output).toBe(0);
    expect(deps.output).not.toMatch(/KLN202/);
    const depsWithVars = await kiln(['deps', '--vars', '{load_source_data: true}'], dir);
    expect(depsWithVars.code, depsWithVars.output).toBe(0);
    const built = await kiln(['build', '--vars', '{load_source_data: true}'], dir);
    expect(built.code, built.output).toBe(0);
    expect(built.stdout).toMatch(/loaded seed file main\.raw/);
    expect(await queryDuckDb(path.join(dir, 'dev.duckdb'), 'select answer from m')).toEqual([{ answer: 42 }]);
  });

  it('kiln deps names every package it cannot install, not only the first', async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: p\nprofile: p\n',
      'profiles.yml': PROFILE,
      'packages.yml': 'packages:\n  - package: acme/first_pkg\n    version: 1.0.0\n  - package: acme/second_pkg\n    version: 2.0.0\n',
    });
    const hub = await new TestHub().start();
    process.env.DBT_PACKAGE_HUB_URL = hub.url;
    try {
      const r = await kiln(['deps'], dir);
      expect(r.code).toBe(2);
      expect(r.output).toMatch(/KLN702\] Hub package acme\/first_pkg does not exist/);
      expect(r.output).toMatch(/KLN702\] Hub package acme\/second_pkg does not exist/);
      expect(r.output).toContain('packages.yml:4:5');
      expect(r.output).not.toMatch(/\n\s+at /); // no stack trace
    } finally {
      delete process.env.DBT_PACKAGE_HUB_URL;
      await hub.close();
    }
  });

  it('a config() call written with trailing commas (post_hook list over several lines) builds', async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: p\nprofile: p\n',
      'profiles.yml': PROFILE,
      'models/ids.sql': [
        '{{ config(',
        "    materialized='table',",
        '    post_hook=[',
        '        "insert into {{ this }} values (2)",',
        '        "insert into {{ this }} values (3)",',
        '    ],',
        ') }}',
        'select 1 as id',
      ].join('\n'),
    });
    const r = await kiln(['build'], dir);
    expect(r.code, r.output).toBe(0);
    expect(await queryDuckDb(path.join(dir, 'dev.duckdb'), 'select id from ids order by id')).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
  });

  it('a generic test tells its model relation from a query by mapping metadata and collects column names in a loop', async () => {
    // the shape of dbt_expectations' column tests: `model is mapping and model.get('metadata')...`
    // picks get_columns_in_relation; `{% set xs = xs.append(x) %}` inside a for loop appends each time
    const dir = testdir({
      'dbt_project.yml': 'name: p\nprofile: p\n',
      'profiles.yml': PROFILE,
      'macros/has_column.sql': [
        '{% test has_column(model, column_name) %}',
        "{% if model is mapping and model.get('metadata', {}).get('type', '').endswith('Relation') %}",
        '  {% set cols = adapter.get_columns_in_relation(model) %}',
        '{% else %}',
        "  {{ exceptions.raise_compiler_error('model is not a relation') }}",
        '{% endif %}',
        '{% set names = [] %}',
        '{% for c in cols %}{% set names = names.append(c.name | upper) %}{% endfor %}',
        "select '{{ names | join(\",\") }}' as seen where {{ (column_name | upper) not in names }}",
        '{% endtest %}',
      ].join('\n'),
      'models/t.sql': "{{ config(materialized='table') }}\nselect 1 as id, 2 as amount",
      'models/t.yml': 'models:\n  - name: t\n    columns:\n      - name: amount\n        data_tests: [has_column]\n      - name: missing\n        data_tests: [has_column]\n',
    });
    const r = await kiln(['build'], dir);
    expect(r.code, r.output).toBe(1);
    expect(r.output).toMatch(/PASS\s+has_column_t_amount/);
    expect(r.output).toMatch(/FAIL 1 has_column_t_missing/);
    const compiled = fs.readFileSync(path.join(dir, 'target/compiled/p/models/t.yml/has_column_t_missing.sql'), 'utf8');
    expect(compiled).toContain("select 'ID,AMOUNT' as seen where True");
  });
});
