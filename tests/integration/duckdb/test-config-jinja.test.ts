// Jinja in the configs of a generic test's YAML entry is rendered at parse time, as dbt's
// TestBuilder renders it (checked with dbt-core 1.11.16 on DuckDB): natively (a computed value
// keeps its type, `{{ 250 }}` is folded to the text '250' as Jinja folds constants), beside
// the arguments or under `config:`, with var(), env_var() and target. The rendered values are
// the test's config, its raw_code's config() call and what its SQL runs.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';

const PROFILE = 'p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: p.duckdb\n      threads: 1\n';

const SCHEMA = `version: 2
models:
  - name: people
    config:
      my_floor: "{{ var('floor') }}"
      folded: "{{ 250 }}"
      meta: {floor: "{{ var('floor') }}"}
    columns:
      - name: first_name
        data_tests:
          - accepted_values:
              values: ['nobody']
              config:
                severity: "{{ 'warn' if target.name == 'dev' else 'error' }}"
                warn_if: "{{ '>0' }}"
      - name: id
        data_tests:
          - unique:
              config:
                where: "{{ 'id > ' ~ var('floor') }}"
                limit: "{{ var('lim') }}"
                custom_key: "{{ 1 + 1 }}"
                severity: "{{ var('no_such_var', none) }}"
          - not_null:
              severity: "{{ var('sev', 'warn') }}"
              error_if: "{{ '>' ~ 0 }}"
              where: "{{ env_var('KILN_TJ_WHERE', 'id > 100') }}"
          - accepted_values:
              arguments:
                values: [1, 2]
              config:
                enabled: "{{ target.name != 'dev' }}"
`;

function project(): string {
  return testdir({
    'dbt_project.yml': 'name: tj\nprofile: p\nvars:\n  floor: 1\n  lim: 5\n',
    'profiles.yml': PROFILE,
    // first_name is never 'nobody' (the accepted_values test fails); one id is null (not_null
    // fails unless its where filters it out) and 1 is there twice (unique fails unless filtered).
    'models/people.sql': "select 1 as id, 'ann' as first_name union all select 1, 'bob' union all select 2, 'cy' union all select null, 'di'",
    'models/people.yml': SCHEMA,
  });
}

type Node = { name: string; raw_code: string; config: Record<string, unknown>; unrendered_config: Record<string, unknown> };

function manifest(dir: string): { nodes: Record<string, Node>; disabled: Record<string, Node[]> } {
  return JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8')) as { nodes: Record<string, Node>; disabled: Record<string, Node[]> };
}

function node(dir: string, name: string): Node {
  return Object.values(manifest(dir).nodes).find((n) => n.name === name)!;
}

