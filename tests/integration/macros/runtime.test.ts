// The run-time Jinja of dbt projects on DuckDB and PostgreSQL: run_query and statement /
// load_result with agate-like tables, adapter introspection and drops, api.Relation.create and
// relation attributes, graph / model / flags / modules / serialisation helpers, depends_on
// hints — each asserted through the rows its model really built.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';
import { duckdbTarget, postgresTarget, type AdapterTarget } from '../adapters/targets.js';

const targets = [duckdbTarget(), postgresTarget()];
afterAll(async () => {
  for (const t of targets) await t.cleanup();
});

const FILES: Record<string, string> = {
  'dbt_project.yml': `name: rt
profile: rt
vars:
  region: eu
models:
  rt:
    +materialized: table
`,
  'seeds/people.csv': 'id,name,team\n1,ann,red\n2,bob,blue\n3,cid,red\n',
  // run_query: an agate table with rows, columns, column_names and columns[i].values()
  'models/query_table.sql': `{%- set t = run_query("select team, count(*) as n from " ~ ref('people') ~ " group by team order by team") -%}
{%- if execute -%}
  {%- set teams = t.columns[0].values() -%}
  {%- set counts = t.columns['n'].values() -%}
select '{{ t.column_names | join(",") }}' as names, '{{ teams | join(",") }}' as teams,
  {{ counts | sum }} as total, {{ t.rows | length }} as n_rows, '{{ t.rows[1]['team'] }}:{{ t.rows[1][1] }}' as second
{%- else -%}
select 'x' as names, 'x' as teams, 0 as total, 0 as n_rows, 'x' as second
{%- endif -%}`,
  // statement + load_result: response, data, table
  'models/statement_result.sql': `{%- call statement('people_count', fetch_result=True) -%}
  select count(*) as c, max(name) as last_name from {{ ref('people') }}
{%- endcall -%}
{%- set r = load_result('people_count') -%}
{%- set row = r['data'][0] if execute else [0, ''] -%}
select {{ row[0] }} as c, '{{ row[1] }}' as last_name, {{ (r['table'].rows | length) if execute else 0 }} as table_rows
-- depends_on: {{ ref('people') }}`,
  // introspection: get_relation / load_relation / get_columns_in_relation / quote / api.Relation.create
  'models/introspect.sql': `{%- set rel = adapter.get_relation(database=this.database, schema=this.schema, identifier='people') -%}
{%- set missing = adapter.get_relation(database=this.database, schema=this.schema, identifier='no_such_table') -%}
{%- set made = api.Relation.create(database=this.database, schema=this.schema, identifier='people') -%}
{%- set loaded = load_relation(made) -%}
{%- set cols = adapter.get_columns_in_relation(made) -%}
select '{{ rel.identifier if rel else "none" }}' as found, {{ 'true' if missing is none else 'false' }} as missing_is_none,
  '{{ loaded.type if loaded else "none" }}' as loaded_type,
  '{{ cols | map(attribute="name") | join(",") }}' as columns,
  '{{ cols | selectattr("name", "equalto", "id") | map(attribute="dtype") | first | lower if cols else "" }}' as id_type,
  {{ (cols | selectattr('name', 'equalto', 'name') | first).is_string() if cols else 'false' }} as name_is_string,
  '{{ adapter.quote("Mixed Case") }}' as quoted,
  '{{ made.incorporate(path={"identifier": "other"}).identifier }}' as incorporated,
  '{{ this.identifier }}' as me, '{{ this.schema == target.schema }}' as my_schema
-- depends_on: {{ ref('people') }}`,
  // drop_relation: the model drops a scratch table it made with run_query
  'models/dropper.sql': `{%- if execute -%}
  {%- do run_query("create table " ~ this.schema ~ ".scratch_for_drop as select 1 as x") -%}
  {%- set scratch = adapter.get_relation(database=this.database, schema=this.schema, identifier='scratch_for_drop') -%}
  {%- do adapter.drop_relation(scratch) -%}
  {%- set after = adapter.get_relation(database=this.database, schema=this.schema, identifier='scratch_for_drop') -%}
{%- endif -%}
select {{ 'true' if execute and scratch is not none else 'false' }} as existed, {{ 'true' if execute and after is none else 'false' }} as dropped`,
  // graph, model, flags, modules, serialisation and more context
  'models/context_bits.sql': `{%- set people_node = graph.nodes['seed.rt.people'] -%}
{%- set ns = namespace(count=0) -%}
{%- for id, node in graph.nodes.items() if node.resource_type == 'model' -%}{%- set ns.count = ns.count + 1 -%}{%- endfor -%}
{%- set parsed = fromjson('{"a": [1, 2], "b": null}') -%}
{%- set y = fromyaml('k: [x, y]') -%}
{%- set d = modules.datetime.date(2024, 2, 28) + modules.datetime.timedelta(days=2) -%}
{%- set pairs = zip(['a', 'b'], [1, 2]) | list -%}
select '{{ model.unique_id }}' as me, '{{ model.config.materialized }}' as mat,
  '{{ people_node.resource_type }}/{{ people_node.name }}' as seed_node, {{ ns.count }} as model_count,
  '{{ tojson(parsed, sort_keys=true) }}' as json_text, '{{ y["k"] | join("+") }}' as yaml_list,
  '{{ toyaml({"z": 1}) | trim }}' as yaml_text, '{{ d.isoformat() }}' as next_day,
  '{{ modules.re.sub("[aeiou]", "_", "kiln") }}' as re_sub, '{{ pairs[1][0] }}{{ pairs[1][1] }}' as zipped,
  {{ flags.FULL_REFRESH }} as full_refresh, '{{ var("region") }}' as region,
  {{ (invocation_id | length) }} as invocation_len, {{ run_started_at.strftime("%Y") | length }} as year_len,
  '{{ execute }}' as executing`,
  // a ref the code path does not render is declared with a depends_on hint
  'models/hinted.sql': `-- depends_on: {{ ref('query_table') }}
{%- if execute %}
select count(*) as n from {{ ref('query_table') }}
{%- else %}
select 0 as n
{%- endif %}`,
};

