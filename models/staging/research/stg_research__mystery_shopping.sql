-- One row per mystery-shopping visit × checklist item: the latest load wins, notes masked.
with source as (
    select * from {{ source('raw', 'mystery_shopping') }}
),

ranked as (
    select
        *,
        lower(trim(item)) as item_name,
        row_number() over (
            partition by visit_id, lower(trim(item)) order by _load_id desc, _line desc
        ) as load_rank
    from source
),

final as (
    select
        visit_id,
        item_name as item,
        visited_at,
        trim(brand) as brand,
        nullif(trim(location), '') as location,
        lower(nullif(trim(channel), '')) as channel,
        score,
        max_score,
        {{ mask_pii('note') }} as note,
        _load_id as load_id,
        _line as source_line
    from ranked
    where load_rank = 1
)

select * from final
