-- Per customer segment, plus segment = 'all': the mean predicted CLV (BG/NBD + Gamma-Gamma,
-- mart_customer_clv) with its 95 % interval, and beside it the simple retention CLV,
-- margin × r / (1 + d − r) per quarter (docs/metrics.md "CLV"), from the segment's last four
-- quarters: r = the quarterly retention of the customers active at a quarter's start, pooled;
-- the margin per period = var('clv_margin') × their net revenue per customer-quarter;
-- d = the quarterly rate of var('clv_monthly_discount_rate'); its interval is the formula at
-- the bounds of r's Wilson interval. n and reportability decided here,
-- not in the report. Tagged after_analytics: built by the second dbt op, after mart_customer_clv.
{{ config(tags=['after_analytics']) }}
{%- set min_n = var('min_reportable_n') %}
{%- set z = var('significance_z') %}
{#- Settings as doubles: a decimal literal would make Spark's arithmetic DECIMAL
    (macros/metrics.sql). #}
{%- set margin = 'cast(' ~ var('clv_margin') ~ ' as double)' %}
{%- set monthly_rate = 'cast(' ~ var('clv_monthly_discount_rate') ~ ' as double)' %}
{%- set quarterly_rate = 'power(1e0 + ' ~ monthly_rate ~ ', 3) - 1e0' %}

with clv as (
    select * from {{ ref('mart_customer_clv') }}
),

status as (
    select * from {{ ref('int_customer_quarters__status') }}
),

by_segment as (
    select
        case when grouping(segment) = 1 then 'all' else segment end as segment,
        count(*) as n_customers,
        avg(clv) as mean_clv,
        stddev_samp(clv) as sd_clv,
        max(horizon_months) as horizon_months,
        max(value_model) as value_model,
        max(fallback_reason) as fallback_reason
    from clv
    group by cube(segment)
    having count(*) > 0
),

latest_quarter as (
    select max(quarter_start) as latest_quarter_start from status
),

-- Customers active at the start of one of the last four quarters: the population at risk.
last_year as (
    select
        status.customer_id,
        coalesce(status.segment, 'unknown') as segment,
        status.is_lost,
        status.net_revenue
    from status
    inner join latest_quarter
        on
            status.quarter_start
            > cast({{ dbt.dateadd('month', -12, 'latest_quarter.latest_quarter_start') }} as date)
    where status.is_active_at_start
),

retention_inputs as (
    select
        case when grouping(segment) = 1 then 'all' else segment end as segment,
        count(distinct customer_id) as retention_n_customers,
        count(*) as retention_customer_quarters,
        count(case when is_lost then 1 end) as retention_lost,
        sum(net_revenue) as retention_net_revenue
    from last_year
    group by cube(segment)
    having count(*) > 0
),

simple as (
    select
        segment,
        retention_n_customers,
        retention_customer_quarters,
        retention_lost,
        1e0 - 1e0 * retention_lost / retention_customer_quarters as quarterly_retention,
        -- r's Wilson 95 % interval, as a share: the simple CLV rises with r, so its bounds
        -- give the CLV's interval from r's uncertainty (not the margin's).
        {{ wilson_ci('(retention_customer_quarters - retention_lost)',
                     'retention_customer_quarters', 'low') }} / 100e0 as quarterly_retention_low,
        {{ wilson_ci('(retention_customer_quarters - retention_lost)',
                     'retention_customer_quarters', 'high') }} / 100e0 as quarterly_retention_high,
        {{ margin }} * retention_net_revenue / retention_customer_quarters
            as margin_per_customer_quarter
    from retention_inputs
),

final as (
    select
        by_segment.segment,
        by_segment.n_customers,
        by_segment.mean_clv,
        case
            when by_segment.n_customers > 1
                then greatest(
                    0e0,
                    by_segment.mean_clv
                    - {{ z }} * by_segment.sd_clv / sqrt(by_segment.n_customers)
                )
        end as clv_ci_low,
        case
            when by_segment.n_customers > 1
                then
                    by_segment.mean_clv
                    + {{ z }} * by_segment.sd_clv / sqrt(by_segment.n_customers)
        end as clv_ci_high,
        by_segment.horizon_months,
        by_segment.value_model,
        by_segment.fallback_reason,
        by_segment.n_customers >= {{ min_n }} as is_reportable,
        coalesce(simple.retention_n_customers, 0) as retention_n_customers,
        coalesce(simple.retention_customer_quarters, 0) as retention_customer_quarters,
        coalesce(simple.retention_lost, 0) as retention_lost,
        100e0 * simple.quarterly_retention as quarterly_retention_pct,
        simple.margin_per_customer_quarter,
        {{ margin }} as clv_margin,
        {{ quarterly_rate }} as quarterly_discount_rate,
        -- In euros to the cent: the interval's bounds pass through a Wilson bound, whose last
        -- bit DuckDB and Spark may round differently, and the formula magnifies it near r = 1.
        round({{ retention_clv('simple.margin_per_customer_quarter',
                               'simple.quarterly_retention',
                               '(' ~ quarterly_rate ~ ')') }}, 2) as simple_clv,
        round({{ retention_clv('simple.margin_per_customer_quarter',
                               'simple.quarterly_retention_low',
                               '(' ~ quarterly_rate ~ ')') }}, 2) as simple_clv_ci_low,
        round({{ retention_clv('simple.margin_per_customer_quarter',
                               'simple.quarterly_retention_high',
                               '(' ~ quarterly_rate ~ ')') }}, 2) as simple_clv_ci_high,
        coalesce(simple.retention_n_customers, 0) >= {{ min_n }} as simple_clv_is_reportable
    from by_segment
    left join simple on by_segment.segment = simple.segment
)

select * from final
