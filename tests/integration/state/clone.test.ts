// `kiln clone --state <dir>`: each selected model, seed and snapshot becomes, in this target, a
// view on the relation the state run built (here: production's schema in the same DuckDB file);
// existing relations are kept unless --full-refresh; nodes the state never built are no-ops.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { queryDuckDb } from '../../helpers/duckdb-query.js';
import { testdir } from '../../helpers/testdir.js';

const PROFILE = `p:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: shop.duckdb
      schema: dev
      threads: 2
    prod:
      type: duckdb
      path: shop.duckdb
      schema: prod
      threads: 2
`;

const FILES = {
  'dbt_project.yml': 'name: p\nprofile: p\n',
  'profiles.yml': PROFILE,
  'seeds/countries.csv': 'code,name\nfr,France\nde,Germany\n',
  'models/orders.sql': "{{ config(materialized='incremental', unique_key='id') }}\nselect 1 as id, 'fr' as country\n{% if is_incremental() %}union all select 2, 'de'{% endif %}",
  'models/by_country.sql': "{{ config(materialized='table') }}\nselect c.name, count(*) as n from {{ ref('orders') }} o join {{ ref('countries') }} c on c.code = o.country group by 1",
  'models/eph.sql': "{{ config(materialized='ephemeral') }}\nselect 1 as x",
};

type Results = { results: { unique_id: string; status: string; message: string }[]; args: { which: string } };

describe('kiln clone', () => {
  it("makes views on the state's relations, keeps existing ones, and --full-refresh replaces them", async () => {
    const dir = testdir(FILES);
    // Production: built twice, so its incremental model holds history a rebuild would not have.
    for (let i = 0; i < 2; i++) expect((await kiln(['build', '--target', 'prod'], dir)).code).toBe(0);
    fs.cpSync(path.join(dir, 'target'), path.join(dir, 'prod-artifacts'), { recursive: true });
    const db = path.join(dir, 'shop.duckdb');

    const r = await kiln(['clone', '--state', 'prod-artifacts'], dir);
    expect(r.code, r.output).toBe(0);
    const kinds = await queryDuckDb(db, "select table_name, table_type from information_schema.tables where table_schema = 'dev' order by 1");
    expect(kinds).toEqual([
      { table_name: 'by_country', table_type: 'VIEW' },
      { table_name: 'countries', table_type: 'VIEW' },
      { table_name: 'orders', table_type: 'VIEW' },
    ]);
    expect(await queryDuckDb(db, 'select id from dev.orders order by id')).toEqual([{ id: 1 }, { id: 2 }]);
    const results = JSON.parse(fs.readFileSync(path.join(dir, 'target/run_results.json'), 'utf8')) as Results;
    expect(results.args.which).toBe('clone');
    expect(results.results.map((x) => [x.unique_id, x.status]).sort()).toEqual([
      ['model.p.by_country', 'success'],
      ['model.p.orders', 'success'],
      ['seed.p.countries', 'success'],
    ]);

    // An incremental run in dev now builds on production's history.
    const run = await kiln(['run', '-s', 'orders', '--full-refresh'], dir);
    expect(run.code, run.output).toBe(0);
    // Everything exists: nothing to do.
    const again = await kiln(['clone', '--state', 'prod-artifacts'], dir);
    expect(again.code, again.output).toBe(0);
    expect(again.output).toContain('Clone of orders: nothing to do, it already exists (--full-refresh replaces it)');
    expect((await queryDuckDb(db, "select table_type from information_schema.tables where table_schema = 'dev' and table_name = 'orders'"))[0]).toEqual({ table_type: 'BASE TABLE' });
    const noops = JSON.parse(fs.readFileSync(path.join(dir, 'target/run_results.json'), 'utf8')) as Results;
    expect(noops.results.every((x) => x.status === 'success' && x.message.startsWith('No-op'))).toBe(true);

    const full = await kiln(['clone', '--state', 'prod-artifacts', '-s', 'orders', '--full-refresh'], dir);
    expect(full.code, full.output).toBe(0);
    expect((await queryDuckDb(db, "select table_type from information_schema.tables where table_schema = 'dev' and table_name = 'orders'"))[0]).toEqual({ table_type: 'VIEW' });
  });

  it('a node the state never built is a no-op; without --state it says what to pass', async () => {
    const dir = testdir(FILES);
    expect((await kiln(['build', '--target', 'prod'], dir)).code).toBe(0);
    fs.cpSync(path.join(dir, 'target'), path.join(dir, 'prod-artifacts'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'models/fresh.sql'), 'select 1 as y');
    const r = await kiln(['clone', '--state', 'prod-artifacts', '-s', 'fresh'], dir);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/Clone of fresh: nothing to do, no relation for it in .*prod-artifacts/);
    const missing = await kiln(['clone'], dir);
    expect(missing.code).toBe(2);
    expect(missing.output).toMatch(/kiln clone needs --state <dir>/);
  });
});
