// Idioms of graph-walking packages (dbt_project_evaluator's shape, checked side by side with
// dbt 1.11): vars whose values are Jinja, post-hooks whose macros write into the relation just
// built, `graph` read from macros. Each project here is small and written for the test.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { queryDuckDb } from '../../helpers/duckdb-query.js';
import { testdir } from '../../helpers/testdir.js';

const PROFILE = `p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n      schema: main\n      threads: 2\n`;

describe('graph-walking package idioms', () => {
  it('a var whose value is Jinja is rendered when read, in the reading context (also as a macro default)', async () => {
    const dir = testdir({
      'dbt_project.yml': [
        'name: p',
        'profile: p',
        'vars:',
        `  batch: "{{ 500 if target.type == 'bigquery' else 10000 }}"`,
        `  label: "{{ target.type }}-{{ this.name if this is defined else 'none' }}"`,
        '  plain: "{ not jinja }"',
      ].join('\n'),
      'profiles.yml': PROFILE,
      'macros/batches.sql': "{% macro batches(n, size=var('batch') | int) %}{{ return((n / size) | round(0, 'ceil') | int) }}{% endmacro %}",
      'models/m.sql': [
        "{{ config(materialized='table') }}",
        "select {{ batches(25000) }} as batches, '{{ var('label') }}' as label, '{{ var('plain') }}' as plain, {{ var('batch') | int + 1 }} as next",
      ].join('\n'),
    });
    const r = await kiln(['build'], dir);
    expect(r.code, r.output).toBe(0);
    const rows = await queryDuckDb(path.join(dir, 'dev.duckdb'), 'select * from m');
    expect(rows).toEqual([{ batches: 3, label: 'duckdb-m', plain: '{ not jinja }', next: 10001 }]);
  });

  it("a post-hook's macro runs statements against the relation the model just built", async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: p\nprofile: p\n',
      'profiles.yml': PROFILE,
      'macros/fill.sql': [
        '{% macro fill(relation) %}',
        '  {% set n = run_query("select count(*) from " ~ relation).columns[0].values()[0] %}',
        '  {% call statement("fill") %}insert into {{ relation }} values ({{ n }} + 10), ({{ n }} + 20){% endcall %}',
        '{% endmacro %}',
      ].join('\n'),
      'models/filled.sql': [
        `{{ config(materialized='table', post_hook="{{ fill(this) }}") }}`,
        'select 1 as x',
      ].join('\n'),
      'models/after.sql': "{{ config(materialized='table') }}\nselect count(*) as n from {{ ref('filled') }}",
    });
    const r = await kiln(['build'], dir);
    expect(r.code, r.output).toBe(0);
    expect(await queryDuckDb(path.join(dir, 'dev.duckdb'), 'select x from filled order by x')).toEqual([{ x: 1 }, { x: 11 }, { x: 21 }]);
    expect(await queryDuckDb(path.join(dir, 'dev.duckdb'), 'select n from after')).toEqual([{ n: 3 }]);
  });
});
