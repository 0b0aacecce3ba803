// Idioms of graph-walking packages (dbt_project_evaluator's shape, checked side by side with
// dbt 1.11): vars whose values are Jinja, post-hooks whose macros write into the relation just
// built, `graph` read from macros. Each project here is small and written for the test.
import fs from 'node:fs';
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

  it("a generic test's config() in its macro body sets its configs, under its YAML entry's (dbt renders the entry's config() call after the macro)", async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: p\nprofile: p\n',
      'profiles.yml': PROFILE,
      'macros/is_empty.sql': "{% test is_empty(model) %}\n  {{ config(severity = var('empty_severity', 'warn')) }}\n  select * from {{ model }}\n{% endtest %}",
      'models/findings.sql': "{{ config(materialized='table') }}\nselect 1 as finding",
      'models/findings.yml': 'models:\n  - name: findings\n    data_tests:\n      - is_empty:\n          config:\n            severity: error\n      - is_empty:\n          name: is_empty_plain\n',
    });
    // dbt-core 1.11.16 on the same project: FAIL 1 is_empty_findings_, WARN 1 is_empty_plain;
    // unrendered_config {'severity': 'error'} and {'severity': 'warn'}.
    const r = await kiln(['build'], dir);
    expect(r.code, r.output).toBe(1);
    expect(r.output).toMatch(/FAIL 1 is_empty_findings_ /);
    expect(r.output).toMatch(/WARN 1 is_empty_plain /);
    const m = JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8')) as { nodes: Record<string, { name: string; config: { severity: string }; unrendered_config: unknown }> };
    const of = (name: string) => Object.values(m.nodes).find((n) => n.name === name)!;
    expect([of('is_empty_findings_').config.severity, of('is_empty_findings_').unrendered_config]).toEqual(['error', { severity: 'error' }]);
    expect([of('is_empty_plain').config.severity, of('is_empty_plain').unrendered_config]).toEqual(['warn', { severity: 'warn' }]);
  });

  it("depends_on.macros lists the macros a node's template and hooks call themselves (not what those call), in first-call order", async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: p\nprofile: p\n',
      'profiles.yml': PROFILE,
      'macros/helpers.sql': [
        '{% macro outer() %}{{ inner() }}{% endmacro %}',
        '{% macro inner() %}1{% endmacro %}',
        '{% macro audit(relation) %}select 1{% endmacro %}',
        '{% test positive(model, column_name) %}select * from {{ model }} where {{ column_name }} <= 0{% endtest %}',
      ].join('\n'),
      'models/m.sql': `{{ config(materialized='table', post_hook="{{ audit(this) }}") }}\nselect {{ outer() }} as x, {{ dbt.type_string() }} as s, {{ outer() }} as y`,
      'models/m.yml': 'models:\n  - name: m\n    columns:\n      - name: x\n        data_tests: [unique, positive]\n',
    });
    const r = await kiln(['compile'], dir);
    expect(r.code, r.output).toBe(0);
    const m = JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8')) as { nodes: Record<string, { depends_on: { macros: string[] } }> };
    const macrosOf = (prefix: string) => Object.entries(m.nodes).find(([id]) => id.startsWith(prefix))?.[1].depends_on.macros;
    expect(macrosOf('model.p.m')).toEqual(['macro.p.outer', 'macro.dbt.type_string', 'macro.p.audit']);
    expect(macrosOf('test.p.unique_m_x')).toEqual(['macro.dbt.test_unique']);
    expect(macrosOf('test.p.positive_m_x')).toEqual(['macro.p.test_positive', 'macro.dbt.get_where_subquery']);
  });

  it('graph shows nodes as dbt does: code stripped, access on models only, on_schema_change on seeds, exposure owners with both keys', async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: p\nprofile: p\n',
      'profiles.yml': PROFILE,
      'seeds/s.csv': 'a\n1\n',
      'models/two_lines.sql': '\n\nselect 1 as a\nfrom {{ ref(\'s\') }}\n\n',
      'models/x.yml': 'exposures:\n  - name: dash\n    type: dashboard\n    owner:\n      name: Bob\n    depends_on: [ref(\'two_lines\')]\n',
      'models/report.sql': [
        "{{ config(materialized='table') }}",
        '{% if execute %}',
        "{% set m = graph.nodes['model.p.two_lines'] %}{% set s = graph.nodes['seed.p.s'] %}",
        "select {{ m.raw_code.count('\\n') }} as newlines, '{{ m.access }}' as model_access, {{ s.access is defined }} as seed_has_access,",
        "  '{{ s.config.on_schema_change }}' as seed_osc, '{{ graph.exposures['exposure.p.dash'].owner.email | replace('x', 'y') }}' as email",
        '{% else %}select 1{% endif %}',
      ].join('\n'),
    });
    const r = await kiln(['build'], dir);
    expect(r.code, r.output).toBe(0);
    expect(await queryDuckDb(path.join(dir, 'dev.duckdb'), 'select * from report')).toEqual([{ newlines: 1, model_access: 'protected', seed_has_access: false, seed_osc: 'ignore', email: 'None' }]);
  });

  it("a package's files are named from the package's own folder in graph and manifest.json, as dbt names them", async () => {
    const dir = testdir({
      'shop/dbt_project.yml': 'name: shop\nprofile: p\n',
      'shop/profiles.yml': PROFILE,
      'shop/packages.yml': 'packages:\n  - local: ../auditor\n',
      'shop/models/orders.sql': "{{ config(materialized='table') }}\nselect 1 as id",
      'auditor/dbt_project.yml': 'name: auditor\n',
      'auditor/models/audit.yml': 'models:\n  - name: paths\n    description: where things are\n',
      'auditor/models/paths.sql': [
        "{{ config(materialized='table') }}",
        '{% if execute %}',
        "select '{{ graph.nodes['model.auditor.paths'].original_file_path }}' as own, '{{ graph.nodes['model.shop.orders'].original_file_path }}' as root_model",
        '{% else %}select 1{% endif %}',
      ].join('\n'),
    });
    const shop = path.join(dir, 'shop');
    expect((await kiln(['deps'], shop)).code).toBe(0);
    const r = await kiln(['build'], shop);
    expect(r.code, r.output).toBe(0);
    expect(await queryDuckDb(path.join(shop, 'dev.duckdb'), 'select * from paths')).toEqual([{ own: 'models/paths.sql', root_model: 'models/orders.sql' }]);
    const m = JSON.parse(fs.readFileSync(path.join(shop, 'target/manifest.json'), 'utf8')) as { nodes: Record<string, { original_file_path: string; patch_path: string | null }> };
    expect(m.nodes['model.auditor.paths']).toMatchObject({ original_file_path: 'models/paths.sql', patch_path: 'auditor://models/audit.yml' });
  });

  it('on-run-start and on-run-end hooks are operation nodes of graph, as in dbt', async () => {
    const dir = testdir({
      'dbt_project.yml': "name: p\nprofile: p\non-run-start:\n  - 'select 1'\non-run-end: ['select 2', 'select 3']\n",
      'profiles.yml': PROFILE,
      'models/ops.sql': [
        "{{ config(materialized='table') }}",
        '{% if execute %}',
        "{% set ops = graph.nodes.values() | selectattr('resource_type', 'equalto', 'operation') | list %}",
        "select '{{ ops | map(attribute='unique_id') | join(',') }}' as ids, '{{ ops[1].raw_code }}' as code, '{{ ops[1].tags[0] }}' as tag, '{{ ops[0].original_file_path }}' as file",
        '{% else %}select 1{% endif %}',
      ].join('\n'),
    });
    const r = await kiln(['build'], dir);
    expect(r.code, r.output).toBe(0);
    expect(await queryDuckDb(path.join(dir, 'dev.duckdb'), 'select * from ops')).toEqual([
      { ids: 'operation.p.p-on-run-start-0,operation.p.p-on-run-end-0,operation.p.p-on-run-end-1', code: 'select 2', tag: 'on-run-end', file: './dbt_project.yml' },
    ]);
  });
});

