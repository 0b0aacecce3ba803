// The shop project that `kiln init` copies builds on DuckDB with the rows dbt produces.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { kiln, repoRoot } from '../../helpers/cli.js';
import { queryDuckDb, relationsOf } from '../../helpers/duckdb-query.js';
import { copyTemplate } from '../../../core/cli/commands/init.js';

interface Expected {
  relations: { name: string; type: string; rows: number }[];
  checks: { sql: string; expected: unknown }[];
}
const expected: Expected = JSON.parse(fs.readFileSync(path.join(repoRoot, 'tests/fixtures/project-template-expected.json'), 'utf8'));

describe('kiln build on project-template', () => {
  let dir: string;
  let first: Awaited<ReturnType<typeof kiln>>;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-template-'));
    copyTemplate(dir);
    first = await kiln(['build'], dir);
  });

  it('succeeds and reports every node', () => {
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/Done\. PASS=36 WARN=0 ERROR=0 SKIP=0 NO-OP=0 TOTAL=36/);
    expect(first.stdout).toMatch(/OK loaded seed file main\.raw_orders \.+ \[INSERT 120 in \d+\.\d\ds\]/);
    expect(first.stdout).toMatch(/OK created sql table model main\.customers/);
  });

  it('creates every relation with the rows dbt produces', async () => {
    const db = path.join(dir, 'shop.duckdb');
    const rels = await relationsOf(db);
    expect(rels).toEqual(expected.relations.map(({ name, type }) => ({ name, type })).sort((a, b) => a.name.localeCompare(b.name)));
    for (const r of expected.relations) {
      const [row] = await queryDuckDb(db, `select count(*) as n from main.${r.name}`);
      expect(row.n, r.name).toBe(r.rows);
    }
  });

  it('computes the same values as dbt', async () => {
    const db = path.join(dir, 'shop.duckdb');
    for (const c of expected.checks) {
      const [row] = await queryDuckDb(db, c.sql);
      const value = Object.values(row)[0];
      expect(value, c.sql).toEqual(c.expected);
    }
  });

  it('writes dbt-shaped artifacts', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'target/manifest.json'), 'utf8'));
    expect(manifest.metadata.project_name).toBe('shop');
    expect(manifest.nodes['model.shop.orders'].depends_on.nodes.sort()).toEqual(['model.shop.int_order_payments', 'model.shop.stg_orders']);
    expect(manifest.nodes['model.shop.orders'].config.tags).toEqual(['marts', 'finance']);
    expect(manifest.nodes['model.shop.orders'].compiled_code).toContain('__dbt__cte__int_order_payments as (');
    expect(manifest.child_map['model.shop.stg_orders']).toContain('model.shop.orders');
    const results = JSON.parse(fs.readFileSync(path.join(dir, 'target/run_results.json'), 'utf8'));
    expect(results.results).toHaveLength(36);
    expect(results.results.filter((r: { unique_id: string }) => r.unique_id.startsWith("test.")).length).toBe(28);
    expect(results.results.every((r: { status: string }) => r.status === "success" || r.status === "pass")).toBe(true);
    expect(results.args.which).toBe('build');
    expect(fs.readFileSync(path.join(dir, 'target/compiled/shop/models/marts/orders.sql'), 'utf8')).toContain('"shop"."main"."stg_orders"');
    expect(fs.readFileSync(path.join(dir, 'target/run/shop/models/marts/orders.sql'), 'utf8')).toMatch(/create table "shop"\."main"\."orders__dbt_tmp"/i);
  });

  it('rebuilds in place on a second run, keeping the data', async () => {
    const again = await kiln(['build'], dir);
    expect(again.code).toBe(0);
    const [row] = await queryDuckDb(path.join(dir, 'shop.duckdb'), 'select count(*) as n from main.customers');
    expect(row.n).toBe(50);
    const rels = await relationsOf(path.join(dir, 'shop.duckdb'));
    expect(rels.some((r) => r.name.includes('__dbt_'))).toBe(false);
  });
});
