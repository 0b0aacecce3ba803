// The shop project builds on Trino's iceberg catalog with exactly the rows it gets on DuckDB, and
// a rebuild replaces everything in place (create or replace) without helper relations.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kiln, repoRoot } from '../../helpers/cli.js';
import { queryDuckDb } from '../../helpers/duckdb-query.js';
import { dropSchema, freshSchemaName, trinoProfileYaml, trinoQuery, trinoReady } from '../../helpers/trino.js';
import { copyTemplate } from '../../../core/cli/commands/init.js';

interface Expected {
  relations: { name: string; type: string; rows: number }[];
}
const expected: Expected = JSON.parse(fs.readFileSync(path.join(repoRoot, 'tests/fixtures/project-template-expected.json'), 'utf8'));

/** One value as text both databases agree on: numbers by value, dates as YYYY-MM-DD. */
function canonical(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  return v;
}

const sorted = (rows: Record<string, unknown>[]): string[] =>
  rows.map((r) => JSON.stringify(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, canonical(v)])))).sort();

describe('project-template on Trino (iceberg)', () => {
  const schema = freshSchemaName('template');
  let trinoDir: string;
  let duckDir: string;

  beforeAll(async () => {
    await trinoReady();
    trinoDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-trino-template-'));
    copyTemplate(trinoDir);
    fs.writeFileSync(path.join(trinoDir, 'profiles.yml'), trinoProfileYaml('shop', 'iceberg', schema));
    duckDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-duck-template-'));
    copyTemplate(duckDir);
  }, 200_000);

  afterAll(() => dropSchema('iceberg', schema));

  it('builds with the rows DuckDB gets, and rebuilds in place', async () => {
    const r = await kiln(['build'], trinoDir);
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).toMatch(/Done\. PASS=36 WARN=0 ERROR=0 SKIP=0 NO-OP=0 TOTAL=36/);
    const duck = await kiln(['build'], duckDir);
    expect(duck.code, duck.output).toBe(0);

    const rels = await trinoQuery(`select table_name as name, case table_type when 'VIEW' then 'view' else 'table' end as type from iceberg.information_schema.tables where table_schema = '${schema}' order by 1`);
    expect(rels).toEqual(expected.relations.map(({ name, type }) => ({ name, type })).sort((a, b) => a.name.localeCompare(b.name)));
    for (const rel of expected.relations) {
      const onTrino = await trinoQuery(`select * from iceberg.${schema}.${rel.name}`);
      const onDuck = await queryDuckDb(path.join(duckDir, 'shop.duckdb'), `select * from main.${rel.name}`);
      expect(onTrino.length, rel.name).toBe(rel.rows);
      expect(sorted(onTrino), rel.name).toEqual(sorted(onDuck));
    }

    // Tables and views are replaced with `create or replace`: no temporary or backup relations,
    // and the table keeps its identity (a new Iceberg snapshot, not a new table).
    const before = await trinoQuery(`select count(*) as n from iceberg.${schema}."customers$snapshots"`);
    const again = await kiln(['build'], trinoDir);
    expect(again.code, again.output).toBe(0);
    expect(again.stdout).toMatch(/Done\. PASS=36/);
    const after = await trinoQuery(`select count(*) as n from iceberg.${schema}."customers$snapshots"`);
    expect(Number(after[0].n)).toBe(Number(before[0].n) + 1);
    const helpers = await trinoQuery(`select table_name from iceberg.information_schema.tables where table_schema = '${schema}' and table_name like '%dbt%'`);
    expect(helpers).toEqual([]);
  }, 180_000);
});
