-- One row per customer with a completed order: the RFM summary that BG/NBD and Gamma-Gamma
-- fit on (docs/metrics.md "CLV"), in weeks. Same-day purchases (Helsinki time) merge into one;
-- the calibration period ends on the last day of the observation window's data.
with orders as (
    select * from {{ ref('int_orders__net_amounts') }}
    where status = 'completed'
),

quarters as (
    select * from {{ ref('int_customer_activity__quarters') }}
),

calibration as (
    select cast({{ to_local_time('max(observed_until)') }} as date) as calibration_end_on
    from quarters
),

purchase_days as (
    select
        customer_id,
        ordered_on,
        sum(amount) as day_amount,
        count(*) as n_orders
    from orders
    group by customer_id, ordered_on
),

numbered as (
    select
        *,
        row_number() over (partition by customer_id order by ordered_on) as day_number
    from purchase_days
),

per_customer as (
    select
        customer_id,
        count(*) - 1 as frequency,
        min(ordered_on) as first_purchase_on,
        max(ordered_on) as last_purchase_on,
        sum(n_orders) as n_orders,
        cast(avg(day_amount) as double) as mean_purchase_value,
        cast(avg(case when day_number > 1 then day_amount end) as double) as mean_repeat_value
    from numbered
    group by customer_id
),

final as (
    select
        per_customer.customer_id,
        per_customer.frequency,
        {{ dbt.datediff('first_purchase_on', 'last_purchase_on', 'day') }}
        / 7e0 as recency_weeks,
        {{ dbt.datediff('first_purchase_on', 'calibration_end_on', 'day') }}
        / 7e0 as t_weeks,
        per_customer.mean_repeat_value,
        per_customer.mean_purchase_value,
        per_customer.n_orders,
        per_customer.first_purchase_on,
        per_customer.last_purchase_on,
        calibration.calibration_end_on
    from per_customer
    cross join calibration
)

select * from final
