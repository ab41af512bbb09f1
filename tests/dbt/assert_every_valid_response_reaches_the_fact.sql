-- Staging keeps one row per response_id and the fact keeps every one of them:
-- returns a row when the counts differ.
with staged as (
    select count(*) as n_rows from {{ ref('stg_survey__responses') }}
),

facts as (
    select count(*) as n_rows from {{ ref('fct_survey_responses') }}
)

select
    staged.n_rows as staged_rows,
    facts.n_rows as fact_rows
from staged
cross join facts
where staged.n_rows <> facts.n_rows
