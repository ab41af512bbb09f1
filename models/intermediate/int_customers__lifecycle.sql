-- One row per CRM customer: creation, first churn, completed-order history and the retention
-- cohort (quarter of the first completed order, else of creation), quarters in Helsinki time.
with customers as (
    select * from {{ ref('stg_crm__customers') }}
),

churn as (
    select * from {{ ref('stg_churn__events') }}
),

orders as (
    select * from {{ ref('int_orders__net_amounts') }}
),

quarters as (
    select * from {{ ref('int_customer_activity__quarters') }}
),

observation as (
    select max(observed_until) as observed_until from quarters
),

first_churn as (
    -- A customer is lost once: the first churn event counts, later ones repeat it.
    select
        customer_id,
        min(churned_at) as churned_at
    from churn
    group by customer_id
),

order_history as (
    select
        customer_id,
        count(case when status = 'completed' then 1 end) as n_completed_orders,
        count(case when status = 'refunded' then 1 end) as n_refunded_orders,
        sum(case when status = 'completed' then amount else 0 end) as completed_revenue,
        sum(case when status = 'refunded' then amount else 0 end) as refunded_amount,
        sum(net_amount) as net_revenue,
        min(case when status = 'completed' then ordered_at end) as first_order_at,
        max(case when status = 'completed' then ordered_at end) as last_order_at
    from orders
    group by customer_id
),

final as (
    select
        customers.customer_id,
        customers.segment,
        customers.region,
        customers.created_at,
        {{ quarter_start('customers.created_at') }} as created_quarter_start,
        first_churn.churned_at,
        {{ quarter_start('first_churn.churned_at') }} as churn_quarter_start,
        first_churn.churned_at is not null as is_churned,
        coalesce(order_history.n_completed_orders, 0) as n_completed_orders,
        coalesce(order_history.n_refunded_orders, 0) as n_refunded_orders,
        coalesce(order_history.completed_revenue, 0) as completed_revenue,
        coalesce(order_history.refunded_amount, 0) as refunded_amount,
        coalesce(order_history.net_revenue, 0) as net_revenue,
        order_history.first_order_at,
        order_history.last_order_at,
        coalesce(
            {{ quarter_start('order_history.first_order_at') }},
            {{ quarter_start('customers.created_at') }}
        ) as cohort_quarter_start,
        observation.observed_until
    from customers
    cross join observation
    left join first_churn on customers.customer_id = first_churn.customer_id
    left join order_history on customers.customer_id = order_history.customer_id
)

select * from final
