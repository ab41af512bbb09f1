-- Checklist item score % per quarter × brand × channel × location × item, with 'all' rollups
-- over channel and location, our brand's score in the same cell and each item's weakness rank.
-- The interval of a score % is Wilson's with the visits as the sample: k = the score share ×
-- n_visits of n_visits. A visit's item share lies in [0, 1], so its variance is at most
-- p (1 − p): the interval is exact for yes / no items and conservative for items of more
-- points (their points are not independent trials, so Wilson over points would be too narrow).
{%- set min_n = var('min_reportable_n') %}
{%- set visit_k = '(case when max_score_sum > 0 then 1e0 * n_visits * score_sum / max_score_sum '
    ~ 'end)' %}

with visit_items as (
    select * from {{ ref('stg_research__mystery_shopping') }}
),

dimensions as (
    select * from {{ ref('dimensions') }}
),

-- Our brand is declared in the dimensions seed (kind = 'ours'), compared case-insensitively.
our_brands as (
    select distinct lower(value) as brand_lower
    from dimensions
    where dimension = 'brand' and kind = 'ours'
),

items as (
    select
        visit_id,
        {{ quarter_start('visited_at') }} as quarter_start,
        brand,
        coalesce(channel, 'unknown') as channel,
        coalesce(location, 'unknown') as location,
        item,
        score,
        max_score
    from visit_items
),

counted as (
    select
        quarter_start,
        brand,
        case when grouping(channel) = 1 then 'all' else channel end as channel,
        case when grouping(location) = 1 then 'all' else location end as location,
        item,
        count(distinct visit_id) as n_visits,
        sum(score) as score_sum,
        sum(max_score) as max_score_sum
    from items
    group by quarter_start, brand, item, cube(channel, location)
),

scored as (
    select
        {{ quarter_label('quarter_start') }} as quarter,
        quarter_start,
        brand,
        our_brands.brand_lower is not null as is_our_brand,
        channel,
        location,
        item,
        n_visits,
        score_sum,
        max_score_sum,
        {{ pct('score_sum', 'max_score_sum') }} as score_pct,
        {{ wilson_ci(visit_k, 'n_visits', 'low') }} as score_ci_low,
        {{ wilson_ci(visit_k, 'n_visits', 'high') }} as score_ci_high,
        n_visits >= {{ min_n }} as is_reportable
    from counted
    left join our_brands on lower(counted.brand) = our_brands.brand_lower
),

with_ours as (
    select
        scored.*,
        ours.n_visits as our_n_visits,
        ours.score_pct as our_score_pct,
        scored.score_pct - ours.score_pct as score_pct_gap_vs_ours,
        scored.is_reportable and coalesce(ours.is_reportable, false) as is_gap_reportable,
        -- 1 = the brand's weakest item in this quarter × channel × location cell.
        row_number() over (
            partition by scored.quarter_start, scored.brand, scored.channel, scored.location
            order by scored.score_pct nulls last, scored.item
        ) as weakness_rank
    from scored
    left join scored as ours
        on
            ours.is_our_brand
            and scored.quarter_start = ours.quarter_start
            and scored.channel = ours.channel
            and scored.location = ours.location
            and scored.item = ours.item
),

final as (
    select
        quarter || '|' || brand || '|' || channel || '|' || location || '|' || item as score_key,
        quarter,
        quarter_start,
        brand,
        is_our_brand,
        channel,
        location,
        item,
        n_visits,
        score_sum,
        max_score_sum,
        score_pct,
        score_ci_low,
        score_ci_high,
        is_reportable,
        weakness_rank,
        our_n_visits,
        our_score_pct,
        score_pct_gap_vs_ours,
        is_gap_reportable
    from with_ours
)

select * from final
