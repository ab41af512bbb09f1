-- Mean predicted CLV per customer segment, plus segment = 'all': what the report's value section
-- shows, with n and reportability decided here rather than in the report.
-- Tagged after_analytics: built by the second dbt op, after mart_customer_clv.
{{ config(tags=['after_analytics']) }}
{%- set min_n = var('min_reportable_n') %}

with clv as (
    select * from {{ ref('mart_customer_clv') }}
),

by_segment as (
    select
        case when grouping(segment) = 1 then 'all' else segment end as segment,
        count(*) as n_customers,
        avg(clv) as mean_clv,
        max(horizon_months) as horizon_months,
        max(value_model) as value_model,
        max(fallback_reason) as fallback_reason
    from clv
    group by cube(segment)
    having count(*) > 0
),

final as (
    select
        segment,
        n_customers,
        mean_clv,
        horizon_months,
        value_model,
        fallback_reason,
        n_customers >= {{ min_n }} as is_reportable
    from by_segment
)

select * from final
