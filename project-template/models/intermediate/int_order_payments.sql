{{ config(materialized='ephemeral') }}

-- One row per order and payment method: how much was paid that way.

select
    order_id,
    payment_method,
    count(*) as payment_count,
    sum(amount) as amount

from {{ ref('stg_payments') }}

group by order_id, payment_method
