{% set payment_methods = ['credit_card', 'coupon', 'bank_transfer', 'gift_card'] %}

with orders as (

    select * from {{ ref('stg_orders') }}

),

order_payments as (

    select * from {{ ref('int_order_payments') }}

),

payments_per_order as (

    select
        order_id,

        {% for payment_method in payment_methods -%}
        sum(case when payment_method = '{{ payment_method }}' then amount else 0 end) as {{ payment_method }}_amount,
        {% endfor -%}

        cast(sum(payment_count) as integer) as payment_count,
        sum(amount) as total_amount

    from order_payments

    group by order_id

),

final as (

    select
        orders.order_id,
        orders.customer_id,
        orders.order_date,
        orders.status,

        {% for payment_method in payment_methods -%}
        coalesce(payments_per_order.{{ payment_method }}_amount, 0) as {{ payment_method }}_amount,
        {% endfor -%}

        coalesce(payments_per_order.payment_count, 0) as payment_count,
        coalesce(payments_per_order.total_amount, 0) as amount

    from orders

    left join payments_per_order
        on orders.order_id = payments_per_order.order_id

)

select * from final