describe('Jinja in a data test entry’s configs', () => {
  it('is rendered into the config, raw_code and SQL: a severity from target.name warns and the build passes', async () => {
    const dir = project();
    const r = await kiln(['build'], dir);
    expect(r.output).not.toContain('{{');
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/WARN=1 ERROR=0/);
    const av = node(dir, 'accepted_values_people_first_name__nobody');
    expect(av.config).toMatchObject({ severity: 'warn', warn_if: '>0' });
    expect(av.raw_code).toBe('{{ test_accepted_values(**_dbt_generic_test_kwargs) }}{{ config(severity="warn",warn_if=">0") }}');
    expect(av.unrendered_config).toEqual({ severity: 'warn', warn_if: '>0' });
    const sql = fs.readFileSync(path.join(dir, 'target/run/tj/models/people.yml/accepted_values_people_first_name__nobody.sql'), 'utf8');
    expect(sql).toMatch(/count\(\*\) >0 as should_warn/);
  });

  it('renders where from var(), limit as a number, and other config: keys as dbt does', async () => {
    const dir = project();
    const r = await kiln(['build'], dir);
    expect(r.code, r.output).toBe(0);
    const unique = node(dir, 'unique_people_id');
    // var('lim') is a number; `{{ 1 + 1 }}` is a constant Jinja folds into text
    expect(unique.config).toMatchObject({ where: 'id > 1', limit: 5, custom_key: '2' });
    // a config rendering to None is left out, as dbt leaves it (the default severity stays)
    expect(unique.config.severity).toBe('ERROR');
    expect(unique.raw_code).toBe('{{ test_unique(**_dbt_generic_test_kwargs) }}{{ config(where="id > 1",limit=5,custom_key="2") }}');
    const sql = fs.readFileSync(path.join(dir, 'target/compiled/tj/models/people.yml/unique_people_id.sql'), 'utf8');
    expect(sql).toMatch(/where id > 1\)/);
    // the not_null test: severity from var()'s default, error_if and where from env_var()'s default
    const nn = node(dir, 'not_null_people_id');
    expect(nn.config).toMatchObject({ severity: 'warn', error_if: '>0', where: 'id > 100' });
    // enabled from a Jinja boolean: the test is disabled
    const disabled = Object.values(manifest(dir).disabled).flat();
    expect(disabled.map((n) => n.name)).toContain('accepted_values_people_id__1__2');
    expect(disabled.find((n) => n.name === 'accepted_values_people_id__1__2')!.config.enabled).toBe(false);
  });

  it('renders a model’s property-file config natively: a var keeps its type, a constant is text', async () => {
    const dir = project();
    const r = await kiln(['parse'], dir);
    expect(r.code, r.output).toBe(0);
    const people = node(dir, 'people');
    expect(people.config.my_floor).toBe(1);
    expect(people.config.folded).toBe('250');
    expect(people.config.meta).toEqual({ floor: 1 });
  });

  it('takes dbt_project.yml data_tests: configs rendered natively, as dbt does', async () => {
    const dir = project();
    fs.appendFileSync(
      path.join(dir, 'dbt_project.yml'),
      "data_tests:\n  tj:\n    +severity: \"{{ 'warn' if target.name == 'dev' else 'error' }}\"\n    +meta: {n: \"{{ env_var('KILN_TJ_N', '7') | as_number }}\", folded: \"{{ 7 }}\", t: \"{{ target.name }}\"}\n",
    );
    const r = await kiln(['parse'], dir);
    expect(r.code, r.output).toBe(0);
    // dbt-core 1.11.16: {'n': 7, 'folded': '7', 't': 'dev'}
    expect(node(dir, 'unique_people_id').config).toMatchObject({ severity: 'warn', meta: { n: 7, folded: '7', t: 'dev' } });
  });

  it('renders again under partial parsing when a var or an env var it reads changes', async () => {
    const dir = project();
    let r = await kiln(['build'], dir);
    expect(r.code, r.output).toBe(0);
    // a var changed: the unique test's where lets the duplicate id 1 in, and it fails
    r = await kiln(['build', '--vars', '{sev: error, floor: 0}'], dir);
    expect(node(dir, 'not_null_people_id').config.severity).toBe('error');
    expect(node(dir, 'unique_people_id').config.where).toBe('id > 0');
    expect(r.code, r.output).toBe(1);
    expect(r.output).toMatch(/unique_people_id/);
    r = await kiln(['build'], dir);
    expect(r.code, r.output).toBe(0);
    expect(node(dir, 'not_null_people_id').config.severity).toBe('warn');
    expect(node(dir, 'unique_people_id').config.where).toBe('id > 1');
    process.env.KILN_TJ_WHERE = 'id is null or id > 0';
    try {
      r = await kiln(['build', '--vars', '{sev: error}'], dir);
    } finally {
      delete process.env.KILN_TJ_WHERE;
    }
    // an env var changed: the not_null test now sees the null id, and errs (severity from --vars)
    expect(node(dir, 'not_null_people_id').config.where).toBe('id is null or id > 0');
    expect(r.code, r.output).toBe(1);
    expect(r.output).toMatch(/not_null_people_id/);
  });

  it('reports a syntax error or an undefined macro with its code, the YAML file and line, and a hint', async () => {
    for (const [value, code] of [
      ["{{ 'warn' if }}", 'KLN201'],
      ['{{ no_such_macro() }}', 'KLN202'],
    ] as const) {
      const dir = testdir({
        'dbt_project.yml': 'name: tj\nprofile: p\n',
        'profiles.yml': PROFILE,
        'models/people.sql': "select 1 as id",
        'models/people.yml': `version: 2\nmodels:\n  - name: people\n    columns:\n      - name: id\n        data_tests:\n          - unique:\n              config:\n                severity: "${value}"\n`,
      });
      const r = await kiln(['parse'], dir);
      expect(r.code, r.output).not.toBe(0);
      expect(r.output).toContain(`[${code}]`);
      expect(r.output).toContain("The `severity` config of test 'unique' on people.id could not be rendered");
      expect(r.output).toMatch(/models\/people\.yml:5/);
      expect(r.output).toContain('hint:');
      expect(r.output).not.toMatch(/\n\s+at /);
    }
  });
});
