// Jinja in configuration (dbt_project.yml sees --vars and the target; property YAML sees all
// vars), disabled nodes and refs to them, naming overrides that call dbt's defaults, analyses
// (compiled, never run) and exposures (selectable graph members), and where errors raised in
// macros point.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { queryDuckDb, relationsOf } from '../../helpers/duckdb-query.js';
import { testdir } from '../../helpers/testdir.js';

const PROFILE = 'p:\n  target: dev\n  outputs:\n    dev: {type: duckdb, path: p.duckdb, schema: main}\n    prod: {type: duckdb, path: prod.duckdb, schema: main}\n';

describe('Jinja in configuration', () => {
  const files = {
    'profiles.yml': PROFILE,
    'dbt_project.yml': `name: p
profile: p
vars:
  project_var: from-project
models:
  p:
    optional:
      +enabled: "{{ var('with_optional', false) }}"
    +materialized: "{{ 'table' if target.name == 'prod' else 'view' }}"
`,
    'models/optional/extra.sql': 'select 1 as id',
    'models/base.sql': "select '{{ var(\"project_var\") }}' as v",
    'models/props.yml': `version: 2
models:
  - name: base
    config:
      alias: "{{ 'base_' ~ var('project_var') | replace('-', '_') }}"
`,
  };

  it('renders configs with --vars and the target; disabled nodes leave the graph', async () => {
    const dir = testdir(files);
    const r = await kiln(['run'], dir);
    expect(r.code, r.output).toBe(0);
    expect(await relationsOf(path.join(dir, 'p.duckdb'))).toEqual([{ name: 'base_from_project', type: 'view' }]);
    const ls = await kiln(['ls', '--output', 'name'], dir);
    expect(ls.stdout).not.toContain('extra');

    const prod = await kiln(['run', '--target', 'prod', '--vars', '{with_optional: true}'], dir);
    expect(prod.code, prod.output).toBe(0);
    expect(await relationsOf(path.join(dir, 'prod.duckdb'))).toEqual([
      { name: 'base_from_project', type: 'table' },
      { name: 'extra', type: 'table' },
    ]);
  });

  it('reports a ref to a disabled model clearly', async () => {
    const dir = testdir({ ...files, 'models/uses_extra.sql': "select * from {{ ref('extra') }}" });
    const r = await kiln(['run'], dir);
    expect(r.code).toBe(2);
    expect(r.output).toContain("Model 'uses_extra' depends on 'extra', which is disabled");
    expect(r.output).toContain('models/uses_extra.sql:1');
  });
});

describe('naming overrides', () => {
  it('lets project macros replace the naming rules and call dbt defaults', async () => {
    const dir = testdir({
      'profiles.yml': PROFILE,
      'dbt_project.yml': 'name: p\nprofile: p\nmodels:\n  p:\n    marts:\n      +schema: marts\n',
      'macros/naming.sql': `{% macro generate_schema_name(custom_schema_name, node) -%}
  {%- if node.resource_type == 'seed' -%}{{ generate_schema_name_for_env(custom_schema_name, node) }}
  {%- else -%}{{ default__generate_schema_name(custom_schema_name, node) }}{%- endif -%}
{%- endmacro %}
{% macro generate_alias_name(custom_alias_name=none, node=none) -%}
  {%- if node.name.startswith('tmp_') -%}{{ node.name[4:] }}{%- else -%}{{ dbt.default__generate_alias_name(custom_alias_name, node) }}{%- endif -%}
{%- endmacro %}`,
      'models/marts/tmp_orders.sql': 'select 1 as id',
      'models/plain.sql': 'select 2 as id',
    });
    const r = await kiln(['run'], dir);
    expect(r.code, r.output).toBe(0);
    const rows = await queryDuckDb(path.join(dir, 'p.duckdb'), "select table_schema || '.' || table_name as rel from information_schema.tables order by 1");
    expect(rows.map((x) => x.rel)).toEqual(['main.plain', 'main_marts.orders']);
  });
});

