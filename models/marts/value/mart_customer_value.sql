-- Historical customer value, one row per CRM customer: net revenue (completed orders; a
-- refunded or cancelled order counts 0), order counts, average order value, first and last
-- order, tenure.
with customers as (
    select * from {{ ref('int_customers__lifecycle') }}
),

final as (
    select
        customer_id,
        segment,
        region,
        created_at,
        churned_at,
        is_churned,
        n_completed_orders,
        n_refunded_orders,
        completed_revenue,
        refunded_amount,
        net_revenue,
        case
            when n_completed_orders > 0 then completed_revenue / n_completed_orders
        end as average_order_value,
        first_order_at,
        last_order_at,
        -- Days as a customer: to the churn, or to the end of the data for active customers.
        {{ local_days_between('created_at', 'coalesce(churned_at, observed_until)') }}
            as tenure_days
    from customers
)

select * from final
