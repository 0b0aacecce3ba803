// Groups and model access: a private model may be referenced only from its own group (tests may
// check it from anywhere); a group a model names must be declared, and a private model needs one.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';

const PROFILE = `p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n      schema: main\n      threads: 4\n`;
const YAML = `groups:
  - name: finance
    owner:
      email: finance@example.com
  - name: marketing
    owner:
      name: Marketing team
models:
  - name: ledger
    access: private
    group: finance
    columns:
      - name: id
        data_tests: [unique]
  - name: revenue
    config:
      group: finance
      access: public
  - name: campaigns
    group: marketing
`;

function project(files: Record<string, string> = {}): string {
  return testdir({
    'dbt_project.yml': 'name: p\nprofile: p\n',
    'profiles.yml': PROFILE,
    'models/schema.yml': YAML,
    'models/ledger.sql': 'select 1 as id, 10 as amount',
    'models/revenue.sql': "select sum(amount) as total from {{ ref('ledger') }}",
    'models/campaigns.sql': "select total from {{ ref('revenue') }}",
    ...files,
  });
}

describe('groups and access', () => {
  it('lets a model of the group ref a private model, records groups and access in the manifest, selects by them', async () => {
    const dir = project();
    const r = await kiln(['build'], dir);
    expect(r.code, r.output).toBe(0);
    const m = JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8')) as Record<string, Record<string, Record<string, unknown>>>;
    expect(m.nodes['model.p.ledger']).toMatchObject({ access: 'private', group: 'finance' });
    expect(m.nodes['model.p.revenue']).toMatchObject({ access: 'public', group: 'finance' });
    expect(m.nodes['model.p.campaigns']).toMatchObject({ access: 'protected', group: 'marketing' });
    expect(m.groups['group.p.finance']).toMatchObject({ name: 'finance', owner: { email: 'finance@example.com' } });
    expect(m.group_map['group.p.finance']).toEqual(['model.p.ledger', 'model.p.revenue']);
    const ls = async (sel: string) => (await kiln(['ls', '-s', sel, '--resource-type', 'model'], dir)).stdout.trim().split('\n');
    expect(await ls('group:finance')).toEqual(['p.ledger', 'p.revenue']);
    expect(await ls('access:private')).toEqual(['p.ledger']);
  });

  it('refuses a ref to a private model from outside its group, at the ref line, before anything runs', async () => {
    const dir = project({ 'models/campaigns.sql': "select total from {{ ref('revenue') }}\ncross join (select count(*) from {{ ref('ledger') }})" });
    const r = await kiln(['build'], dir);
    expect(r.code).toBe(2);
    expect(r.output).toMatch(/KLN310\] Model 'campaigns' refs ledger, which is private to the group 'finance'/);
    expect(r.output).toMatch(/--> models\/campaigns\.sql:2/);
    expect(fs.existsSync(path.join(dir, 'dev.duckdb'))).toBe(false);
  });

  it('an undeclared group and a private model without a group are errors', async () => {
    const dir = project({
      'models/schema.yml': YAML.replace('    group: marketing', '    group: markteing') + '  - name: lonely\n    access: private\n',
      'models/lonely.sql': 'select 1 as x',
    });
    const r = await kiln(['parse'], dir);
    expect(r.code).toBe(2);
    expect(r.output).toMatch(/Model 'campaigns' is in group 'markteing', which is not declared/);
    expect(r.output).toMatch(/Declared groups: finance, marketing/);
    expect(r.output).toMatch(/Model 'lonely' is private but in no group/);
  });

  it("refuses a ref to a protected model of a package that sets restrict-access, but not to its public ones", async () => {
    const files = (restrict: boolean, ref: string) => ({
      'proj/dbt_project.yml': 'name: p\nprofile: p\n',
      'proj/profiles.yml': PROFILE,
      'proj/packages.yml': 'packages:\n  - local: ../lib\n',
      'proj/models/mine.sql': `select * from {{ ref('lib', '${ref}') }}`,
      'lib/dbt_project.yml': `name: lib\n${restrict ? 'restrict-access: true\n' : ''}`,
      'lib/models/inner.sql': 'select 1 as id',
      'lib/models/outer.sql': "select id from {{ ref('inner') }}",
      'lib/models/schema.yml': 'models:\n  - name: outer\n    access: public\n',
    });
    const run = async (restrict: boolean, ref: string) => {
      const dir = path.join(testdir(files(restrict, ref)), 'proj');
      expect((await kiln(['deps'], dir)).code).toBe(0);
      return { dir, r: await kiln(['build'], dir) };
    };
    const denied = await run(true, 'inner');
    expect(denied.r.code).toBe(2);
    expect(denied.r.output).toMatch(/KLN310\] Model 'mine' refs inner, which is protected in package 'lib' \(restrict-access\)/);
    expect(denied.r.output).toMatch(/--> models\/mine\.sql:1/);
    expect(fs.existsSync(path.join(denied.dir, 'dev.duckdb'))).toBe(false);
    // The package's own model refs its protected one; the project refs its public one.
    const allowed = await run(true, 'outer');
    expect(allowed.r.code, allowed.r.output).toBe(0);
    // Without restrict-access, protected models are referable from every package (the default).
    const open = await run(false, 'inner');
    expect(open.r.code, open.r.output).toBe(0);
  });
});
