-- Every order's total must equal the sum of its per-method amounts.
-- A singular test passes when this query returns no rows.

select
    order_id,
    amount,
    credit_card_amount + coupon_amount + bank_transfer_amount + gift_card_amount as method_total

from {{ ref('orders') }}

where amount != credit_card_amount + coupon_amount + bank_transfer_amount + gift_card_amount