describe('analyses and exposures', () => {
  const files = {
    'profiles.yml': PROFILE,
    'dbt_project.yml': 'name: p\nprofile: p\n',
    'models/orders.sql': 'select 1 as id, 10 as amount',
    'models/customers.sql': 'select 1 as id',
    'analyses/revenue.sql': "select sum(amount) as revenue from {{ ref('orders') }}",
    'models/exposures.yml': `version: 2
exposures:
  - name: weekly_report
    label: Weekly report
    type: dashboard
    maturity: high
    url: https://bi.example.com/weekly
    owner: {name: Ann, email: ann@example.com}
    depends_on:
      - ref('orders')
    description: Revenue by week
`,
  };

  it('compiles analyses without running them and selects through exposures', async () => {
    const dir = testdir(files);
    const c = await kiln(['compile', '--no-format'], dir);
    expect(c.code, c.output).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'target/compiled/p/analyses/revenue.sql'), 'utf8')).toMatch(/select sum\(amount\) as revenue from "p"\."main"\."orders"/);
    const run = await kiln(['run'], dir);
    expect(run.code, run.output).toBe(0);
    expect((await relationsOf(path.join(dir, 'p.duckdb'))).map((x) => x.name)).toEqual(['customers', 'orders']);

    const ls = await kiln(['ls', '--select', '+exposure:weekly_report', '--output', 'name'], dir);
    expect(ls.code, ls.output).toBe(0);
    expect(ls.stdout.trim().split('\n').sort()).toEqual(['orders', 'weekly_report']);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8'));
    expect(manifest.nodes['analysis.p.revenue']).toMatchObject({ resource_type: 'analysis', depends_on: { nodes: ['model.p.orders'] } });
  });

  it('reports an exposure that depends on an unknown model', async () => {
    const dir = testdir({ ...files, 'models/exposures.yml': files['models/exposures.yml'].replace("ref('orders')", "ref('ordrs')") });
    const r = await kiln(['parse'], dir);
    expect(r.code).toBe(2);
    expect(r.output).toContain("Exposure 'weekly_report' depends on 'ordrs', which was not found");
  });
});

describe('errors raised in macros', () => {
  const files = {
    'profiles.yml': PROFILE,
    'dbt_project.yml': 'name: p\nprofile: p\n',
    'macros/checks.sql': `{% macro require_positive(n) %}
  {% if n <= 0 %}
    {{ exceptions.raise_compiler_error('expected a positive number, got ' ~ n) }}
  {% endif %}
  {{ return(n) }}
{% endmacro %}
{% macro at_run_time() %}
  {% if execute %}
    {{ exceptions.raise_compiler_error('refused while running ' ~ model.name) }}
  {% endif %}
{% endmacro %}
{% macro calls_nothing() %}
  {{ no_such_macro_anywhere() }}
{% endmacro %}`,
  };

  it('name the macro file and line and the calling model, with the user message as the error', async () => {
    const dir = testdir({
      ...files,
      'models/a.sql': 'select 1 as id\n-- limit\nlimit {{ require_positive(-3) }}',
      'models/b.sql': 'select 1 as id {{ calls_nothing() }}',
    });
    const r = await kiln(['run'], dir);
    // raised while parsing: the project does not load, every problem is listed
    expect(r.code).toBe(2);
    expect(r.output).toMatch(/error\[KLN203\] expected a positive number, got -3\n.*--> macros\/checks\.sql:3:\d+\n.*--> models\/a\.sql:3:\d+/);
    expect(r.output).toMatch(/'no_such_macro_anywhere' is undefined[^\n]*\n.*--> macros\/checks\.sql:13:\d+\n.*--> models\/b\.sql:1:\d+/);
  });

  it('fail only the node when raised while running', async () => {
    const dir = testdir({ ...files, 'models/c.sql': 'select 1 as id {{ at_run_time() }}', 'models/d.sql': 'select 2 as id' });
    const r = await kiln(['run'], dir);
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/error\[KLN203\] refused while running c\n.*--> macros\/checks\.sql:9:\d+\n.*--> models\/c\.sql:1:\d+/);
    expect(r.output).toMatch(/PASS=1 WARN=0 ERROR=1/);
  });
});

describe('adapter.dispatch errors', () => {
  it('lists the candidates it searched', async () => {
    const dir = testdir({
      'profiles.yml': PROFILE,
      'dbt_project.yml': 'name: p\nprofile: p\n',
      'macros/d.sql': "{% macro shout(x) %}{{ return(adapter.dispatch('shout', 'p')(x)) }}{% endmacro %}",
      'models/a.sql': "select {{ shout('1') }} as x",
      'models/b.sql': "select {{ adapter.dispatch('p.shout')('1') }} as x",
    });
    const r = await kiln(['parse'], dir);
    expect(r.code).toBe(2);
    expect(r.output).toContain("In dispatch: No macro named 'shout' found within namespace: 'p'. Searched for: 'duckdb__shout', 'default__shout'");
    expect(r.output).toMatch(/--> macros\/d\.sql:1:\d+\n.*--> models\/a\.sql:1:\d+/);
    expect(r.output).toContain('"." is not a valid macro name component');
    expect(r.output).toContain("Did you mean adapter.dispatch('shout', macro_namespace='p')?");
  });
});
