-- Cohort retention: cohort (quarter of the first completed order, else of creation) ×
-- quarters since its start -> cohort size, customers still active at the end of that quarter
-- and their share with its Wilson 95 % interval. Only cohorts that start inside the
-- observation window.
{%- set min_n = var('min_reportable_n') %}

with customers as (
    select * from {{ ref('int_customers__lifecycle') }}
),

quarters as (
    select * from {{ ref('int_customer_activity__quarters') }}
),

members as (
    -- Older cohorts are left out: their first quarters' churn was never observed.
    select
        customers.customer_id,
        customers.cohort_quarter_start,
        customers.churn_quarter_start
    from customers
    inner join quarters on customers.cohort_quarter_start = quarters.quarter_start
),

member_quarters as (
    select
        members.cohort_quarter_start,
        quarters.quarter_start,
        {{ quarters_between('members.cohort_quarter_start', 'quarters.quarter_start') }}
            as quarters_since_start,
        coalesce(members.churn_quarter_start > quarters.quarter_start, true) as is_active_at_end
    from members
    inner join quarters on members.cohort_quarter_start <= quarters.quarter_start
),

counted as (
    select
        cohort_quarter_start,
        quarters_since_start,
        quarter_start,
        count(*) as cohort_size,
        count(case when is_active_at_end then 1 end) as active_at_end
    from member_quarters
    group by cohort_quarter_start, quarters_since_start, quarter_start
),

final as (
    select
        {{ quarter_label('cohort_quarter_start') }} as cohort,
        cohort_quarter_start,
        quarters_since_start,
        {{ quarter_label('quarter_start') }} as quarter,
        quarter_start,
        cohort_size,
        active_at_end,
        {{ pct('active_at_end', 'cohort_size') }} as retention_pct,
        {{ wilson_ci('active_at_end', 'cohort_size', 'low') }} as retention_ci_low,
        {{ wilson_ci('active_at_end', 'cohort_size', 'high') }} as retention_ci_high,
        cohort_size >= {{ min_n }} as is_reportable
    from counted
)

select * from final
