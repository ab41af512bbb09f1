-- One row per customer as of the latest CRM export that holds the customer.
with snapshots as (
    select * from {{ ref('stg_crm__customer_snapshots') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by customer_id order by extracted_at desc
        ) as recency_rank
    from snapshots
),

final as (
    select
        customer_id,
        segment,
        region,
        industry,
        email_hash,
        phone_hash,
        created_at,
        updated_at,
        extracted_at
    from ranked
    where recency_rank = 1
)

select * from final
