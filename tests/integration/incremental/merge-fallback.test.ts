// The merge strategy's three plans on real DuckDB and PostgreSQL: native MERGE; update + insert
// (a database without MERGE); replace, i.e. delete + insert of the merged rows (a database whose
// in-place updates are slow). All must leave exactly the same rows.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Adapter, Connection, Relation } from '../../../adapters/adapter.js';
import { duckdbAdapterFactory } from '../../../adapters/duckdb/index.js';
import { PostgresAdapter } from '../../../adapters/postgres/index.js';
import { planNode, type Plan, type Step } from '../../../core/materializations/plan.js';
import type { ParsedNode } from '../../../core/nodes.js';
import { freshDatabase, type FreshDatabase } from '../../helpers/postgres.js';

const dbs: FreshDatabase[] = [];
afterAll(async () => {
  for (const d of dbs) await d.drop();
});

async function duckdb(): Promise<{ adapter: Adapter; schema: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-merge-'));
  const adapter = duckdbAdapterFactory.create({ name: 'dev', type: 'duckdb', schema: 'main', database: '', threads: 1, fields: { path: join(dir, 'm.duckdb') }, secretFields: [] }, dir);
  await adapter.open();
  return { adapter, schema: 'main' };
}

async function postgres(): Promise<{ adapter: Adapter; schema: string }> {
  const db = await freshDatabase('merge', { threads: 1 });
  dbs.push(db);
  const adapter = new PostgresAdapter(db.config);
  await adapter.open();
  return { adapter, schema: 'kiln' };
}

/** What the runner does with a plan, `inspect` steps included. */
async function execute(adapter: Adapter, conn: Connection, plan: Plan): Promise<string[]> {
  const sql: string[] = [];
  const queue: Step[] = [...plan.steps];
  for (let step = queue.shift(); step; step = queue.shift()) {
    if (step.kind === 'begin') await conn.begin();
    else if (step.kind === 'commit') await conn.commit();
    else if (step.kind === 'inspect') {
      const cols = [];
      for (const r of step.relations) cols.push(await adapter.getColumns(r, conn));
      queue.unshift(...step.then(cols));
    } else if (step.kind === 'sql') {
      sql.push(step.sql);
      await conn.execute(step.sql);
    }
  }
  return sql;
}

const EXISTING = `select * from (values (1, 'eu', 'a', 10), (2, 'eu', 'b', 20), (3, 'us', 'c', 30)) t(id, region, name, amount)`;
const NEW_ROWS = `select * from (values (2, 'eu', 'B', 25), (3, 'eu', 'x', 99), (4, 'us', 'd', 40)) t(id, region, name, amount)`;

describe.each([
  ['duckdb', duckdb],
  ['postgres', postgres],
])('the merge strategy\'s plans on %s', (_name, open) => {
  it.each([
    ['unique_key id', { unique_key: 'id' }],
    ['unique_key [id, region], merge_update_columns [amount]', { unique_key: ['id', 'region'], merge_update_columns: ['amount'] }],
    ['unique_key id, a predicate on the target', { unique_key: 'id', incremental_predicates: ["DBT_INTERNAL_DEST.region = 'eu'"] }],
    ['no unique_key', {}],
    ['unique_key id, merge_exclude_columns [name]', { unique_key: 'id', merge_exclude_columns: ['name'] }],
  ])('%s: update + insert and replace leave the rows native MERGE leaves', async (_what, config) => {
    const { adapter, schema } = await open();
    const conn = await adapter.acquire();
    try {
      await conn.execute(adapter.dialect.createSchema(adapter.database, schema));
      const rows: Record<string, unknown[]> = {};
      const statements: Record<string, string[]> = {};
      const modes = [
        ['native', { supportsMerge: true, prefersReplaceToUpdate: false }],
        ['fallback', { supportsMerge: false, prefersReplaceToUpdate: false }],
        ['replace', { supportsMerge: true, prefersReplaceToUpdate: true }],
      ] as const;
      for (const [label, flags] of modes) {
        const table: Relation = { database: adapter.database, schema, identifier: `t_${label}`, type: 'table' };
        await conn.execute(adapter.dialect.createTableAs(table, EXISTING));
        const node = {
          uniqueId: `model.p.${table.identifier}`,
          resourceType: 'model',
          name: table.identifier,
          originalFilePath: 'models/t.sql',
          rawCode: '',
          database: table.database,
          schema,
          alias: table.identifier,
          config: { materialized: 'incremental', incremental_strategy: 'merge', ...config },
        } as unknown as ParsedNode;
        const capabilities = { ...adapter.capabilities, ...flags };
        const plan = planNode(node, NEW_ROWS, { existing: table, leftovers: [] }, { dialect: adapter.dialect, capabilities });
        statements[label] = await execute(adapter, conn, plan);
        const res = await conn.query(`select id, region, name, amount from ${adapter.dialect.renderRelation(table)} order by id, region, name`);
        rows[label] = res.rows.map((r) => r.map((v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v)));
      }
      expect(rows.fallback).toEqual(rows.native);
      expect(rows.replace).toEqual(rows.native);
      expect(statements.native.some((s) => /^merge into/.test(s))).toBe(true);
      expect(statements.fallback.some((s) => /^merge into/.test(s))).toBe(false);
      if ('unique_key' in config) {
        expect(statements.fallback.some((s) => /^update /.test(s))).toBe(true);
        expect(statements.replace.some((s) => /^(merge into|update )/.test(s))).toBe(false);
        expect(statements.replace.some((s) => /^delete from/.test(s))).toBe(true);
      }
    } finally {
      adapter.release(conn);
      await adapter.close();
    }
  });
});
