// Building small projects on a real DuckDB: materializations, atomic swaps, failure handling,
// naming, selection and templating, each checked on the rows that land.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { queryDuckDb, relationsOf } from '../../helpers/duckdb-query.js';
import { testdir } from '../../helpers/testdir.js';

const PROFILE = `p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n      schema: main\n      threads: 4\n`;

function project(files: Record<string, string>, projectYml = ''): string {
  return testdir({ 'dbt_project.yml': `name: p\nprofile: p\n${projectYml}`, 'profiles.yml': PROFILE, ...files });
}
const db = (dir: string) => path.join(dir, 'dev.duckdb');
const q = (dir: string, sql: string) => queryDuckDb(db(dir), sql);

describe('materializations on DuckDB', () => {
  it('builds views, tables and ephemeral CTEs in dependency order', async () => {
    const dir = project({
      'models/base.sql': "{{ config(materialized='table') }}\nselect * from (values (1, 'a'), (2, 'b'), (3, 'c')) t(id, name)",
      'models/eph.sql': "{{ config(materialized='ephemeral') }}\nselect * from {{ ref('base') }} where id > 1",
      'models/eph2.sql': "{{ config(materialized='ephemeral') }}\nwith x as (select * from {{ ref('eph') }}) select * from x",
      'models/final.sql': "with f as (select * from {{ ref('eph2') }})\nselect count(*) as n from f",
    });
    const r = await kiln(['run'], dir);
    expect(r.code, r.output).toBe(0);
    expect(await relationsOf(db(dir))).toEqual([
      { name: 'base', type: 'table' },
      { name: 'final', type: 'view' },
    ]);
    expect(await q(dir, 'select n from main.final')).toEqual([{ n: 2 }]);
    const compiled = fs.readFileSync(path.join(dir, 'target/compiled/p/models/final.sql'), 'utf8');
    expect(compiled.indexOf('__dbt__cte__eph as')).toBeLessThan(compiled.indexOf('__dbt__cte__eph2 as'));
  });

  it('keeps the previous table when a rebuild fails, and skips only its descendants', async () => {
    const dir = project({
      'models/good.sql': "{{ config(materialized='table') }}\nselect {{ var('n', 1) }} as n",
      'models/child.sql': "select * from {{ ref('good') }}",
      'models/other.sql': "{{ config(materialized='table') }}\nselect 42 as answer",
    });
    expect((await kiln(['run'], dir)).code).toBe(0);
    fs.writeFileSync(path.join(dir, 'models/good.sql'), "{{ config(materialized='table') }}\nselect n from no_such_table");
    fs.writeFileSync(path.join(dir, 'models/other.sql'), "{{ config(materialized='table') }}\nselect 43 as answer");
    const r = await kiln(['run'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/ERROR creating sql table model main\.good/);
    expect(r.stdout).toMatch(/SKIP relation main\.child/);
    expect(r.stdout).toMatch(/no_such_table/);
    expect(r.stdout).toMatch(/models\/good\.sql/);
    expect(r.stdout).toMatch(/Done\. PASS=1 WARN=0 ERROR=1 SKIP=1 NO-OP=0 TOTAL=3/);
    expect(await q(dir, 'select n from main.good')).toEqual([{ n: 1 }]);
    expect(await q(dir, 'select answer from main.other')).toEqual([{ answer: 43 }]);
    expect((await relationsOf(db(dir))).filter((x) => x.name.includes('__dbt'))).toEqual([]);
    const results = JSON.parse(fs.readFileSync(path.join(dir, 'target/run_results.json'), 'utf8'));
    const byId = Object.fromEntries(results.results.map((x: { unique_id: string; status: string }) => [x.unique_id, x.status]));
    expect(byId).toEqual({ 'model.p.good': 'error', 'model.p.child': 'skipped', 'model.p.other': 'success' });
  });

  it('changes a view into a table and back', async () => {
    const dir = project({ 'models/m.sql': 'select 1 as id' });
    expect((await kiln(['run'], dir)).code).toBe(0);
    expect(await relationsOf(db(dir))).toEqual([{ name: 'm', type: 'view' }]);
    fs.writeFileSync(path.join(dir, 'models/m.sql'), "{{ config(materialized='table') }}\nselect 2 as id");
    expect((await kiln(['run'], dir)).code).toBe(0);
    expect(await relationsOf(db(dir))).toEqual([{ name: 'm', type: 'table' }]);
    fs.writeFileSync(path.join(dir, 'models/m.sql'), 'select 3 as id');
    expect((await kiln(['run'], dir)).code).toBe(0);
    expect(await q(dir, 'select id from main.m')).toEqual([{ id: 3 }]);
  });

  it('drops temporary and backup relations a killed run left behind', async () => {
    const dir = project({ 'models/m.sql': "{{ config(materialized='table') }}\nselect 1 as id" });
    expect((await kiln(['run'], dir)).code).toBe(0);
    // Simulate leftovers of a killed run: a tmp table and a backup view.
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const inst = await DuckDBInstance.create(db(dir));
    const c = await inst.connect();
    await c.run('create table main.m__dbt_tmp as select 99 as id; create view main.m__dbt_backup as select 98 as id');
    c.closeSync();
    inst.closeSync();
    expect((await kiln(['run'], dir)).code).toBe(0);
    expect(await relationsOf(db(dir))).toEqual([{ name: 'm', type: 'table' }]);
  });

  it('stops at the first failure with --fail-fast', async () => {
    const dir = project({
      'models/a.sql': 'select * from missing_thing',
      'models/b.sql': "select * from {{ ref('a') }}",
    });
    const r = await kiln(['run', '--fail-fast', '--threads', '1'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/ERROR=1/);
  });
});

describe('naming and configuration', () => {
  it('puts custom schemas at <target schema>_<custom> and honours alias', async () => {
    const dir = project(
      { 'models/marts/m.sql': "{{ config(alias='renamed') }}\nselect 1 as id" },
      'models:\n  p:\n    marts:\n      +schema: analytics\n      +materialized: table\n',
    );
    const r = await kiln(['run'], dir);
    expect(r.code, r.output).toBe(0);
    expect(await q(dir, "select table_schema, table_name, table_type from information_schema.tables where table_name = 'renamed'")).toEqual([
      { table_schema: 'main_analytics', table_name: 'renamed', table_type: 'BASE TABLE' },
    ]);
  });

  it('lets a project macro replace generate_schema_name', async () => {
    const dir = project(
      {
        'models/m.sql': "{{ config(schema='reporting') }}\nselect 1 as id",
        'macros/naming.sql': '{% macro generate_schema_name(custom_schema_name, node) -%}\n{%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}\n{%- endmacro %}',
      },
    );
    const r = await kiln(['run'], dir);
    expect(r.code, r.output).toBe(0);
    expect(await q(dir, "select table_schema from information_schema.tables where table_name = 'm'")).toEqual([{ table_schema: 'reporting' }]);
  });

  it('applies config precedence: folder < YAML < config() call; tags accumulate', async () => {
    const dir = project(
      {
        'models/a.sql': "{{ config(materialized='table') }}\nselect 1 as id",
        'models/schema.yml': 'models:\n  - name: a\n    config:\n      materialized: view\n      tags: [from_yaml]\n',
      },
      'models:\n  p:\n    +materialized: view\n    +tags: [from_project]\n',
    );
    const r = await kiln(['run'], dir);
    expect(r.code, r.output).toBe(0);
    expect(await relationsOf(db(dir))).toEqual([{ name: 'a', type: 'table' }]);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8'));
    expect(manifest.nodes['model.p.a'].config.tags).toEqual(['from_project', 'from_yaml']);
  });

  it('disabled models are not built and cannot be referenced silently', async () => {
    const dir = project({ 'models/a.sql': "{{ config(enabled=false) }}\nselect 1", 'models/b.sql': 'select 2 as x' });
    const r = await kiln(['run'], dir);
    expect(r.code, r.output).toBe(0);
    expect(await relationsOf(db(dir))).toEqual([{ name: 'b', type: 'view' }]);
  });
});

describe('templating', () => {
  it('renders vars from the project and --vars, loops, macros with return()', async () => {
    const dir = project(
      {
        'macros/helpers.sql': "{% macro cols(n) %}{% set out = [] %}{% for i in range(n) %}{% do out.append('c' ~ i) %}{% endfor %}{{ return(out) }}{% endmacro %}",
        'models/m.sql': "{% set cs = cols(var('width')) %}\nselect {% for c in cs %}{{ loop.index }} as {{ c }}{{ ',' if not loop.last }}{% endfor %}, '{{ var('label') }}' as label",
      },
      'vars:\n  width: 2\n  label: project\n',
    );
    let r = await kiln(['run'], dir);
    expect(r.code, r.output).toBe(0);
    expect(await q(dir, 'select * from main.m')).toEqual([{ c0: 1, c1: 2, label: 'project' }]);
    r = await kiln(['run', '--vars', '{width: 3, label: cli}'], dir);
    expect(r.code, r.output).toBe(0);
    expect(await q(dir, 'select * from main.m')).toEqual([{ c0: 1, c1: 2, c2: 3, label: 'cli' }]);
  });

  it('resolves sources to their declared schema and identifier', async () => {
    const dir = project({
      'models/src.yml': 'sources:\n  - name: raw\n    schema: main\n    tables:\n      - name: people\n        identifier: people_seed\n',
      'seeds/people_seed.csv': 'id,name\n1,ann\n2,bob\n',
      'models/people.sql': "select count(*) as n from {{ source('raw', 'people') }}",
    });
    // The seed is not a declared dependency of the source, so load it first, as one would.
    expect((await kiln(['seed'], dir)).code).toBe(0);
    const r = await kiln(['run'], dir);
    expect(r.code, r.output).toBe(0);
    expect(await q(dir, 'select n from main.people')).toEqual([{ n: 2 }]);
  });
});

describe('seeds', () => {
  it('infers types, honours column_types and delimiter, and replaces data on re-seed', async () => {
    const dir = project(
      {
        'seeds/things.csv': 'id;price;active;day;label\n1;1.5;true;2024-01-02;x\n2;;false;2024-02-03;\n',
        'seeds/props.yml': 'seeds:\n  - name: things\n    config:\n      delimiter: ";"\n      column_types:\n        label: varchar(10)\n',
      },
    );
    let r = await kiln(['seed'], dir);
    expect(r.code, r.output).toBe(0);
    const cols = await q(dir, "select column_name, data_type from information_schema.columns where table_name = 'things' order by ordinal_position");
    expect(cols.map((c) => c.data_type)).toEqual(['INTEGER', expect.stringMatching(/DOUBLE|DECIMAL/), 'BOOLEAN', 'DATE', 'VARCHAR']);
    expect(await q(dir, 'select count(*) as n, count(price) as priced from main.things')).toEqual([{ n: 2, priced: 1 }]);
    fs.writeFileSync(path.join(dir, 'seeds/things.csv'), 'id;price;active;day;label\n7;2;true;2024-01-02;y\n');
    r = await kiln(['seed'], dir);
    expect(r.code, r.output).toBe(0);
    expect(await q(dir, 'select id from main.things')).toEqual([{ id: 7 }]);
  });
});

describe('selection', () => {
  it('runs only the selected models', async () => {
    const dir = project({
      'models/a.sql': 'select 1 as id',
      'models/b.sql': "select * from {{ ref('a') }}",
      'models/c.sql': 'select 3 as id',
    });
    const r = await kiln(['run', '-s', '+b'], dir);
    expect(r.code, r.output).toBe(0);
    expect((await relationsOf(db(dir))).map((x) => x.name)).toEqual(['a', 'b']);
    const r2 = await kiln(['run', '--exclude', 'a', 'b'], dir);
    expect(r2.code, r2.output).toBe(0);
    expect((await relationsOf(db(dir))).map((x) => x.name)).toEqual(['a', 'b', 'c']);
  });
});
