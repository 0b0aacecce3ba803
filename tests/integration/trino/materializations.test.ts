// Materializations by connector on a real Trino: the memory connector (no DELETE, MERGE or CREATE
// OR REPLACE TABLE: tables are built under a temporary name and renamed; appends only) and the
// iceberg connector (create or replace; merge, delete+insert and snapshots); and the errors for
// what a connector cannot do or a target that cannot be reached, before anything runs.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';
import { dropSchema, freshSchemaName, trinoProfileYaml, trinoQuery, trinoReady, trinoServer, type TrinoCatalog } from '../../helpers/trino.js';

const schemas: [TrinoCatalog, string][] = [];

function project(catalog: TrinoCatalog, files: Record<string, string>): { dir: string; schema: string } {
  const schema = freshSchemaName(catalog);
  schemas.push([catalog, schema]);
  const dir = testdir({ 'dbt_project.yml': 'name: t\nprofile: t\n', 'profiles.yml': trinoProfileYaml('t', catalog, schema), ...files });
  return { dir, schema };
}

const relations = async (catalog: TrinoCatalog, schema: string) =>
  trinoQuery(`select table_name as name, case table_type when 'VIEW' then 'view' else 'table' end as type from ${catalog}.information_schema.tables where table_schema = '${schema}' order by 1`);

beforeAll(() => trinoReady(), 200_000);
afterAll(async () => {
  for (const [catalog, schema] of schemas) await dropSchema(catalog, schema);
});

describe('Trino memory connector', () => {
  it('swaps tables by rename, keeps the old one when a rebuild fails, and appends incrementally', async () => {
    const { dir, schema } = project('memory', {
      'models/t.sql': "{{ config(materialized='table') }}\nselect 1 as id",
      'models/v.sql': "select * from {{ ref('t') }}",
      'models/inc.sql': "{{ config(materialized='incremental') }}\nselect id from {{ ref('t') }}",
    });
    let r = await kiln(['run'], dir);
    expect(r.code, r.output).toBe(0);
    fs.writeFileSync(path.join(dir, 'models/t.sql'), "{{ config(materialized='table') }}\nselect 2 as id, x from no_such_relation");
    r = await kiln(['run', '--select', 't'], dir);
    expect(r.code).toBe(1);
    expect(await trinoQuery(`select id from memory.${schema}.t`)).toEqual([{ id: 1 }]);
    fs.writeFileSync(path.join(dir, 'models/t.sql'), "{{ config(materialized='table') }}\nselect 2 as id");
    r = await kiln(['run'], dir);
    expect(r.code, r.output).toBe(0);
    expect(await trinoQuery(`select id from memory.${schema}.v`)).toEqual([{ id: 2 }]);
    expect(await trinoQuery(`select id from memory.${schema}.inc order by id`)).toEqual([{ id: 1 }, { id: 2 }]);
    expect(await relations('memory', schema)).toEqual([
      { name: 'inc', type: 'table' },
      { name: 't', type: 'table' },
      { name: 'v', type: 'view' },
    ]);
  }, 120_000);

  it('refuses, before anything runs, what the connector cannot do: merge, delete+insert, snapshots', async () => {
    const { dir, schema } = project('memory', {
      'models/ok.sql': 'select 1 as id',
      'models/m.sql': "{{ config(materialized='incremental', unique_key='id', incremental_strategy='merge') }}\nselect 1 as id",
      'models/d.sql': "{{ config(materialized='incremental', unique_key='id') }}\nselect 1 as id",
      'snapshots/s.sql': "{% snapshot s %}\n{{ config(unique_key='id', strategy='check', check_cols='all') }}\nselect 1 as id\n{% endsnapshot %}",
    });
    const r = await kiln(['build'], dir);
    expect(r.code, r.output).toBe(2);
    expect(r.output).toMatch(/Model 'm': incremental_strategy 'merge' is not supported by Trino connector 'memory' \(catalog memory\)/);
    expect(r.output).toMatch(/Model 'd': incremental_strategy 'delete\+insert' \(the default with a unique_key\) is not supported by Trino connector 'memory'/);
    expect(r.output).toMatch(/Snapshot 's': a snapshot updates the rows it has stored, and Trino connector 'memory' \(catalog memory\) cannot update or delete rows/);
    expect(r.output).toMatch(/hint: Use one of append/);
    expect(await relations('memory', schema)).toEqual([]);
  }, 60_000);
});

