// Model contracts (`contract: {enforced: true}`) on a real Trino: the declared columns and types
// are checked against the query before anything is built (KLN508 on a difference, the previous
// table kept), the table takes the declared types, `not null` is written into it and enforced
// by the connector, and the constraints Trino has not (unique, primary key, ...) are warned
// about once (KLN509) and left out.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kiln } from '../../helpers/cli.js';
import { testdir } from '../../helpers/testdir.js';
import { dropSchema, freshSchemaName, trinoProfileYaml, trinoQuery, trinoReady, type TrinoCatalog } from '../../helpers/trino.js';

const YML = `version: 2
models:
  - name: orders
    config: {materialized: table, contract: {enforced: true}}
    columns:
      - {name: id, data_type: integer, constraints: [{type: not_null}, {type: primary_key}]}
      - {name: customer, data_type: varchar(20)}
      - {name: amount, data_type: "decimal(10,2)"}
  - name: orders_v
    config: {materialized: view, contract: {enforced: true}}
    columns:
      - {name: id, data_type: integer}
      - {name: customer, data_type: varchar}
`;

const ORDERS = "with o as (select * from (values (1, 'ada', 12.50), (2, 'grace', 3.25)) as t(id, customer, amount))\nselect id, customer, cast(amount as decimal(10,2)) as amount from o -- trailing comment";

describe.each<TrinoCatalog>(['iceberg', 'memory'])('contracts on Trino (%s)', (catalog) => {
  const schema = freshSchemaName(`contract_${catalog}`);
  let dir: string;

  beforeAll(async () => {
    await trinoReady();
    dir = testdir({
      'dbt_project.yml': 'name: t\nprofile: t\n',
      'profiles.yml': trinoProfileYaml('t', catalog, schema),
      'models/orders.sql': ORDERS,
      'models/orders_v.sql': "select id, customer from {{ ref('orders') }}",
      'models/schema.yml': YML,
    });
  }, 200_000);
  afterAll(() => dropSchema(catalog, schema));

  it('builds with the declared types, warning once about the constraints Trino does not enforce', async () => {
    const r = await kiln(['run'], dir);
    expect(r.code, r.output).toBe(0);
    expect(r.output.match(/warning\[KLN509\] primary_key constraints are not enforced by Trino connector '\w+'/g)).toHaveLength(1);
    expect(r.output).not.toMatch(/not_null constraints are not enforced by Trino/);
    expect(await trinoQuery(`select id, customer, amount from ${catalog}.${schema}.orders order by id`)).toEqual([
      { id: 1, customer: 'ada', amount: '12.50' },
      { id: 2, customer: 'grace', amount: '3.25' },
    ]);
    // The declared varchar(20), not the query's varchar(5) (Iceberg has unbounded strings only); not null written into the table.
    const cols = await trinoQuery(
      `select column_name, data_type, is_nullable from ${catalog}.information_schema.columns where table_schema = '${schema}' and table_name = 'orders' order by ordinal_position`,
    );
    expect(cols).toEqual([
      { column_name: 'id', data_type: 'integer', is_nullable: 'NO' },
      { column_name: 'customer', data_type: catalog === 'iceberg' ? 'varchar' : 'varchar(20)', is_nullable: 'YES' },
      { column_name: 'amount', data_type: 'decimal(10,2)', is_nullable: 'YES' },
    ]);
    expect(await trinoQuery(`select count(*) as n from ${catalog}.${schema}.orders_v`)).toEqual([{ n: 2 }]);
  }, 180_000);

  it('fails a rebuild whose query breaks the contract (KLN508), keeping the previous table and leaving no probes', async () => {
    fs.writeFileSync(path.join(dir, 'models/orders.sql'), "select cast(id as bigint) as id, customer as client, amount from (values (3, 'x', 1.00)) as t(id, customer, amount)");
    const r = await kiln(['run', '--select', 'orders'], dir);
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/error\[KLN508\] The contract of orders does not match its query \(3 differences\); nothing was built/);
    expect(r.output).toContain('id: declared integer, the query returns bigint');
    expect(r.output).toContain('customer: declared (varchar(20)) but the query does not return it');
    // (Iceberg's views report unbounded varchar.)
    expect(r.output).toMatch(/client: returned by the query \(varchar(\(1\))?\) but not declared in the contract/);
    expect(await trinoQuery(`select count(*) as n from ${catalog}.${schema}.orders`)).toEqual([{ n: 2 }]);
    const left = await trinoQuery(`select table_name from ${catalog}.information_schema.tables where table_schema = '${schema}' order by table_name`);
    expect(left.map((x) => x.table_name)).toEqual(['orders', 'orders_v']);
  }, 180_000);

  it('refuses a null in a not_null column (the connector enforces it)', async () => {
    fs.writeFileSync(path.join(dir, 'models/orders.sql'), "select cast(null as integer) as id, 'x' as customer, cast(1 as decimal(10,2)) as amount");
    const r = await kiln(['run', '--select', 'orders'], dir);
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/NULL value not allowed for NOT NULL column: id/i);
    expect(await trinoQuery(`select count(*) as n from ${catalog}.${schema}.orders`)).toEqual([{ n: 2 }]);
  }, 180_000);
});

