// Model versions as dbt projects declare them: each version a node and a relation of its own,
// `ref('m')` the latest, `ref('m', v=1)` a given one, columns and tests per version, selection by
// version, and clear errors for a version without a file or a ref to a version that does not exist.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { queryDuckDb, relationsOf } from '../../helpers/duckdb-query.js';
import { testdir } from '../../helpers/testdir.js';

const PROFILE = `p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n      schema: main\n      threads: 4\n`;
const YAML = `models:
  - name: dim_customers
    latest_version: 2
    config:
      materialized: table
    columns:
      - name: id
        data_tests: [unique, not_null]
      - name: full_name
    versions:
      - v: 3
        defined_in: customers_next
        config:
          materialized: view
      - v: 2
      - v: 1
        deprecation_date: 2020-01-01
        columns:
          - include: all
            exclude: [full_name]
          - name: name
            data_tests: [not_null]
`;

function project(extra: Record<string, string> = {}): string {
  return testdir({
    'dbt_project.yml': 'name: p\nprofile: p\n',
    'profiles.yml': PROFILE,
    'models/schema.yml': YAML,
    'models/dim_customers_v1.sql': "select 1 as id, 'ann' as name",
    // The latest version may stay in the model's own file.
    'models/dim_customers.sql': "select 1 as id, 'Ann Lee' as full_name",
    'models/customers_next.sql': "select 1 as id, 'Ann Lee' as full_name, 'x' as extra",
    'models/uses_latest.sql': "select * from {{ ref('dim_customers') }}",
    'models/uses_v1.sql': "select * from {{ ref('dim_customers', v=1) }}",
    'models/uses_v3.sql': "select * from {{ ref('dim_customers', version=3) }}",
    ...extra,
  });
}

describe('model versions', () => {
  it('builds each version as <name>_v<v>, resolves refs to the latest or the given version, tests each version', async () => {
    const dir = project();
    const r = await kiln(['build'], dir);
    expect(r.code, r.output).toBe(0);
    const db = path.join(dir, 'dev.duckdb');
    expect(await relationsOf(db)).toEqual([
      { name: 'dim_customers_v1', type: 'table' },
      { name: 'dim_customers_v2', type: 'table' },
      { name: 'dim_customers_v3', type: 'view' },
      { name: 'uses_latest', type: 'view' },
      { name: 'uses_v1', type: 'view' },
      { name: 'uses_v3', type: 'view' },
    ]);
    expect(await queryDuckDb(db, 'select * from uses_latest')).toEqual([{ id: 1, full_name: 'Ann Lee' }]);
    expect(await queryDuckDb(db, 'select * from uses_v1')).toEqual([{ id: 1, name: 'ann' }]);
    expect(await queryDuckDb(db, 'select extra from uses_v3')).toEqual([{ extra: 'x' }]);
    // Each version's tests, named after the version; v1 has its own column list.
    for (const t of ['unique_dim_customers_v1_id', 'not_null_dim_customers_v1_name', 'unique_dim_customers_v2_id', 'not_null_dim_customers_v3_id']) expect(r.stdout).toMatch(new RegExp(`PASS ${t}\\b`));
    expect(r.stdout).not.toMatch(/not_null_dim_customers_v2_name/);
    // A ref to a version past its deprecation date warns, pointing at the latest.
    expect(r.output).toMatch(/Model 'uses_v1' refs dim_customers v1, deprecated since 2020-01-01/);
    expect(r.output).toMatch(/ref\('dim_customers'\) \(v2\)/);
    expect(r.output).not.toMatch(/'uses_latest' refs dim_customers/);

    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8')) as { nodes: Record<string, Record<string, unknown>> };
    const v1 = manifest.nodes['model.p.dim_customers.v1'];
    expect(v1).toMatchObject({ name: 'dim_customers', version: 1, latest_version: 2, deprecation_date: '2020-01-01', alias: 'dim_customers_v1', fqn: ['p', 'dim_customers', 'v1'] });
    expect(Object.keys(v1.columns as object)).toEqual(['id', 'name']);
    expect(manifest.nodes['model.p.dim_customers.v2']).toMatchObject({ original_file_path: 'models/dim_customers.sql', version: 2 });
    expect(manifest.nodes['model.p.uses_latest'].depends_on).toMatchObject({ nodes: ['model.p.dim_customers.v2'] });
    expect(manifest.nodes['model.p.uses_v1'].depends_on).toMatchObject({ nodes: ['model.p.dim_customers.v1'] });
  });

  it('selects by name (every version), by fqn (one) and by version:latest|old|prerelease|none', async () => {
    const dir = project();
    const ls = async (sel: string) => (await kiln(['ls', '-s', sel, '--resource-type', 'model', '--output', 'name'], dir)).stdout.trim().split('\n').filter(Boolean);
    expect(await ls('dim_customers')).toHaveLength(3);
    expect(await ls('dim_customers.v1')).toEqual(['dim_customers']);
    const ids = async (sel: string) => (await kiln(['ls', '-s', sel, '--resource-type', 'model'], dir)).stdout.trim().split('\n');
    expect(await ids('version:latest')).toEqual(['p.dim_customers.v2']);
    expect(await ids('version:old')).toEqual(['p.dim_customers.v1']);
    expect(await ids('version:prerelease')).toEqual(['p.dim_customers.v3']);
    expect(await ids('version:none')).toEqual(['p.uses_latest', 'p.uses_v1', 'p.uses_v3']);
  });

  it('a ref to a version that does not exist, and a version without its file, are errors at their lines; nothing runs', async () => {
    const dir = project({ 'models/bad.sql': "select * from {{ ref('dim_customers', v=7) }}" });
    fs.rmSync(path.join(dir, 'models/customers_next.sql'));
    const r = await kiln(['build'], dir);
    expect(r.code).toBe(2);
    expect(r.output).toMatch(/Version 3 of model 'dim_customers' has no model file: expected customers_next\.sql/);
    expect(r.output).toMatch(/--> models\/schema\.yml:2/);
    expect(r.output).toMatch(/depends on version 7 of 'dim_customers', which does not exist/);
    expect(r.output).toMatch(/has versions 1, 2;/);
    expect(fs.existsSync(path.join(dir, 'dev.duckdb'))).toBe(false);
  });
});
