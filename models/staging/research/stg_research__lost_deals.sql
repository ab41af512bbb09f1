-- One row per lost deal: the latest load wins; reasons normalised and masked for PII.
with source as (
    select * from {{ source('raw', 'lost_deals') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by deal_id order by _load_id desc, _line desc
        ) as load_rank
    from source
),

final as (
    select
        deal_id,
        nullif(trim(customer_id), '') as customer_id,
        lost_at,
        amount,
        -- Reasons are codes in our exports but typed by interviewers elsewhere: mask them too.
        {{ mask_pii("lower(nullif(trim(stated_reason), ''))") }} as stated_reason,
        {{ mask_pii("lower(nullif(trim(real_reason), ''))") }} as real_reason,
        nullif(trim(competitor), '') as competitor,
        _load_id as load_id,
        _line as source_line
    from ranked
    where load_rank = 1
)

select * from final
