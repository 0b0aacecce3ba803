// One conformance suite, run against every adapter: the same projects must give the same rows,
// the same atomicity and the same error behaviour on DuckDB, PostgreSQL and Trino (iceberg).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kiln, repoRoot } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';
import { adapterRows, duckdbTarget, postgresTarget, trinoTarget, typeFamily, withAdapter, type AdapterTarget } from './targets.js';
import { copyTemplate } from '../../../core/cli/commands/init.js';

interface Expected {
  relations: { name: string; type: string; rows: number }[];
  checks: { sql: string; expected: unknown }[];
}
const expected: Expected = JSON.parse(fs.readFileSync(path.join(repoRoot, 'tests/fixtures/project-template-expected.json'), 'utf8'));

const targets = [duckdbTarget(), postgresTarget(), trinoTarget()];
afterAll(async () => {
  for (const t of targets) await t.cleanup();
});

/** project-template built by each target's first test, compared across targets at the end. */
const templateBuilds = new Map<string, string>();

async function buildTemplate(target: AdapterTarget): Promise<{ dir: string; stdout: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `kiln-conf-${target.name}-`));
  copyTemplate(dir);
  await target.setup(dir, 'shop');
  const r = await kiln(['build'], dir);
  expect(r.code, r.output).toBe(0);
  templateBuilds.set(target.name, dir);
  return { dir, stdout: r.stdout };
}

