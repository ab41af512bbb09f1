-- One row per mystery-shopping visit: brand, channel, location, quarter and the visit's score %.
with visit_items as (
    select * from {{ ref('stg_research__mystery_shopping') }}
),

visits as (
    -- Visit attributes are grouped on, not picked: items that disagree break the visit_id key.
    select
        visit_id,
        visited_at,
        brand,
        location,
        channel,
        count(*) as n_items,
        sum(score) as score_sum,
        sum(max_score) as max_score_sum
    from visit_items
    group by visit_id, visited_at, brand, location, channel
),

final as (
    select
        visit_id,
        {{ quarter_label(quarter_start('visited_at')) }} as quarter,
        {{ quarter_start('visited_at') }} as quarter_start,
        visited_at,
        brand,
        coalesce(location, 'unknown') as location,
        coalesce(channel, 'unknown') as channel,
        n_items,
        score_sum,
        max_score_sum,
        {{ pct('score_sum', 'max_score_sum') }} as score_pct
    from visits
)

select * from final
