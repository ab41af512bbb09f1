-- One row per identified customer × quarter with answers: their NPS, CSAT, CES and CLS.
-- A potential customer's answers (an id the CRM does not know, docs/metrics.md "Respondent
-- groups") are no customer's: they are left out.
with potential as (
    select response_id from {{ ref('int_survey_responses__respondent_group') }}
    where respondent_group = 'potential'
),

responses as (
    select * from {{ ref('int_survey_responses__scored') }}
    where
        customer_id is not null
        and response_id not in (select potential.response_id from potential)
),

ranked as (
    select
        *,
        row_number() over (
            partition by customer_id, quarter_start
            order by
                case when nps_score is null then 1 else 0 end,
                responded_at desc,
                response_id desc
        ) as nps_recency_rank
    from responses
),

final as (
    select
        customer_id,
        quarter,
        quarter_start,
        max(segment) as segment,
        count(*) as n_responses,
        count(nps_score) as n_nps,
        avg(nps_score) as nps_score_mean,
        max(case when nps_recency_rank = 1 then nps_group end) as last_nps_group,
        count(csat_score) as n_csat,
        avg(csat_score) as csat_mean,
        {{ pct('sum(case when is_csat_top2 then 1 else 0 end)', 'count(csat_score)') }}
            as csat_pct,
        count(ces_score) as n_ces,
        avg(ces_score) as ces_mean,
        {{ pct('sum(case when is_ces_top then 1 else 0 end)', 'count(ces_score)') }}
            as ces_pct,
        count(loyalty_score) as n_cls,
        avg(loyalty_score) as cls_mean,
        {{ pct('sum(case when is_cls_top2 then 1 else 0 end)', 'count(loyalty_score)') }}
            as cls_pct
    from ranked
    group by customer_id, quarter, quarter_start
)

select * from final
