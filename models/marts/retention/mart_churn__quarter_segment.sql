-- Churn and retention per quarter × segment (plus segment = 'all'): customers active at the
-- start, lost, churn and retention % each with its Wilson 95 % interval (the retention interval
-- is the churn interval mirrored: Wilson of the retained); customers acquired in the quarter,
-- and those acquired and lost within it, are reported beside the rate, not in it.
{%- set min_n = var('min_reportable_n') %}

with counts as (
    select * from {{ ref('int_customer_churn__counts') }}
    where breakdown = 'segment'
),

final as (
    select
        quarter,
        quarter_start,
        breakdown_value as segment,
        active_at_start,
        lost,
        {{ churn_rate_pct('lost', 'active_at_start') }} as churn_pct,
        {{ retention_rate_pct('lost', 'active_at_start') }} as retention_pct,
        {{ wilson_ci('lost', 'active_at_start', 'low') }} as churn_ci_low,
        {{ wilson_ci('lost', 'active_at_start', 'high') }} as churn_ci_high,
        {{ wilson_ci('(active_at_start - lost)', 'active_at_start', 'low') }}
            as retention_ci_low,
        {{ wilson_ci('(active_at_start - lost)', 'active_at_start', 'high') }}
            as retention_ci_high,
        active_at_start >= {{ min_n }} as is_reportable,
        acquired,
        acquired_and_lost,
        active_at_end
    from counts
)

select * from final
