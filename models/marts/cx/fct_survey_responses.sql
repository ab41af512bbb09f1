-- One row per survey response, ready for BI: quarter, segment, touchpoint, groups and flags.
with responses as (
    select * from {{ ref('int_survey_responses__scored') }}
),

final as (
    select
        response_id,
        customer_id,
        quarter,
        quarter_start,
        responded_at,
        survey,
        touchpoint,
        channel,
        segment,
        region,
        nps_score,
        nps_group,
        csat_score,
        is_csat_top2,
        ces_score,
        is_ces_top,
        loyalty_score,
        is_cls_top2,
        comment,
        suggestion,
        language
    from responses
)

select * from final
