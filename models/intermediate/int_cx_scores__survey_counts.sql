-- Answer counts per quarter × survey type × survey programme, with 'all' rollups (a type's
-- programmes together, and every answer); the type (relationship / transactional) comes from
-- the dimensions seed, 'unknown' for a programme it does not declare.
-- Only answers with at least one of the four scores, as int_cx_scores__counts.
with responses as (
    select * from {{ ref('int_survey_responses__scored') }}
    where coalesce(nps_score, csat_score, ces_score, loyalty_score) is not null
),

dimensions as (
    select * from {{ ref('dimensions') }}
),

survey_types as (
    select
        value as survey,
        kind as survey_type
    from dimensions
    where dimension = 'survey'
),

-- An export without a survey column leaves the programme empty: 'unknown', never NULL.
typed as (
    select
        responses.quarter_start,
        coalesce(responses.survey, 'unknown') as survey,
        coalesce(survey_types.survey_type, 'unknown') as survey_type,
        responses.nps_score,
        responses.nps_group,
        responses.csat_score,
        responses.is_csat_top2,
        responses.ces_score,
        responses.is_ces_top,
        responses.loyalty_score,
        responses.is_cls_top2
    from responses
    left join survey_types on responses.survey = survey_types.survey
),

{{ cx_score_counts('typed', ['survey_type', 'survey'], 'rollup') }}
