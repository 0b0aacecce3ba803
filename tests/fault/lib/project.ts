// The project the fault tests kill kiln in the middle of: every materialization (seeds, views,
// an ephemeral model, tables, an incremental model with a unique key, a snapshot) and data
// tests, in two versions whose every relation differs. Version v is chosen with `--vars {v: N}`
// for the models and by rewriting the seed files; building one version over the other changes
// every relation.

/** The relations the project builds, with what the checks expect of each. */
export const RELATIONS = [
  { name: 'customers', kind: 'seed' },
  { name: 'orders', kind: 'seed' },
  { name: 'stg_orders', kind: 'view' },
  { name: 'customer_totals', kind: 'table' },
  { name: 'big_customers', kind: 'table' },
  { name: 'customer_report', kind: 'view' },
  { name: 'orders_inc', kind: 'incremental' },
  { name: 'customers_snap', kind: 'snapshot' },
] as const;

export type RelationKind = (typeof RELATIONS)[number]['kind'];

const CUSTOMERS = 200;
const ORDERS = 4000;

/** Every fifth customer changes tier between versions; the snapshot records each change. */
export function tierOf(id: number, version: number): string {
  if (id % 5 !== 0) return 'bronze';
  return version % 2 === 1 ? 'gold' : 'silver';
}

function customersCsv(version: number): string {
  const rows = ['id,name,tier'];
  for (let id = 1; id <= CUSTOMERS; id++) rows.push(`${id},customer ${id},${tierOf(id, version)}`);
  return `${rows.join('\n')}\n`;
}

function ordersCsv(version: number): string {
  const rows = ['id,customer_id,amount'];
  for (let id = 1; id <= ORDERS; id++) rows.push(`${id},${(id % CUSTOMERS) + 1},${(id % 97) + version * 10}`);
  return `${rows.join('\n')}\n`;
}

/** Ids of the customers whose tier differs between the two versions. */
export const CHANGING_CUSTOMERS = Array.from({ length: CUSTOMERS }, (_, i) => i + 1).filter((id) => tierOf(id, 1) !== tierOf(id, 2));
export const CUSTOMER_COUNT = CUSTOMERS;

/**
 * Files of the project. `burn` makes a table take a little while (so kills land inside
 * statements, not only between them), in the dialect of the adapter.
 */
export function projectFiles(profile: string): Record<string, string> {
  return {
    'dbt_project.yml': `name: fault\nprofile: ${profile}\nvars:\n  v: 1\n`,
    'macros/burn.sql': `{% macro burn(n) -%}
{%- if target.type == 'postgres' -%}(select count(*) as burned from generate_series(1, {{ n // 8 }})) burn
{%- else -%}(select count(*) as burned from range({{ n }})) burn{%- endif -%}
{%- endmacro %}`,
    'models/stg_orders.sql': `select id, customer_id, amount, {{ var('v') }} as version from {{ ref('orders') }}`,
    'models/eph_big_customers.sql': `{{ config(materialized='ephemeral') }}
select id, name, tier from {{ ref('customers') }} where tier <> 'bronze'`,
    'models/customer_totals.sql': `{{ config(materialized='table') }}
select c.id, c.tier, sum(o.amount) as total, count(*) as orders, {{ var('v') }} as version, max(burn.burned) as burned
from {{ ref('customers') }} c
join {{ ref('stg_orders') }} o on o.customer_id = c.id
cross join {{ burn(3000000) }}
group by c.id, c.tier`,
    'models/big_customers.sql': `{{ config(materialized='table') }}
select id, name, tier, {{ var('v') }} as version, burn.burned from {{ ref('eph_big_customers') }} cross join {{ burn(2000000) }}`,
    'models/customer_report.sql': `select t.id, t.tier, t.total, b.name as big_name, {{ var('v') }} as version
from {{ ref('customer_totals') }} t left join {{ ref('big_customers') }} b on b.id = t.id`,
    'models/orders_inc.sql': `{{ config(materialized='incremental', unique_key='id') }}
select id, customer_id, amount, {{ var('v') }} as version from {{ ref('stg_orders') }}
{% if is_incremental() %}where id >= (select min(id) from {{ this }}){% endif %}`,
    'snapshots/customers_snap.sql': `{% snapshot customers_snap %}
{{ config(unique_key='id', strategy='check', check_cols=['tier']) }}
select id, name, tier from {{ ref('customers') }}
{% endsnapshot %}`,
    'models/schema.yml': `models:
  - name: orders_inc
    columns:
      - name: id
        data_tests: [unique, not_null]
  - name: customer_totals
    columns:
      - name: id
        data_tests: [unique]
`,
    ...seedFiles(1),
  };
}

export function seedFiles(version: number): Record<string, string> {
  return { 'seeds/customers.csv': customersCsv(version), 'seeds/orders.csv': ordersCsv(version) };
}
