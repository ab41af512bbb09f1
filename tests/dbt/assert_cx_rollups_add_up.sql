-- The 'all' rollup rows of the period mart hold exactly the sum of their detail rows:
-- returns the quarter × touchpoint cells where the segments do not add up to 'all'.
with scores as (
    select * from {{ ref('mart_cx_scores__quarter') }}
),

detail as (
    select
        quarter,
        touchpoint,
        sum(n_nps) as n_nps,
        sum(promoters) as promoters,
        sum(detractors) as detractors,
        sum(n_csat) as n_csat
    from scores
    where segment <> 'all'
    group by quarter, touchpoint
),

rollup_rows as (
    select * from scores
    where segment = 'all'
)

select
    rollup_rows.quarter,
    rollup_rows.touchpoint
from rollup_rows
left join detail
    on
        rollup_rows.quarter = detail.quarter
        and rollup_rows.touchpoint = detail.touchpoint
where
    detail.quarter is null
    or rollup_rows.n_nps <> detail.n_nps
    or rollup_rows.promoters <> detail.promoters
    or rollup_rows.detractors <> detail.detractors
    or rollup_rows.n_csat <> detail.n_csat