describe('Trino iceberg connector', () => {
  it('runs merge and delete+insert incrementals and snapshots', async () => {
    const { dir, schema } = project('iceberg', {
      'models/src.sql': "{{ config(materialized='table') }}\nselect * from (values (1, 'a'), (2, 'b')) as v(id, x)",
      'models/merged.sql': "{{ config(materialized='incremental', unique_key='id', incremental_strategy='merge') }}\nselect id, x from {{ ref('src') }}",
      'models/replaced.sql': "{{ config(materialized='incremental', unique_key='id') }}\nselect id, x from {{ ref('src') }}",
      'snapshots/snap.sql': "{% snapshot snap %}\n{{ config(unique_key='id', strategy='check', check_cols=['x']) }}\nselect id, x from {{ ref('src') }}\n{% endsnapshot %}",
    });
    let r = await kiln(['build'], dir);
    expect(r.code, r.output).toBe(0);
    fs.writeFileSync(path.join(dir, 'models/src.sql'), "{{ config(materialized='table') }}\nselect * from (values (2, 'B'), (3, 'c')) as v(id, x)");
    r = await kiln(['build'], dir);
    expect(r.code, r.output).toBe(0);
    const rows = [
      { id: 1, x: 'a' },
      { id: 2, x: 'B' },
      { id: 3, x: 'c' },
    ];
    expect(await trinoQuery(`select id, x from iceberg.${schema}.merged order by id`)).toEqual(rows);
    expect(await trinoQuery(`select id, x from iceberg.${schema}.replaced order by id`)).toEqual(rows);
    expect(await trinoQuery(`select id, x, dbt_valid_to is null as current from iceberg.${schema}.snap order by id, x`)).toEqual([
      { id: 1, x: 'a', current: true },
      { id: 2, x: 'B', current: true },
      { id: 2, x: 'b', current: false },
      { id: 3, x: 'c', current: true },
    ]);
  }, 180_000);
});

describe('Trino targets that cannot be used', () => {
  it('says which catalogs exist when the profile names another, before anything runs', async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: t\nprofile: t\n',
      'profiles.yml': trinoProfileYaml('t', 'iceberg', 'whatever').replace('catalog: iceberg', 'catalog: no_such_catalog'),
      'models/a.sql': 'select 1 as id',
    });
    const r = await kiln(['run'], dir);
    expect(r.code).toBe(2);
    expect(r.output).toMatch(/Trino catalog 'no_such_catalog' does not exist on http:\/\/[^ ]+\n.*hint: set `catalog` in profiles.yml to one of: iceberg, memory/);
  });

  it('names the coordinator it could not reach', async () => {
    const s = trinoServer();
    const dir = testdir({
      'dbt_project.yml': 'name: t\nprofile: t\n',
      // Port 1 (tcpmux): nothing listens there.
      'profiles.yml': trinoProfileYaml('t', 'memory', 'x').replace(`port: ${s.port}`, 'port: 1'),
      'models/a.sql': 'select 1 as id',
    });
    const r = await kiln(['run'], dir);
    expect(r.code).toBe(2);
    expect(r.output).toMatch(/error\[KLN502\] Could not reach Trino \(http:\/\/127\.0\.0\.1:1, catalog "memory", user "kiln_test"\): connection refused/);
    expect(r.output).not.toMatch(/\n\s+at /);
  });
});
