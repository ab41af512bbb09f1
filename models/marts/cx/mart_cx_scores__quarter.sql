-- NPS, CSAT, CES and CLS per quarter × segment × touchpoint (with 'all' rollups): n, the
-- shares of promoters, passives and detractors, intervals, reportability and the change vs
-- the previous quarter and a year earlier with its significance (macros/cx_scores.sql).
with counts as (
    select * from {{ ref('int_cx_scores__counts') }}
),

{{ cx_scores('counts', ['segment', 'touchpoint']) }}
