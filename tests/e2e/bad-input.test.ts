// Each kind of bad input exits 2 with one clear message (code, file:line, hint) and touches no
// database: the DuckDB file is never created.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kiln } from '../helpers/cli.js';
import { testdir } from '../helpers/testdir.js';

const PROJECT = `name: bad\nprofile: bad\n`;
const PROFILE = `bad:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n      schema: main\n      threads: 2\n`;

function project(files: Record<string, string>): string {
  return testdir({ 'dbt_project.yml': PROJECT, 'profiles.yml': PROFILE, ...files });
}

async function expectLoadError(dir: string, code: string, where: RegExp, message: RegExp) {
  const r = await kiln(['build'], dir);
  expect(r.code, r.output).toBe(2);
  expect(r.output).toContain(code);
  expect(r.output).toMatch(where);
  expect(r.output).toMatch(message);
  expect(r.output).not.toMatch(/at .*\.(ts|js):\d+/); // no stack trace
  expect(fs.existsSync(path.join(dir, 'dev.duckdb')), 'nothing ran against the database').toBe(false);
  return r;
}

describe('bad input', () => {
  it('malformed YAML: file and line', async () => {
    const dir = project({ 'models/a.sql': 'select 1 as id', 'models/schema.yml': 'models:\n  - name: a\n    description: [unclosed\n' });
    await expectLoadError(dir, 'KLN102', /models\/schema\.yml:\d+/, /YAML/i);
  });

  it('Jinja syntax error: file and line', async () => {
    const dir = project({ 'models/a.sql': 'select 1 as id\n{% if true %}\nwhere 1 = 1\n' });
    await expectLoadError(dir, 'KLN201', /models\/a\.sql:\d+/, /./);
  });

  it('unknown ref: suggests the closest name', async () => {
    const dir = project({ 'models/stg_orders.sql': 'select 1 as id', 'models/b.sql': 'select 2 as x\n-- two\nselect * from {{ ref("stg_order") }}' });
    const r = await expectLoadError(dir, 'KLN301', /models\/b\.sql:3/, /stg_order/);
    expect(r.output).toContain("Did you mean ref('stg_orders')?");
  });

  it('cycle: shows the whole path', async () => {
    const dir = project({
      'models/a.sql': "select * from {{ ref('c') }}",
      'models/b.sql': "select * from {{ ref('a') }}",
      'models/c.sql': "select * from {{ ref('b') }}",
    });
    await expectLoadError(dir, 'KLN303', /models\/a\.sql/, /a → b → c → a/);
  });

  it('two models with one name: both files', async () => {
    const dir = project({ 'models/x/orders.sql': 'select 1', 'models/y/orders.sql': 'select 2' });
    await expectLoadError(dir, 'KLN304', /models\/x\/orders\.sql/, /models\/y\/orders\.sql/);
  });

  it('a model and a seed with one name', async () => {
    const dir = project({ 'models/orders.sql': 'select 1', 'seeds/orders.csv': 'id\n1\n' });
    await expectLoadError(dir, 'KLN304', /orders/, /seeds\/orders\.csv/);
  });

  it('config value of the wrong type: file, key and expected type', async () => {
    const dir = project({ 'models/a.sql': 'select 1', 'models/schema.yml': 'models:\n  - name: a\n    config:\n      enabled: "maybe"\n' });
    await expectLoadError(dir, 'KLN103', /models\/schema\.yml:4/, /enabled/);
  });

  it('missing profile', async () => {
    const dir = testdir({ 'dbt_project.yml': PROJECT, 'profiles.yml': PROFILE.replace(/^bad:/, 'other:'), 'models/a.sql': 'select 1' });
    await expectLoadError(dir, 'KLN105', /profiles\.yml/, /bad/);
  });

  it('missing target', async () => {
    const dir = project({ 'models/a.sql': 'select 1' });
    const r = await kiln(['build', '--target', 'prod'], dir);
    expect(r.code).toBe(2);
    expect(r.output).toContain('KLN106');
    expect(r.output).toMatch(/dev/);
    expect(fs.existsSync(path.join(dir, 'dev.duckdb'))).toBe(false);
  });

  it('env_var unset with no default', async () => {
    const dir = project({ 'models/a.sql': "select '{{ env_var('KILN_TEST_SURELY_UNSET') }}' as x" });
    await expectLoadError(dir, 'KLN107', /models\/a\.sql/, /KILN_TEST_SURELY_UNSET/);
  });

  it('CSV with a ragged row: file and line', async () => {
    const dir = project({ 'seeds/people.csv': 'id,name\n1,ann\n2,bob,extra\n3,cy\n' });
    await expectLoadError(dir, 'KLN401', /seeds\/people\.csv:3/, /./);
  });

  it('collects several problems into one report', async () => {
    const dir = project({ 'models/a.sql': "select * from {{ ref('nope') }}", 'models/b.sql': "select * from {{ ref('nada') }}" });
    const r = await expectLoadError(dir, 'KLN301', /models\/a\.sql/, /models\/b\.sql/);
    expect(r.output).toMatch(/Found 2 problems/);
  });

  it('an unknown config key is only a warning naming the closest known key', async () => {
    const dir = project({ 'models/a.sql': "{{ config(materialised='table') }}\nselect 1 as id" });
    const r = await kiln(['build'], dir);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain('KLN104');
    expect(r.output).toMatch(/materialised/);
    expect(r.output).toMatch(/materialized/);
    expect(r.output).toMatch(/models\/a\.sql/);
  });
});
