-- Answer counts per quarter × segment × touchpoint, with 'all' rollups; metrics are derived
-- from these counts in one place (macros/cx_scores.sql, mart_cx_scores__quarter).
-- Only answers with at least one of the four scores: an answer that rates only drivers or their
-- importance (a strategic research survey) is counted in mart_expectations__quarter, not here
-- (docs/metrics.md, "Reporting rules").
with responses as (
    select * from {{ ref('int_survey_responses__scored') }}
    where coalesce(nps_score, csat_score, ces_score, loyalty_score) is not null
),

{{ cx_score_counts('responses', ['segment', 'touchpoint'], 'cube') }}
