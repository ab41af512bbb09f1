-- One row per customer × churn date: a re-sent event counts once (the latest load wins).
with source as (
    select * from {{ source('raw', 'churn_events') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by customer_id, churned_at order by _load_id desc, _line desc
        ) as event_rank
    from source
),

final as (
    select
        customer_id,
        churned_at,
        lower(trim(reason_code)) as reason_code,
        {{ mask_pii('reason_text') }} as reason_text,
        nullif(trim(competitor), '') as competitor
    from ranked
    where event_rank = 1
)

select * from final