describe.each(targets)('adapter conformance: $name', (target: AdapterTarget) => {
  beforeAll(() => target.ready?.(), 240_000);
  const project = async (files: Record<string, string>) => {
    const dir = testdir({ 'dbt_project.yml': 'name: conf\nprofile: conf\n', ...files });
    await target.setup(dir, 'conf');
    return dir;
  };

  it('builds project-template with the rows dbt produces', async () => {
    const { dir, stdout } = await buildTemplate(target);
    expect(stdout).toMatch(/Done\. PASS=36 WARN=0 ERROR=0 SKIP=0 NO-OP=0 TOTAL=36/);
    const rels = await target.relations(dir);
    expect(rels).toEqual(expected.relations.map(({ name, type }) => ({ name, type })).sort((a, b) => a.name.localeCompare(b.name)));
    for (const rel of expected.relations) {
      const [row] = await target.query(dir, `select count(*) as n from ${target.schema}.${rel.name}`);
      expect(Number(row.n), rel.name).toBe(rel.rows);
    }
    for (const c of expected.checks) {
      const [row] = await target.query(dir, target.dialect(c.sql));
      expect(Object.values(row)[0], c.sql).toEqual(c.expected);
    }
    // A second build replaces everything in place and leaves no helper relations behind.
    const again = await kiln(['build'], dir);
    expect(again.code, again.output).toBe(0);
    expect((await target.relations(dir)).filter((x) => x.name.includes('__dbt'))).toEqual([]);
  }, 240_000);

  it('keeps the previous relation when a rebuild fails', async () => {
    const dir = await project({
      'models/t.sql': "{{ config(materialized='table') }}\nselect 1 as id",
      'models/v.sql': "select * from {{ ref('t') }}",
    });
    expect((await kiln(['run'], dir)).code).toBe(0);
    fs.writeFileSync(path.join(dir, 'models/t.sql'), "{{ config(materialized='table') }}\nselect 1 / 0 as id, * from no_such_relation");
    const r = await kiln(['run'], dir);
    expect(r.code).toBe(1);
    expect(await target.query(dir, `select id from ${target.schema}.t`)).toEqual([{ id: 1 }]);
    expect(await target.relations(dir)).toEqual([
      { name: 't', type: 'table' },
      { name: 'v', type: 'view' },
    ]);
  });

  it('swaps a view for a table and back', async () => {
    const dir = await project({ 'models/m.sql': 'select 1 as id' });
    expect((await kiln(['run'], dir)).code).toBe(0);
    fs.writeFileSync(path.join(dir, 'models/m.sql'), "{{ config(materialized='table') }}\nselect 2 as id");
    expect((await kiln(['run'], dir)).code).toBe(0);
    expect(await target.relations(dir)).toEqual([{ name: 'm', type: 'table' }]);
    fs.writeFileSync(path.join(dir, 'models/m.sql'), 'select 3 as id');
    expect((await kiln(['run'], dir)).code).toBe(0);
    expect(await target.relations(dir)).toEqual([{ name: 'm', type: 'view' }]);
    expect(await target.query(dir, `select id from ${target.schema}.m`)).toEqual([{ id: 3 }]);
  });

  it('builds a model whose name is longer than 63 bytes', async () => {
    const name = `model_with_a_very_long_name_${'x'.repeat(30)}_end`;
    expect(name.length).toBeGreaterThan(63 - '__dbt_backup'.length);
    const dir = await project({ [`models/${name}.sql`]: "{{ config(materialized='table') }}\nselect 5 as id" });
    let r = await kiln(['run'], dir);
    expect(r.code, r.output).toBe(0);
    r = await kiln(['run'], dir);
    expect(r.code, r.output).toBe(0);
    expect(await target.query(dir, `select id from ${target.schema}."${name}"`)).toEqual([{ id: 5 }]);
  });

  it('loads seeds with inferred types, column_types and a delimiter, identically', async () => {
    const dir = await project({
      'seeds/s.csv': 'id|amount|ok|day|note\n1|2.50|true|2024-01-02|"a|b"\n2||false||\n',
      'seeds/props.yml': 'seeds:\n  - name: s\n    config:\n      delimiter: "|"\n      column_types:\n        note: varchar(20)\n',
    });
    const r = await kiln(['seed'], dir);
    expect(r.code, r.output).toBe(0);
    const rows = await target.query(dir, `select id, amount, ok, cast(day as varchar) as day, note from ${target.schema}.s order by id`);
    expect(rows).toEqual([
      { id: 1, amount: 2.5, ok: true, day: '2024-01-02', note: 'a|b' },
      { id: 2, amount: null, ok: false, day: null, note: null },
    ]);
  });

  it('runs data tests and skips what is built on a failing one', async () => {
    const dir = await project({
      'models/a.sql': "{{ config(materialized='table') }}\nselect 1 as id union all select 1 union all select null",
      'models/b.sql': "select * from {{ ref('a') }}",
      'models/schema.yml': 'models:\n  - name: a\n    columns:\n      - name: id\n        data_tests:\n          - unique\n          - not_null:\n              config:\n                severity: warn\n',
    });
    const r = await kiln(['build'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL 1 unique_a_id/);
    expect(r.stdout).toMatch(/WARN 1 not_null_a_id/);
    expect(r.stdout).toMatch(/SKIP relation \w+\.b/);
    expect(r.stdout).toMatch(/Done\. PASS=1 WARN=1 ERROR=1 SKIP=1 NO-OP=0 TOTAL=4/);
  });
  it('builds odd identifiers: mixed case, spaces, quotes, reserved words, unicode', async () => {
    const dir = await project({
      'dbt_project.yml': 'name: conf\nprofile: conf\nseeds:\n  conf:\n    +quote_columns: true\n',
      'seeds/Raw Seed.csv': 'id,Mixed Case,select,"quo""te",ünï,order\n1,a,b,c,d,e\n2,,"x,y","two\nlines",é,\n',
      'models/MixedCase.sql': `select 1 as id, 'x' as "Mixed Col"`,
      'models/order.sql': "select * from {{ ref('MixedCase') }}",
      'models/reserved_alias.sql': "{{ config(alias='select', materialized='table') }}\nselect * from {{ ref('order') }}",
      'models/spacey.sql': `{{ config(alias='with space "quoted"') }}\nselect * from {{ ref('reserved_alias') }}`,
      'models/café_ünï.sql': `{{ config(materialized='table') }}\nselect id, "Mixed Case", "select", "quo""te", "ünï", "order" from {{ ref('Raw Seed') }}`,
      'models/schema.yml': 'models:\n  - name: MixedCase\n    columns:\n      - name: id\n        data_tests: [not_null]\n',
    });
    for (const run of [1, 2]) {
      const r = await kiln(['build'], dir);
      expect(r.code, `build ${run}: ${r.output}`).toBe(0);
      expect(r.stdout).toMatch(/Done\. PASS=7 WARN=0 ERROR=0 SKIP=0 NO-OP=0 TOTAL=7/);
    }
    // Trino's connectors fold every name to lower case, quoted or not.
    const n = (name: string): string => (target.foldsIdentifierCase ? name.toLowerCase() : name);
    await withAdapter(dir, 'conf', async (adapter) => {
      const rels = await adapter.listRelations(adapter.database, target.schema);
      expect(rels.map((r) => [r.identifier, r.type]).sort(byFirst)).toEqual(
        [
          ['MixedCase', 'view'],
          ['Raw Seed', 'table'],
          ['café_ünï', 'table'],
          ['order', 'view'],
          ['select', 'table'],
          ['with space "quoted"', 'view'],
        ]
          .map(([name, type]) => [n(name), type])
          .sort(byFirst),
      );
      const rel = (identifier: string) => ({ database: adapter.database, schema: target.schema, identifier });
      expect((await adapter.getColumns(rel('Raw Seed'))).map((c) => c.name)).toEqual(['id', 'Mixed Case', 'select', 'quo"te', 'ünï', 'order'].map(n));
      expect((await adapter.getColumns(rel('with space "quoted"'))).map((c) => c.name)).toEqual(['id', 'Mixed Col'].map(n));
      expect(await adapterRows(adapter, `select * from ${adapter.dialect.renderRelation(rel('with space "quoted"'))}`)).toEqual([{ id: 1, [n('Mixed Col')]: 'x' }]);
      expect(await adapterRows(adapter, `select * from ${adapter.dialect.renderRelation(rel('café_ünï'))} order by id`)).toEqual([
        { id: 1, [n('Mixed Case')]: 'a', select: 'b', 'quo"te': 'c', ünï: 'd', order: 'e' },
        { id: 2, [n('Mixed Case')]: null, select: 'x,y', 'quo"te': 'two\nlines', ünï: 'é', order: null },
      ]);
    });
  });

  it('round-trips every seed type and model type, including nulls and awkward text', async () => {
    const big = '9007199254740993'; // beyond 2^53: stays exact as text
    // Trino's protocol sends integers as JSON numbers: beyond 2^53 they arrive rounded.
    const bigBack: unknown = target.exactBigints === false ? Number(big) : big;
    const dir = await project({
      'seeds/types.csv': [
        'i,b,n,d,t,dt,ts,s,e',
        `1,${big},12.50,0.1,true,2024-02-29,2024-02-29 13:45:01,"it's ""quoted"", ok`,
        `second line",`,
        `-2147483648,-2147483649,-0.001,1e300,false,1970-01-01,1999-12-31 23:59:59.123456,tab\there \\ back,`,
        '3,,,,,,,,',
      ].join('\n') + '\n',
      'seeds/props.yml': target.dialect('seeds:\n  - name: types\n    config:\n      column_types:\n        d: float8\n'),
      'models/copied.sql': "{{ config(materialized='table') }}\nselect * from {{ ref('types') }}",
      'models/cast.sql': target.dialect([
        "{{ config(materialized='table') }}",
        'select',
        '  cast(2147483647 as integer) as i,',
        `  cast(${big} as bigint) as b,`,
        '  cast(12.345 as numeric(10, 3)) as n,',
        '  cast(0.25 as float8) as d,',
        '  true as t,',
        "  cast('2024-02-29' as date) as dt,",
        "  cast('2024-02-29 13:45:01.5' as timestamp) as ts,",
        "  'it''s \"q\"' || chr(10) || 'x' as s,",
        '  cast(null as integer) as e',
      ].join('\n')),
    });
    const r = await kiln(['build'], dir);
    expect(r.code, r.output).toBe(0);
    await withAdapter(dir, 'conf', async (adapter) => {
      const rel = (identifier: string) => ({ database: adapter.database, schema: target.schema, identifier });
      const seedRows = [
        { i: -2147483648, b: -2147483649, n: -0.001, d: 1e300, t: false, dt: '1970-01-01', ts: '1999-12-31 23:59:59.123456', s: 'tab\there \\ back', e: null },
        { i: 1, b: bigBack, n: 12.5, d: 0.1, t: true, dt: '2024-02-29', ts: '2024-02-29 13:45:01', s: `it's "quoted", ok\nsecond line`, e: null },
        { i: 3, b: null, n: null, d: null, t: null, dt: null, ts: null, s: null, e: null },
      ];
      for (const name of ['types', 'copied']) {
        expect(await adapterRows(adapter, `select * from ${adapter.dialect.renderRelation(rel(name))} order by i`), name).toEqual(seedRows);
        const cols = await adapter.getColumns(rel(name));
        expect(cols.map((c) => [c.name, typeFamily(c.dataType)]), name).toEqual([
          ['i', 'integer'],
          ['b', 'bigint'],
          ['n', 'number'],
          ['d', 'number'],
          ['t', 'boolean'],
          ['dt', 'date'],
          ['ts', 'timestamp'],
          ['s', 'text'],
          ['e', 'text'],
        ]);
      }
      expect(await adapterRows(adapter, `select * from ${adapter.dialect.renderRelation(rel('cast'))}`)).toEqual([
        { i: 2147483647, b: bigBack, n: 12.345, d: 0.25, t: true, dt: '2024-02-29', ts: '2024-02-29 13:45:01.5', s: `it's "q"\nx`, e: null },
      ]);
      expect((await adapter.getColumns(rel('cast'))).map((c) => typeFamily(c.dataType))).toEqual(['integer', 'bigint', 'number', 'number', 'boolean', 'date', 'timestamp', 'text', 'integer']);
    });
  });

  it('introspects what it built: relations, columns in order, and nothing of other schemas', async () => {
    const dir = await project({
      'seeds/s.csv': 'b,a\n1,x\n',
      'models/t.sql': "{{ config(materialized='table') }}\nselect a as z, b as y, 1 as x from {{ ref('s') }}",
      'models/v.sql': "select x, z from {{ ref('t') }}",
      'models/e.sql': "{{ config(materialized='ephemeral') }}\nselect 1 as one",
      'models/other.sql': "{{ config(schema='elsewhere') }}\nselect * from {{ ref('e') }}",
    });
    const r = await kiln(['build'], dir);
    expect(r.code, r.output).toBe(0);
    await withAdapter(dir, 'conf', async (adapter) => {
      const rels = await adapter.listRelations(adapter.database, target.schema);
      expect(rels.map((x) => [x.identifier, x.type]).sort(byFirst)).toEqual([
        ['s', 'table'],
        ['t', 'table'],
        ['v', 'view'],
      ]);
      const rel = (identifier: string) => ({ database: adapter.database, schema: target.schema, identifier });
      expect(await adapter.getRelation(rel('v'))).toEqual({ ...rel('v'), type: 'view' });
      expect(await adapter.getRelation(rel('e'))).toBeNull();
      expect((await adapter.getColumns(rel('t'))).map((c) => [c.name, c.index, typeFamily(c.dataType)])).toEqual([
        ['z', 1, 'text'],
        ['y', 2, 'integer'],
        ['x', 3, 'integer'],
      ]);
      expect((await adapter.getColumns(rel('v'))).map((c) => c.name)).toEqual(['x', 'z']);
      expect(await adapter.getColumns(rel('missing'))).toEqual([]);
      // dbt's default schema name: <target schema>_<custom schema>.
      const other = `${target.schema}_elsewhere`;
      expect(await adapter.listSchemas(adapter.database)).toContain(other);
      expect((await adapter.listRelations(adapter.database, other)).map((x) => [x.identifier, x.type])).toEqual([['other', 'view']]);
    });
  });

  it('reports a SQL error with the database message and the model file, skips descendants and finishes other branches', async () => {
    const dir = await project({
      'models/ok.sql': 'select 1 as id',
      'models/bad.sql': "{{ config(materialized='table') }}\nselect id,\n  no_such_column\nfrom {{ ref('ok') }}",
      'models/child.sql': "select * from {{ ref('bad') }}",
      'models/grandchild.sql': "select * from {{ ref('child') }}",
      'models/sibling.sql': "select * from {{ ref('ok') }}",
      'models/independent.sql': "{{ config(materialized='table') }}\nselect 2 as id",
    });
    const r = await kiln(['run'], dir);
    expect(r.code, r.output).toBe(1);
    expect(r.stdout).toMatch(/ERROR creating sql table model \w+\.bad/);
    expect(r.stdout).toMatch(/SKIP relation \w+\.child/);
    expect(r.stdout).toMatch(/SKIP relation \w+\.grandchild/);
    expect(r.stdout).toMatch(/Done\. PASS=3 WARN=0 ERROR=1 SKIP=2 NO-OP=0 TOTAL=6/);
    expect(r.stdout).toMatch(/Failure in model bad \(models\/bad\.sql\)\n.*error\[KLN501\] .*no_such_column/);
    expect(r.stdout).toMatch(/--> models\/bad\.sql/);
    expect(r.output).not.toMatch(/\n\s+at /); // no stack trace
    expect((await target.relations(dir)).map((x) => x.name)).toEqual(['independent', 'ok', 'sibling']);
  });
});

describe('DuckDB and PostgreSQL agree', () => {
  it('on every row of every model and seed of project-template', async () => {
    const dumps: Record<string, Record<string, unknown>> = {};
    // This comparison is between these two (other targets have suites of their own above).
    for (const target of targets.filter((t) => t.name === 'duckdb' || t.name === 'postgres')) {
      const dir = templateBuilds.get(target.name) ?? (await buildTemplate(target)).dir;
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8')) as { nodes: Record<string, { resource_type: string; alias: string; config: { materialized: string } }> };
      const built = Object.values(manifest.nodes).filter((n) => (n.resource_type === 'model' || n.resource_type === 'seed') && n.config.materialized !== 'ephemeral');
      expect(built.length).toBeGreaterThan(5);
      dumps[target.name] = await withAdapter(dir, 'shop', async (adapter) => {
        const out: Record<string, unknown> = {};
        for (const n of built.sort((a, b) => (a.alias < b.alias ? -1 : 1))) {
          const rel = adapter.dialect.renderRelation({ database: adapter.database, schema: target.schema, identifier: n.alias });
          const cols = await adapter.getColumns({ database: adapter.database, schema: target.schema, identifier: n.alias });
          const rows = await adapterRows(adapter, `select * from ${rel} order by ${cols.map((_, i) => i + 1).join(', ')}`);
          out[n.alias] = { columns: cols.map((c) => c.name), rows: canonicalRows(rows) };
        }
        return out;
      });
    }
    // Every relation of project-template has rows: the comparison below compares data.
    const expectedRows = Object.fromEntries(expected.relations.map((r) => [r.name, r.rows]));
    for (const [name, dump] of Object.entries(dumps.duckdb)) expect((dump as { rows: unknown[] }).rows.length, name).toBe(expectedRows[name]);
    expect(Object.keys(dumps.postgres)).toEqual(Object.keys(dumps.duckdb));
    for (const name of Object.keys(dumps.duckdb)) expect(dumps.postgres[name], name).toEqual(dumps.duckdb[name]);
  });
});

function byFirst(a: readonly unknown[], b: readonly unknown[]): number {
  return String(a[0]) < String(b[0]) ? -1 : String(a[0]) > String(b[0]) ? 1 : 0;
}

/**
 * Rows in a form both databases must match exactly: numbers to 12 significant digits (a sum of
 * doubles may differ in the last bits between engines) and numeric text as numbers; rows then
 * sorted by their JSON, since servers may collate text differently (`order by` above is only
 * for reading the dump).
 */
function canonicalRows(rows: readonly Record<string, unknown>[]): string[] {
  const num = (v: unknown): unknown => {
    if (typeof v === 'string' && /^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(v)) return num(Number(v));
    if (typeof v === 'number') return Number(v.toPrecision(12));
    return v;
  };
  return rows.map((r) => JSON.stringify(Object.entries(r).map(([k, v]) => [k, num(v)]))).sort();
}
