// The shop project the partial-parse and watch tests edit: every kind of file (models, property
// YAML with sources and tests, a doc block, a macro, a generic and a singular test, a seed, a
// snapshot, an analysis).

export const PROJECT = `name: shop
profile: shop
version: '1.0'
vars:
  rate: 3
models:
  shop:
    marts:
      +materialized: table
`;

export const SHOP_FILES: Readonly<Record<string, string>> = {
  'dbt_project.yml': PROJECT,
  'profiles.yml': 'shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: shop.duckdb\n',
  'models/staging/stg_orders.sql': "select id, amount, {{ var('rate') }} as rate from {{ source('raw', 'orders') }}\n",
  'models/staging/stg_customers.sql': "{{ config(materialized='view', tags=['pii']) }}\nselect id, name from {{ source('raw', 'customers') }}\n",
  'models/staging/_staging.yml': `version: 2
sources:
  - name: raw
    tables:
      - name: orders
        columns:
          - name: id
            data_tests: [unique]
      - name: customers
models:
  - name: stg_orders
    description: "{{ doc('orders_doc') }}"
    columns:
      - name: id
        data_tests: [unique, not_null]
      - name: amount
        data_tests: [is_even]
`,
  'models/marts/orders.sql': "select o.id, {{ cents('o.amount') }} as cents\nfrom {{ ref('stg_orders') }} o\njoin {{ ref('stg_customers') }} c on c.id = o.id\n",
  'models/marts/revenue.sql': "select sum(cents) as total from {{ ref('orders') }}\n",
  'models/marts/_marts.yml': `version: 2
models:
  - name: orders
    description: Orders with their customer.
    config:
      tags: [finance]
    columns:
      - name: id
        data_tests:
          - relationships:
              to: ref('stg_customers')
              field: id
`,
  'models/docs.md': '{% docs orders_doc %}\nOne row per order.\n{% enddocs %}\n',
  'macros/cents.sql': '{% macro cents(col) %}({{ col }} * 100)::int{% endmacro %}\n',
  'tests/generic/is_even.sql': '{% test is_even(model, column_name) %}\nselect * from {{ model }} where {{ column_name }} % 2 = 1\n{% endtest %}\n',
  'tests/assert_revenue_positive.sql': "select * from {{ ref('revenue') }} where total < 0\n",
  'seeds/countries.csv': 'code,name\nfr,France\nde,Germany\n',
  'seeds/_seeds.yml': 'version: 2\nseeds:\n  - name: countries\n    columns:\n      - name: code\n        data_tests: [unique]\n',
  'snapshots/orders_snapshot.sql': "{% snapshot orders_snapshot %}\n{{ config(target_schema='snapshots', unique_key='id', strategy='check', check_cols=['amount']) }}\nselect * from {{ ref('stg_orders') }}\n{% endsnapshot %}\n",
  'analyses/by_customer.sql': "select * from {{ ref('orders') }}\n",
};
