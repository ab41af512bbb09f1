-- Ranked improvement proposals per quarter: one per driver × target (a touchpoint or a
-- segment), from the key-driver cells fitted on that cut. Expected effect = importance (share
-- of R²) × performance gap × customers who answered in the cell: a ranking aid that weighs
-- how much a driver matters, how far it is from the top of its scale and how many customers
-- the fix reaches. Only cells whose drivers explain enough of NPS (r_squared at least
-- var('drivers_min_r2')) are ranked: below it the weights split too little to act on.
-- The quarterly report quotes the top ones; the CSV beside it lists them all.
{{ config(tags=['after_analytics']) }}

with drivers as (
    select * from {{ ref('mart_key_drivers__quarter') }}
),

-- Answers with a score, as the score marts count them: a strategic research survey's ratings
-- of drivers and their importance reach no new customer here (docs/metrics.md).
responses as (
    select * from {{ ref('fct_survey_responses') }}
    where coalesce(nps_score, csat_score, ces_score, loyalty_score) is not null
),

scores as (
    select * from {{ ref('mart_cx_scores__quarter') }}
),

-- Customers reached by a fix at a target; anonymous answers count once each.
reach as (
    select
        quarter,
        'touchpoint' as target_type,
        touchpoint as target_value,
        count(distinct coalesce(customer_id, response_id)) as n_customers
    from responses
    group by quarter, touchpoint
    union all
    select
        quarter,
        'segment' as target_type,
        segment as target_value,
        count(distinct coalesce(customer_id, response_id)) as n_customers
    from responses
    group by quarter, segment
),

candidates as (
    select
        drivers.*,
        case when drivers.segment = 'all' then 'touchpoint' else 'segment' end as target_type,
        case
            when drivers.segment = 'all' then drivers.touchpoint else drivers.segment
        end as target_value
    from drivers
    where
        drivers.is_reportable
        and drivers.r_squared_is_sufficient
        and (drivers.segment = 'all') != (drivers.touchpoint = 'all')
),

scored as (
    select
        candidates.quarter,
        candidates.quarter_start,
        candidates.target_type,
        candidates.target_value,
        candidates.segment,
        candidates.touchpoint,
        candidates.driver,
        candidates.quadrant,
        candidates.n as n_answers,
        reach.n_customers,
        candidates.r_squared,
        candidates.rescaled_weight_pct,
        candidates.driver_mean,
        candidates.performance_gap,
        candidates.improvement_potential,
        candidates.improvement_potential * reach.n_customers as expected_effect,
        scores.nps as target_nps,
        scores.n_nps as target_n_nps,
        scores.is_reportable as target_nps_is_reportable,
        'P-' || candidates.quarter || '-' || candidates.target_type || '-'
        || candidates.target_value || '-' || candidates.driver as proposal_id
    from candidates
    inner join reach
        on
            candidates.quarter = reach.quarter
            and candidates.target_type = reach.target_type
            and candidates.target_value = reach.target_value
    left join scores
        on
            candidates.quarter = scores.quarter
            and candidates.segment = scores.segment
            and candidates.touchpoint = scores.touchpoint
),

final as (
    select
        proposal_id,
        quarter,
        quarter_start,
        row_number() over (
            partition by quarter order by expected_effect desc, proposal_id asc
        ) as proposal_rank,
        target_type,
        target_value,
        segment,
        touchpoint,
        driver,
        quadrant,
        n_answers,
        n_customers,
        r_squared,
        rescaled_weight_pct,
        driver_mean,
        performance_gap,
        improvement_potential,
        expected_effect,
        target_nps,
        target_n_nps,
        target_nps_is_reportable
    from scored
)

select * from final
