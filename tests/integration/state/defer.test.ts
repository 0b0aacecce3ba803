// --defer --state on a real DuckDB: a pull request builds only what changed into its own schema
// and reads everything else from production's relations; a node already built here wins over
// production unless --favor-state; compile --defer writes the same SQL.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { buildProd, edit, expectOk, q, shopCopy, tables } from './helpers.js';

const STATE = ['--state', 'prod-artifacts'];
const compiled = (dir: string, file: string) => fs.readFileSync(path.join(dir, 'target/compiled/shop', file), 'utf8');

describe('--defer --state', () => {
  let dir: string;
  beforeAll(async () => {
    dir = shopCopy();
    await buildProd(dir);
    // The pull request: orders gets a new column.
    edit(dir, 'models/marts/orders.sql', (t) => t.replace(/select \* from final\s*$/, "select *, 'pr' as built_by from final\n"));
  });

  it('builds only state:modified+ into the dev schema, reading the rest from prod', async () => {
    // Without --defer, dev has no stg_orders to read from: orders fails.
    const plain = await kiln(['build', '-s', 'state:modified+', ...STATE], dir);
    expect(plain.code, plain.output).toBe(1);
    expect(await tables(dir, 'dev')).toEqual([]);

    const r = expectOk(await kiln(['build', '-s', 'state:modified+', '--defer', ...STATE], dir));
    expect(r.stdout).toMatch(/Deferring 3 unselected nodes to prod-artifacts\/manifest\.json: stg_customers, stg_orders, stg_payments/);
    expect(await tables(dir, 'dev')).toEqual(['customers', 'orders']);
    // Refs to unselected nodes (also inside the inlined ephemeral model) point at prod.
    const sql = compiled(dir, 'models/marts/orders.sql');
    expect(sql).toContain('"shop"."prod"."stg_orders"');
    expect(sql).toContain('"shop"."prod"."stg_payments"');
    expect(sql).not.toContain('"dev"."stg_');
    // Selected nodes read each other in dev: customers reads the new orders.
    expect(compiled(dir, 'models/marts/customers.sql')).toContain('"shop"."dev"."orders"');
    // The rows that landed: same orders as prod, plus the new column.
    const [dev] = await q(dir, "select count(*) as n, min(built_by) as who, sum(amount) as total from dev.orders");
    const [prod] = await q(dir, 'select count(*) as n, sum(amount) as total from prod.orders');
    expect(dev).toEqual({ n: prod!.n, who: 'pr', total: prod!.total });
    expect(await q(dir, 'select count(*) as n from dev.customers')).toEqual(await q(dir, 'select count(*) as n from prod.customers'));
    // The tests of the changed models ran against dev and passed.
    const results = JSON.parse(fs.readFileSync(path.join(dir, 'target/run_results.json'), 'utf8'));
    expect(results.results.filter((x: { unique_id: string }) => x.unique_id.startsWith('test.')).every((x: { status: string }) => x.status === 'pass')).toBe(true);
    expect(results.args).toMatchObject({ which: 'build', select: ['state:modified+'], defer: true, state: 'prod-artifacts' });
  });

  it('a node that exists here is used from here, unless --favor-state', async () => {
    // stg_orders reads the raw_orders seed, which is only in prod: deferred as well.
    expectOk(await kiln(['run', '-s', 'stg_orders', '--defer', ...STATE], dir));
    expect(await q(dir, 'select count(*) as n from dev.stg_orders')).toEqual(await q(dir, 'select count(*) as n from prod.stg_orders'));
    expectOk(await kiln(['compile', '-s', 'orders', '--defer', ...STATE], dir));
    let sql = compiled(dir, 'models/marts/orders.sql');
    expect(sql).toContain('"shop"."dev"."stg_orders"');
    expect(sql).toContain('"shop"."prod"."stg_payments"');
    expectOk(await kiln(['compile', '-s', 'orders', '--defer', '--favor-state', ...STATE], dir));
    sql = compiled(dir, 'models/marts/orders.sql');
    expect(sql).toContain('"shop"."prod"."stg_orders"');
  });

  it('never defers selected nodes or ephemeral ones, and nothing without refs to unselected nodes', async () => {
    const r = expectOk(await kiln(['build', '-s', '+orders', '--defer', ...STATE, '--exclude', 'resource_type:test'], dir));
    expect(r.stdout).not.toMatch(/Deferring/);
    expect(compiled(dir, 'models/marts/orders.sql')).not.toContain('"prod"');
  });
});
