-- Answer counts per quarter × segment × touchpoint, with 'all' rollups; metrics are derived
-- from these counts in one place (macros/cx_scores.sql, mart_cx_scores__quarter).
with responses as (
    select * from {{ ref('int_survey_responses__scored') }}
),

{{ cx_score_counts('responses', ['segment', 'touchpoint'], 'cube') }}
