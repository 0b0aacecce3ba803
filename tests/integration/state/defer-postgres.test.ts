// Slim CI on PostgreSQL: production builds into one schema, the pull request builds only
// state:modified+ into its own schema with --defer, reading the rest from production.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { adminClient, freshDatabase, pgServer, type FreshDatabase } from '../../helpers/postgres.js';
import { testdir } from '../../helpers/testdir.js';
import { expectOk } from './helpers.js';

let db: FreshDatabase;
beforeAll(async () => {
  db = await freshDatabase('defer');
});
afterAll(async () => {
  await db?.drop();
});

function project(): string {
  const s = pgServer();
  const target = (schema: string) =>
    [`    ${schema}:`, '      type: postgres', `      host: ${s.host}`, `      port: ${s.port}`, `      user: ${s.user}`, ...(s.password ? [`      password: ${JSON.stringify(s.password)}`] : []), `      dbname: ${db.database}`, `      schema: ${schema}`, '      threads: 4', '      sslmode: disable'].join('\n');
  return testdir({
    'dbt_project.yml': 'name: p\nprofile: p\n',
    'profiles.yml': `p:\n  target: dev\n  outputs:\n${target('prod')}\n${target('dev')}\n`,
    'models/raw_orders.sql': "{{ config(materialized='table') }}\nselect * from (values (1, 10), (2, 20), (3, 30)) t(id, amount)",
    'models/orders.sql': "select id, amount from {{ ref('raw_orders') }}",
    'models/order_totals.sql': "{{ config(materialized='table') }}\nselect sum(amount) as total from {{ ref('orders') }}",
    'models/schema.yml': 'models:\n  - name: order_totals\n    columns:\n      - name: total\n        data_tests: [not_null]\n',
  });
}

async function rows(sql: string): Promise<Record<string, unknown>[]> {
  const c = await adminClient(db.database);
  try {
    return (await c.query(sql)).rows;
  } finally {
    await c.end();
  }
}

describe('--defer on PostgreSQL', () => {
  it('builds the changed model in dev from the production relations', async () => {
    const dir = project();
    expectOk(await kiln(['build', '--target', 'prod'], dir));
    fs.cpSync(path.join(dir, 'target'), path.join(dir, 'prod-artifacts'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'models/order_totals.sql'), "{{ config(materialized='table') }}\nselect sum(amount) as total, count(*) as n from {{ ref('orders') }}");

    const r = expectOk(await kiln(['build', '-s', 'state:modified+', '--defer', '--state', 'prod-artifacts'], dir));
    expect(r.stdout).toMatch(/Deferring 1 unselected node to prod-artifacts\/manifest\.json: orders/);
    expect(r.stdout).toMatch(/PASS=2/);
    const tables = await rows("select table_schema || '.' || table_name as t from information_schema.tables where table_schema in ('prod', 'dev') order by 1");
    expect(tables.map((t) => t.t)).toEqual(['dev.order_totals', 'prod.order_totals', 'prod.orders', 'prod.raw_orders']);
    expect(await rows('select total::int as total, n::int as n from dev.order_totals')).toEqual([{ total: 60, n: 3 }]);
    expect(fs.readFileSync(path.join(dir, 'target/compiled/p/models/order_totals.sql'), 'utf8')).toContain('"prod"."orders"');
  });
});
