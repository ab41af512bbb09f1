-- Answer counts per quarter × segment × touchpoint, with 'all' rollups; metrics are derived
-- from these counts in one place (mart_cx_scores__quarter).
with responses as (
    select * from {{ ref('int_survey_responses__scored') }}
),

counted as (
    select
        quarter_start,
        case when grouping(segment) = 1 then 'all' else segment end as segment,
        case when grouping(touchpoint) = 1 then 'all' else touchpoint end as touchpoint,
        count(*) as n_responses,
        count(nps_score) as n_nps,
        sum(case when nps_group = 'promoter' then 1 else 0 end) as promoters,
        sum(case when nps_group = 'passive' then 1 else 0 end) as passives,
        sum(case when nps_group = 'detractor' then 1 else 0 end) as detractors,
        count(csat_score) as n_csat,
        sum(case when is_csat_top2 then 1 else 0 end) as csat_top,
        sum(csat_score) as csat_sum,
        count(ces_score) as n_ces,
        sum(case when is_ces_top then 1 else 0 end) as ces_top,
        sum(ces_score) as ces_sum,
        count(loyalty_score) as n_cls,
        sum(case when is_cls_top2 then 1 else 0 end) as cls_top,
        sum(loyalty_score) as cls_sum
    from responses
    group by quarter_start, cube(segment, touchpoint)
),

final as (
    select
        {{ quarter_label('quarter_start') }} as quarter,
        *
    from counted
)

select * from final
