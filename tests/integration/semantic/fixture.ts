// A small DuckDB project with a semantic layer: two semantic models (one on a model with an alias
// and a custom schema), simple, ratio, derived and cumulative metrics, a measure made a metric
// with `create_metric`, a saved query with an export, a time spine, and the dbt_project.yml
// config trees of all three kinds. `dbt parse` (dbt-core 1.11) on the same files gave the
// shapes the tests assert.
export const PROJECT = `name: shop
profile: shop
version: '1.0'
models:
  shop:
    +materialized: table
semantic-models:
  shop:
    +meta:
      team: data
metrics:
  shop:
    +tags: [kpi]
saved-queries:
  shop:
    +enabled: true
`;

export const SEMANTIC_YML = `version: 2
models:
  - name: metricflow_time_spine
    time_spine:
      standard_granularity_column: date_day
    columns:
      - name: date_day
        granularity: day
semantic_models:
  - name: orders
    description: Order facts
    model: ref('orders')
    defaults:
      agg_time_dimension: ordered_at
    entities:
      - name: order
        type: primary
        expr: order_id
      - name: customer
        type: foreign
        expr: customer_id
    dimensions:
      - name: ordered_at
        type: time
        type_params:
          time_granularity: day
      - name: is_big
        type: categorical
        expr: amount > 3
    measures:
      - name: order_total
        agg: sum
        expr: amount
        description: Sum of amounts
      - name: order_count
        agg: count
        expr: 1
      - name: customers_with_orders
        agg: count_distinct
        expr: customer_id
        create_metric: true
  - name: customers
    model: ref('customers')
    config:
      tags: [people]
    entities:
      - name: customer
        type: primary
        expr: customer_id
    dimensions:
      - name: name
        type: categorical
metrics:
  - name: revenue
    label: Revenue
    description: Total revenue
    type: simple
    type_params:
      measure: order_total
  - name: orders_count
    label: Orders
    type: simple
    type_params:
      measure:
        name: order_count
        fill_nulls_with: 0
    filter: "{{ Dimension('order__is_big') }}"
  - name: revenue_per_order
    label: Revenue per order
    type: ratio
    type_params:
      numerator: revenue
      denominator: orders_count
  - name: revenue_plus
    label: Revenue plus
    type: derived
    type_params:
      expr: revenue + prev
      metrics:
        - name: revenue
        - name: orders_count
          offset_window: 1 month
          alias: prev
  - name: cum_revenue
    label: Cumulative revenue
    type: cumulative
    type_params:
      measure: order_total
      cumulative_type_params:
        window: 7 days
saved_queries:
  - name: revenue_by_day
    description: Daily revenue
    query_params:
      metrics:
        - revenue
        - orders_count
      group_by:
        - TimeDimension('order__ordered_at', 'day')
      where:
        - "{{ Dimension('order__is_big') }}"
    exports:
      - name: revenue_daily
        config:
          export_as: table
`;

export const FILES: Record<string, string> = {
  'dbt_project.yml': PROJECT,
  'profiles.yml': 'shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n      schema: main\n',
  'models/marts/orders.sql': "select 1 as order_id, 10 as customer_id, cast('2024-01-01' as date) as ordered_at, 5.0 as amount\n",
  'models/marts/customers.sql': "{{ config(alias='dim_customers', schema='core') }}\nselect 10 as customer_id, 'a' as name\n",
  'models/metricflow_time_spine.sql': "select cast('2024-01-01' as date) as date_day\n",
  'models/marts/semantic.yml': SEMANTIC_YML,
};
