-- Predictive CLV, one row per customer with a completed order: BG/NBD + Gamma-Gamma predictions
-- over the horizon (orchestration/defs/analytics/clv.py) beside the purchase history. A churn
-- event is an observed loss the model can only infer: such customers' predictions are 0.
-- When the purchase model could not be fitted, the rows hold the historical fallback
-- (value_model 'historical', probability_alive null, fallback_reason says why).
-- Tagged after_analytics: built by its own dbt op, after the Python asset that writes the source.
{{ config(tags=['after_analytics']) }}

with predictions as (
    select * from {{ source('analytics', 'clv_predictions') }}
),

customers as (
    select * from {{ ref('int_customers__lifecycle') }}
),

joined as (
    select
        predictions.*,
        coalesce(customers.segment, 'unknown') as segment,
        coalesce(customers.is_churned, false) as is_churned,
        customers.net_revenue as historical_net_revenue
    from predictions
    left join customers on predictions.customer_id = customers.customer_id
),

final as (
    select
        customer_id,
        segment,
        is_churned,
        frequency,
        recency_weeks,
        t_weeks,
        mean_repeat_value,
        historical_net_revenue,
        probability_alive as model_probability_alive,
        case when is_churned then 0e0 else probability_alive end as probability_alive,
        case when is_churned then 0e0 else expected_purchases end as expected_purchases,
        expected_order_value,
        case when is_churned then 0e0 else expected_revenue end as expected_revenue,
        case when is_churned then 0e0 else clv end as clv,
        horizon_months,
        monthly_discount_rate,
        margin,
        value_model,
        fallback_reason
    from joined
)

select * from final
