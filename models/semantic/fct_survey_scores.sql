-- The survey answers the semantic layer's score metrics count: those with at least one of the
-- four scores (NPS, CSAT, CES, CLS), as mart_cx_scores__quarter counts them. An answer that
-- rates only drivers or their importance (a strategic research survey) stays in
-- fct_survey_responses and is counted in mart_expectations__quarter, not here: it would add
-- "responses" and an unknown touchpoint that the marts do not have.
{{ config(materialized='view') }}

with responses as (
    select * from {{ ref('fct_survey_responses') }}
),

final as (
    select *
    from responses
    where coalesce(nps_score, csat_score, ces_score, loyalty_score) is not null
)

select * from final
