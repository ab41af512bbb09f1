-- mart_customer_clv with the day it values the customers on (the last day of the data, the
-- CLV calibration end), so the semantic layer has a time to aggregate the CLV metrics at.
-- Tagged after_analytics like the mart it reads (built by the second dbt op).
{{ config(tags=['after_analytics']) }}

with clv as (
    select * from {{ ref('mart_customer_clv') }}
),

quarters as (
    select * from {{ ref('int_customer_activity__quarters') }}
),

valuation as (
    select cast({{ to_local_time('max(observed_until)') }} as date) as valued_on
    from quarters
),

final as (
    select
        clv.customer_id,
        valuation.valued_on,
        clv.is_churned,
        clv.historical_net_revenue,
        clv.probability_alive,
        clv.expected_purchases,
        clv.expected_revenue,
        clv.clv,
        clv.horizon_months,
        clv.value_model
    from clv
    cross join valuation
)

select * from final
