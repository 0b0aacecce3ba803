// dbt's `quoting:` on a real PostgreSQL server. With `quoting: {identifier: false}` every relation
// kiln builds is written unquoted, so the server folds mixed-case names to lower case (as with
// dbt: model MyView becomes relation myview); the second build must find those folded relations
// (through the relation cache) and replace them, keeping the views built on a swapped table.
// A source's own quoting applies to source(), not the project's.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { adminClient, freshDatabase, pgServer, type FreshDatabase } from '../../helpers/postgres.js';
import { testdir } from '../../helpers/testdir.js';

let db: FreshDatabase;
beforeAll(async () => {
  db = await freshDatabase('quoting');
  await sql(`create schema raw; create table raw.events as select 1 as id; create table raw."Mixed" as select 2 as id`);
});
afterAll(async () => {
  await db?.drop();
});

async function sql(text: string): Promise<Record<string, unknown>[]> {
  const c = await adminClient(db.database);
  try {
    return (await c.query(text)).rows as Record<string, unknown>[];
  } finally {
    await c.end();
  }
}

function profile(schema: string): string {
  const s = pgServer();
  return `p:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n      host: ${s.host}\n      port: ${s.port}\n      user: ${s.user}\n      password: ${JSON.stringify(s.password ?? '')}\n      dbname: ${db.database}\n      schema: ${schema}\n      threads: 2\n      sslmode: disable\n`;
}

const relations = async (schema: string): Promise<string[]> =>
  (await sql(`select c.relname || ':' || c.relkind::text as r from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = '${schema}' and c.relkind in ('r', 'v') order by 1`)).map((r) => String(r.r));

