// One conformance suite, run against every adapter: the same projects must give the same rows,
// the same atomicity and the same error behaviour on DuckDB and on PostgreSQL.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kiln, repoRoot } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';
import { duckdbTarget, postgresTarget, type AdapterTarget } from './targets.js';

interface Expected {
  relations: { name: string; type: string; rows: number }[];
  checks: { sql: string; expected: unknown }[];
}
const expected: Expected = JSON.parse(fs.readFileSync(path.join(repoRoot, 'tests/fixtures/project-template-expected.json'), 'utf8'));

describe.each([duckdbTarget(), postgresTarget()])('adapter conformance: $name', (target: AdapterTarget) => {
  afterAll(() => target.cleanup());

  const project = async (files: Record<string, string>) => {
    const dir = testdir({ 'dbt_project.yml': 'name: conf\nprofile: conf\n', ...files });
    await target.setup(dir, 'conf');
    return dir;
  };

  it('builds project-template with the rows dbt produces', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `kiln-conf-${target.name}-`));
    fs.cpSync(path.join(repoRoot, 'project-template'), dir, { recursive: true });
    await target.setup(dir, 'shop');
    const r = await kiln(['build'], dir);
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).toMatch(/Done\. PASS=36 WARN=0 ERROR=0 SKIP=0 TOTAL=36/);
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
  });

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
    expect(r.stdout).toMatch(/Done\. PASS=1 WARN=1 ERROR=1 SKIP=1 TOTAL=4/);
  });
});
