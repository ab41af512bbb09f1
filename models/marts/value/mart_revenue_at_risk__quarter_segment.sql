-- Revenue at risk per quarter × segment (plus 'all'): trailing-12-month net revenue of the
-- customers still active at the quarter's end whose last NPS answer by then is a detractor,
-- beside the trailing revenue of all active customers and its share at risk. Reportable when the
-- customers at risk (the ones whose revenue is summed), not all active customers, reach the
-- reportable n: otherwise the revenue of two or three named detractors would be published.
{%- set min_n = var('min_reportable_n') %}

with status as (
    select * from {{ ref('int_customer_quarters__status') }}
    where is_active_at_end
),

counted as (
    select
        quarter,
        quarter_start,
        has_full_trailing_year,
        case when grouping(segment) = 1 then 'all' else segment end as segment,
        count(*) as customers_active_at_end,
        count(case when nps_group_at_end = 'detractor' then 1 end) as customers_at_risk,
        sum(trailing_12m_net_revenue) as trailing_12m_net_revenue,
        sum(
            case when nps_group_at_end = 'detractor' then trailing_12m_net_revenue else 0 end
        ) as revenue_at_risk
    from status
    group by quarter, quarter_start, has_full_trailing_year, cube(segment)
),

final as (
    select
        quarter,
        quarter_start,
        segment,
        customers_active_at_end,
        customers_at_risk,
        trailing_12m_net_revenue,
        revenue_at_risk,
        {{ pct('revenue_at_risk', 'trailing_12m_net_revenue') }} as revenue_at_risk_pct,
        has_full_trailing_year,
        customers_at_risk >= {{ min_n }} as is_reportable
    from counted
)

select * from final