describe('quoting: {identifier: false} on PostgreSQL', () => {
  it('builds every materialization under folded names, twice, and finds them again', async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: p\nprofile: p\nquoting:\n  identifier: false\n',
      'profiles.yml': profile('qi'),
      'seeds/MySeed.csv': 'id,v\n1,a\n2,b\n',
      'models/MyView.sql': "select id from {{ ref('MySeed') }}",
      'models/MyTable.sql': "{{ config(materialized='table') }}\nselect v.id, e.id as e, m.id as m from {{ ref('MyView') }} v cross join {{ source('raw', 'Events') }} e cross join {{ source('raw', 'Mixed') }} m\n-- this: {{ this }}",
      'models/DownView.sql': "select * from {{ ref('MyTable') }}",
      'models/MyInc.sql':
        "{{ config(materialized='incremental', unique_key='id') }}\nselect 1 as id\n{% if is_incremental() %}union all select 1 + (select max(id) from {{ this }}){% endif %}",
      'models/props.yml':
        'sources:\n  - name: raw\n    quoting: {identifier: false}\n    tables:\n      - name: Events\n      - name: Mixed\n        quoting: {identifier: true}\nmodels:\n  - name: MyTable\n    columns:\n      - name: id\n        data_tests:\n          - unique:\n              config: {store_failures: true}\n',
      'snapshots/MySnap.sql':
        "{% snapshot MySnap %}\n{{ config(target_schema='qi', unique_key='id', strategy='check', check_cols='all') }}\nselect * from {{ ref('MySeed') }}\n{% endsnapshot %}",
    });
    for (let i = 0; i < 2; i++) {
      const r = await kiln(['build'], dir);
      expect(r.code, r.output).toBe(0);
    }
    // Folded by the server, no helper relation left behind, nothing created under a quoted name.
    expect(await relations('qi')).toEqual(['downview:v', 'myinc:r', 'myseed:r', 'mysnap:r', 'mytable:r', 'myview:v']);
    expect(await relations('qi_dbt_test__audit')).toEqual(['unique_mytable_id:r']);
    expect(await sql('select id, e, m from qi.mytable order by id')).toEqual([{ id: 1, e: 1, m: 2 }, { id: 2, e: 1, m: 2 }]);
    expect(await sql('select count(*)::int as n from qi.downview')).toEqual([{ n: 2 }]);
    // Rebuilding the table alone keeps the view on it (the swap's cascading drop recreates it).
    const alone = await kiln(['run', '-s', 'MyTable'], dir);
    expect(alone.code, alone.output).toBe(0);
    expect(await sql('select count(*)::int as n from qi.downview')).toEqual([{ n: 2 }]);
    // The second build found the incremental model's table and appended to it.
    expect(await sql('select id from qi.myinc order by id')).toEqual([{ id: 1 }, { id: 2 }]);

    const compiled = fs.readFileSync(path.join(dir, 'target/compiled/p/models/MyTable.sql'), 'utf8');
    expect(compiled).toContain(`from "${db.database}"."qi".MyView v`);
    expect(compiled).toContain(`"${db.database}"."raw".Events e`);
    expect(compiled).toContain(`"${db.database}"."raw"."Mixed" m`);
    expect(compiled).toContain(`-- this: "${db.database}"."qi".MyTable`);

    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8'));
    expect(manifest.metadata.quoting).toEqual({ database: true, schema: true, identifier: false, column: null });
    expect(manifest.nodes['model.p.MyTable'].relation_name).toBe(`"${db.database}"."qi".MyTable`);
    expect(manifest.sources['source.p.raw.Mixed'].quoting).toEqual({ database: null, schema: null, identifier: true, column: null });
    expect(manifest.sources['source.p.raw.Events'].relation_name).toBe(`"${db.database}"."raw".Events`);
    const results = JSON.parse(fs.readFileSync(path.join(dir, 'target/run_results.json'), 'utf8'));
    expect(results.results.find((r: { unique_id: string }) => r.unique_id === 'model.p.MyTable').relation_name).toBe(`"${db.database}"."qi".MyTable`);
    // The docs catalog finds the folded relations, and names them as the server holds them (as dbt's).
    const docs = await kiln(['docs', 'generate'], dir);
    expect(docs.code, docs.output).toBe(0);
    const catalog = JSON.parse(fs.readFileSync(path.join(dir, 'target/catalog.json'), 'utf8'));
    expect(Object.keys(catalog.nodes).sort()).toEqual(['model.p.DownView', 'model.p.MyInc', 'model.p.MyTable', 'model.p.MyView', 'seed.p.MySeed', 'snapshot.p.MySnap']);
    expect(catalog.nodes['model.p.MyTable'].metadata).toMatchObject({ schema: 'qi', name: 'mytable', type: 'BASE TABLE' });
    expect(catalog.sources['source.p.raw.Events'].metadata).toMatchObject({ schema: 'raw', name: 'events' });
  });

  it('clones the folded relations of a state run, and reads source freshness under the folded name', async () => {
    await sql('create table raw.loads as select now()::timestamp as loaded_at');
    const s = pgServer();
    const output = (name: string, schema: string) =>
      `    ${name}:\n      type: postgres\n      host: ${s.host}\n      port: ${s.port}\n      user: ${s.user}\n      password: ${JSON.stringify(s.password ?? '')}\n      dbname: ${db.database}\n      schema: ${schema}\n      threads: 2\n      sslmode: disable\n`;
    const dir = testdir({
      'dbt_project.yml': 'name: p\nprofile: p\nquoting:\n  identifier: false\n',
      'profiles.yml': `p:\n  target: ci\n  outputs:\n${output('prod', 'qprod')}${output('ci', 'qci')}`,
      'models/Totals.sql': "{{ config(materialized='table') }}\nselect 7 as n",
      // No quoting of its own: source() quotes the name, freshness takes the project's (as dbt's tasks do).
      'models/sources.yml': 'sources:\n  - name: raw\n    freshness: {warn_after: {count: 1, period: day}}\n    loaded_at_field: loaded_at\n    tables:\n      - name: LOADS\n',
    });
    for (let i = 0; i < 2; i++) expect((await kiln(['run', '--target', 'prod'], dir)).code).toBe(0);
    fs.cpSync(path.join(dir, 'target'), path.join(dir, 'prod-state'), { recursive: true });
    const r = await kiln(['clone', '--state', 'prod-state'], dir);
    expect(r.code, r.output).toBe(0);
    expect(await relations('qci')).toEqual(['totals:v']);
    expect(await sql('select n from qci.totals')).toEqual([{ n: 7 }]);
    const fresh = await kiln(['source', 'freshness'], dir);
    expect(fresh.code, fresh.output).toBe(0);
    expect(fresh.output).toMatch(/PASS freshness of raw\.LOADS/);
  });

  it('folds a mixed-case schema written unquoted too', async () => {
    const dir = testdir({
      'dbt_project.yml': 'name: p\nprofile: p\nquoting:\n  schema: false\n  identifier: false\n',
      'profiles.yml': profile('Mixed_Schema'),
      'models/A.sql': "{{ config(materialized='table') }}\nselect 1 as id",
      'models/B.sql': "select * from {{ ref('A') }}",
      // Templates asking by name find the folded relation; api.Relation and quote_as_configured follow the project.
      'models/C.sql':
        "-- depends_on: {{ ref('A') }}\n{% set r = adapter.get_relation(database=target.database, schema='Mixed_Schema', identifier='A') %}\nselect '{{ r }}' as found, '{{ adapter.quote_as_configured('Abc', 'identifier') }}' as q, '{{ api.Relation.create(schema='S', identifier='T') }}' as made",
    });
    for (let i = 0; i < 2; i++) {
      const r = await kiln(['run'], dir);
      expect(r.code, r.output).toBe(0);
    }
    expect(await relations('mixed_schema')).toEqual(['a:r', 'b:v', 'c:v']);
    expect(await sql('select found, q, made from mixed_schema.c')).toEqual([{ found: `"${db.database}"."mixed_schema"."a"`, q: 'Abc', made: `"${db.database}".S.T` }]);
    expect(await relations('Mixed_Schema')).toEqual([]);
  });
});
