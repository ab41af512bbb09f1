-- One row per survey response, ready for BI: quarter, segment, touchpoint, survey programme and
-- its type (relationship / transactional), groups and flags.
-- A view: a column projection of an intermediate table. As a table it copied every row on
-- every build (26 s for 10 M answers, 32 s for 20 M orders); the BI copy still gets a table.
{{ config(materialized='view') }}

with responses as (
    select * from {{ ref('int_survey_responses__scored') }}
),

-- The programme's type from the dimensions seed, as mart_cx_scores__survey_quarter has it.
survey_types as (
    select
        value as survey,
        kind as survey_type
    from {{ ref('dimensions') }}
    where dimension = 'survey'
),

respondent_groups as (
    select * from {{ ref('int_survey_responses__respondent_group') }}
),

final as (
    select
        responses.response_id,
        responses.customer_id,
        quarter,
        quarter_start,
        responded_at,
        responses.survey,
        coalesce(survey_types.survey_type, 'unknown') as survey_type,
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
        language,
        -- current, former or potential customer (docs/metrics.md, "Respondent groups").
        respondent_groups.respondent_group
    from responses
    left join survey_types on responses.survey = survey_types.survey
    left join respondent_groups on responses.response_id = respondent_groups.response_id
)

select * from final
