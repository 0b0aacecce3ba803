// Hooks and operations on DuckDB and PostgreSQL: pre_hook / post_hook from config(), YAML and
// dbt_project.yml (lists concatenated, Jinja rendered with the node's context), run inside the
// node's transaction (a failing post-hook keeps the old relation), `transaction: false` hooks
// outside it, on-run-start / on-run-end with `schemas` and `results`, and kiln run-operation.
import path from 'node:path';
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';
import { duckdbTarget, postgresTarget, type AdapterTarget } from '../adapters/targets.js';

const targets = [duckdbTarget(), postgresTarget()];
afterAll(async () => {
  for (const t of targets) await t.cleanup();
});

const project = (schemaRef: string): Record<string, string> => ({
  'dbt_project.yml': `name: hooks
profile: hooks
on-run-start:
  - "create table if not exists {{ target.schema }}.audit (event varchar(200), detail varchar(200))"
  - "insert into {{ target.schema }}.audit values ('run start', '{{ flags.WHICH }}')"
on-run-end:
  - "insert into {{ target.schema }}.audit values ('run end', '{{ schemas | join(',') }}|{{ results | map(attribute='status') | join(',') }}')"
  - "{% for r in results %}insert into {{ target.schema }}.audit values ('result', '{{ r.node.name }}={{ r.status }}');{% endfor %}"
models:
  hooks:
    +post-hook:
      - "insert into {{ target.schema }}.audit values ('project post-hook', '{{ this.identifier }}')"
`,
  'models/schema.yml': `version: 2
models:
  - name: orders
    config:
      pre_hook: "insert into {{ target.schema }}.audit values ('yaml pre-hook', '{{ model.name }}')"
`,
  'models/orders.sql': `{{ config(materialized='table', post_hook=["insert into {{ target.schema }}.audit values ('config post-hook', '{{ this }}')", "update {{ this }} set amount = amount * 10"]) }}
select 1 as id, 5 as amount`,
  'models/outside.sql': `{{ config(materialized='table', post_hook={'sql': "insert into {{ target.schema }}.audit values ('outside', 'x')", 'transaction': false}) }}
select 2 as id`,
  'macros/ops.sql': `{% macro grant_report(table_name, tag='none') %}
  {% set r = run_query('select count(*) as n from ' ~ target.schema ~ '.' ~ table_name) %}
  {% do log('rows=' ~ r.columns[0].values()[0] ~ ' tag=' ~ tag, info=True) %}
  {% do run_query("insert into " ~ target.schema ~ ".audit values ('operation', '" ~ table_name ~ ":" ~ tag ~ "')") %}
{% endmacro %}
{% macro broken_op() %}{{ exceptions.raise_compiler_error('the operation refused: ' ~ var('why', 'no reason')) }}{% endmacro %}`,
  ...(schemaRef ? {} : {}),
});

describe.each(targets)('hooks on $name', (target: AdapterTarget) => {
  it('runs model and project hooks in order, inside the transaction', async () => {
    const dir = testdir(project(''));
    await target.setup(dir, 'hooks');
    const r = await kiln(['run'], dir);
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).toMatch(/2 of 2 START hook: hooks\.on-run-start\.1 \.+ \[RUN\]/);
    expect(r.stdout).toMatch(/2 of 2 OK hook: hooks\.on-run-end\.1 \.+ \[OK in/);
    const s = target.schema;
    const audit = (await target.query(dir, `select event, detail from ${s}.audit`)).map((x) => `${x.event}: ${x.detail}`);
    expect(audit[0]).toBe('run start: run');
    expect(audit).toContain('yaml pre-hook: orders');
    expect(audit.find((a) => a.startsWith('config post-hook'))).toMatch(/orders"?$/);
    expect(audit).toContain('project post-hook: orders');
    expect(audit).toContain('project post-hook: outside');
    expect(audit).toContain('outside: x');
    expect(audit).toContain(`run end: ${s}|success,success`);
    expect(audit).toContain('result: orders=success');
    // project hooks come before the model's own (dbt's order), the update saw the new table
    expect(audit.indexOf('project post-hook: orders')).toBeLessThan(audit.findIndex((a) => a.startsWith('config post-hook')));
    expect(await target.query(dir, `select amount from ${s}.orders`)).toEqual([{ amount: 50 }]);
    const runSql = fs.readFileSync(path.join(dir, 'target/run/hooks/models/orders.sql'), 'utf8');
    expect(runSql).toContain('yaml pre-hook');
  }, 120_000);

  it('rolls the build back when a post-hook fails', async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: hooks\nprofile: hooks\n',
      'models/t.sql': "{{ config(materialized='table') }}\nselect 1 as v",
    });
    await target.setup(dir, 'hooks');
    expect((await kiln(['run'], dir)).code).toBe(0);
    fs.writeFileSync(path.join(dir, 'models/t.sql'), "{{ config(materialized='table', post_hook='select * from no_such_table_anywhere') }}\nselect 2 as v");
    const r = await kiln(['run'], dir);
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/no_such_table_anywhere/);
    expect(await target.query(dir, `select v from ${target.schema}.t`)).toEqual([{ v: 1 }]);
  }, 60_000);

  it('runs an operation with --args and reports its failures', async () => {
    const dir = testdir(project(''));
    await target.setup(dir, 'hooks');
    expect((await kiln(['run'], dir)).code).toBe(0);
    const r = await kiln(['run-operation', 'grant_report', '--args', '{table_name: orders, tag: nightly}'], dir);
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).toContain('rows=1 tag=nightly');
    expect(await target.query(dir, `select detail from ${target.schema}.audit where event = 'operation'`)).toEqual([{ detail: 'orders:nightly' }]);

    const bad = await kiln(['run-operation', 'broken_op', '--vars', '{why: testing}'], dir);
    expect(bad.code).toBe(1);
    expect(bad.output).toContain('the operation refused: testing');
    expect(bad.output).toContain('macros/ops.sql:6');
  }, 60_000);
});

describe('run-operation: bad input', () => {
  it('names the closest macro and rejects --args that are not a mapping', async () => {
    const dir = testdir({ ...project(''), 'profiles.yml': 'hooks:\n  target: dev\n  outputs:\n    dev: {type: duckdb, path: h.duckdb, schema: main}\n' });
    const unknown = await kiln(['run-operation', 'grant_reprt'], dir);
    expect(unknown.code).toBe(2);
    expect(unknown.output).toContain('KLN207');
    expect(unknown.output).toContain("Did you mean 'grant_report'?");
    const args = await kiln(['run-operation', 'grant_report', '--args', '[1, 2]'], dir);
    expect(args.code).toBe(2);
    expect(args.output).toContain('--args must be a mapping');
  });
});