describe('a contracted incremental model on Trino (iceberg)', () => {
  const schema = freshSchemaName('contract_inc');
  afterAll(() => dropSchema('iceberg', schema));

  it('creates its table with the declared types, merges new rows, and checks the contract on every run', async () => {
    await trinoReady();
    const model = (rows: string) =>
      `{{ config(materialized='incremental', incremental_strategy='merge', unique_key='id') }}\nselect id, name from (values ${rows}) as t(id, name)`;
    const dir = testdir({
      'dbt_project.yml': 'name: t\nprofile: t\n',
      'profiles.yml': trinoProfileYaml('t', 'iceberg', schema),
      'models/events.sql': model("(1, 'a'), (2, 'b')"),
      'models/schema.yml': `version: 2
models:
  - name: events
    config: {contract: {enforced: true}}
    columns:
      - {name: id, data_type: bigint, constraints: [{type: not_null}]}
      - {name: name, data_type: varchar}
`,
    });
    // The query's id is an integer: the contract says bigint, so the first build is refused.
    const refused = await kiln(['run'], dir);
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('id: declared bigint, the query returns integer');

    fs.writeFileSync(path.join(dir, 'models/events.sql'), model("(bigint '1', 'a'), (bigint '2', 'b')"));
    const first = await kiln(['run'], dir);
    expect(first.code, first.output).toBe(0);
    const nullable = await trinoQuery(`select column_name, data_type, is_nullable from iceberg.information_schema.columns where table_schema = '${schema}' and table_name = 'events' order by ordinal_position`);
    expect(nullable).toEqual([
      { column_name: 'id', data_type: 'bigint', is_nullable: 'NO' },
      { column_name: 'name', data_type: 'varchar', is_nullable: 'YES' },
    ]);

    fs.writeFileSync(path.join(dir, 'models/events.sql'), model("(bigint '2', 'B'), (bigint '3', 'c')"));
    const second = await kiln(['run'], dir);
    expect(second.code, second.output).toBe(0);
    expect(await trinoQuery(`select id, name from iceberg.${schema}.events order by id`)).toEqual([
      { id: 1, name: 'a' },
      { id: 2, name: 'B' },
      { id: 3, name: 'c' },
    ]);

    // An incremental run whose query drifts from the contract changes nothing.
    fs.writeFileSync(path.join(dir, 'models/events.sql'), model("(4, 'd')"));
    const drifted = await kiln(['run'], dir);
    expect(drifted.code).toBe(1);
    expect(drifted.output).toMatch(/KLN508[\s\S]*id: declared bigint, the query returns integer/);
    expect(await trinoQuery(`select count(*) as n from iceberg.${schema}.events`)).toEqual([{ n: 3 }]);
  }, 300_000);
});
