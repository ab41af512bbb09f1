-- One row per order with its Helsinki-local day and quarter and its signed net amount:
-- completed orders count in full, refunds count negative, cancelled orders count zero.
with orders as (
    select * from {{ ref('stg_crm__orders') }}
),

final as (
    select
        order_id,
        customer_id,
        ordered_at,
        cast({{ to_local_time('ordered_at') }} as date) as ordered_on,
        {{ quarter_start('ordered_at') }} as quarter_start,
        status,
        currency,
        amount,
        case
            when status = 'completed' then amount
            when status = 'refunded' then -amount
            else 0
        end as net_amount
    from orders
)

select * from final
