-- One row per improvement action: the latest load wins (the sheet is re-sent as it is
-- updated), dates as Helsinki calendar days with their quarters, free text masked for PII.
with source as (
    select * from {{ source('raw', 'improvement_actions') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by action_id order by _load_id desc, _line desc
        ) as load_rank
    from source
),

final as (
    select
        action_id,
        nullif(trim(proposal_id), '') as proposal_id,
        lower(target_type) as target_type,
        lower(trim(target_value)) as target_value,
        {{ mask_pii("nullif(trim(description), '')") }} as description,
        nullif(trim(owner), '') as owner,
        lower(status) as status,
        cast({{ to_local_time('decided_at') }} as date) as decided_on,
        cast({{ to_local_time('done_at') }} as date) as done_on,
        {{ quarter_start('decided_at') }} as decided_quarter_start,
        {{ quarter_start('done_at') }} as done_quarter_start,
        _load_id as load_id,
        _line as source_line
    from ranked
    where load_rank = 1
)

select * from final
