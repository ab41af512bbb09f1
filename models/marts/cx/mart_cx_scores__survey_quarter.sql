-- NPS, CSAT, CES and CLS per quarter × survey type × survey programme (with 'all' rollups):
-- the same columns and rules as mart_cx_scores__quarter (macros/cx_scores.sql), cut by the
-- survey the answer came from, so relationship and transactional NPS are never pooled.
with counts as (
    select * from {{ ref('int_cx_scores__survey_counts') }}
),

{{ cx_scores('counts', ['survey_type', 'survey']) }}
