-- One row per order: the latest load of an order wins.
with source as (
    select * from {{ source('raw', 'crm_orders') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by order_id order by _load_id desc, _line desc
        ) as load_rank
    from source
),

final as (
    select
        order_id,
        customer_id,
        ordered_at,
        amount,
        upper(coalesce(nullif(trim(currency), ''), 'EUR')) as currency,
        lower(trim(status)) as status,
        _load_id as load_id
    from ranked
    where load_rank = 1
)

select * from final