describe.each(targets)('run-time Jinja on $name', (target: AdapterTarget) => {
  it('runs queries and introspection while compiling, on the node connection', async () => {
    const dir = testdir(FILES);
    await target.setup(dir, 'rt');
    const r = await kiln(['build'], dir);
    expect(r.code, r.output).toBe(0);
    const q = (sql: string) => target.query(dir, sql);
    const s = target.schema;

    expect(await q(`select * from ${s}.query_table`)).toEqual([{ names: 'team,n', teams: 'blue,red', total: 3, n_rows: 2, second: 'red:2' }]);
    expect(await q(`select * from ${s}.statement_result`)).toEqual([{ c: 3, last_name: 'cid', table_rows: 1 }]);
    const [intro] = await q(`select * from ${s}.introspect`);
    expect(intro).toMatchObject({
      found: 'people',
      missing_is_none: true,
      loaded_type: 'table',
      columns: 'id,name,team',
      name_is_string: true,
      quoted: '"Mixed Case"',
      incorporated: 'other',
      me: 'introspect',
      my_schema: 'True',
    });
    expect(String(intro.id_type)).toMatch(/int/);
    expect(await q(`select * from ${s}.dropper`)).toEqual([{ existed: true, dropped: true }]);
    expect((await target.relations(dir)).map((x) => x.name)).not.toContain('scratch_for_drop');

    const [ctx] = await q(`select * from ${s}.context_bits`);
    expect(ctx).toMatchObject({
      me: 'model.rt.context_bits',
      mat: 'table',
      seed_node: 'seed/people',
      model_count: 6,
      json_text: '{"a": [1, 2], "b": null}',
      yaml_list: 'x+y',
      yaml_text: 'z: 1',
      next_day: '2024-03-01',
      re_sub: 'k_ln',
      zipped: 'b2',
      full_refresh: false,
      region: 'eu',
      invocation_len: 36,
      year_len: 4,
      executing: 'True',
    });
    expect(await q(`select n from ${s}.hinted`)).toEqual([{ n: 1 }]);

    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8'));
    expect(manifest.nodes['model.rt.hinted'].depends_on.nodes).toEqual(['model.rt.query_table']);
    // parse time never reached the warehouse: `execute` was false and run_query returned none
    expect(fs.readFileSync(path.join(dir, 'target/compiled/rt/models/query_table.sql'), 'utf8')).toContain("'team,n' as names");
  }, 120_000);
});

describe('run-time Jinja: parse time stays off the warehouse', () => {
  it('parses a project whose models query the warehouse without opening it', async () => {
    const dir = testdir({ ...FILES, 'profiles.yml': 'rt:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n      host: 127.0.0.1\n      port: 1\n      user: nobody\n      dbname: none\n      schema: s\n' });
    const r = await kiln(['parse'], dir);
    expect(r.code, r.output).toBe(0);
  });
});
