-- One row per customer × quarter of the observation window in which the customer is one
-- (created by the quarter's end, not lost before its start): status at start and end, the
-- last NPS / CSAT answer before the quarter and its trailing-12-month net revenue.
with customers as (
    select * from {{ ref('int_customers__lifecycle') }}
),

quarters as (
    select * from {{ ref('int_customer_activity__quarters') }}
),

responses as (
    select * from {{ ref('int_survey_responses__scored') }}
    where customer_id is not null
),

orders as (
    select * from {{ ref('int_orders__net_amounts') }}
),

nps_answers as (
    -- The customer's last NPS answer in each quarter.
    select
        customer_id,
        quarter_start,
        nps_group,
        row_number() over (
            partition by customer_id, quarter_start
            order by responded_at desc, response_id desc
        ) as answer_rank
    from responses
    where nps_score is not null
),

csat_answers as (
    select
        customer_id,
        quarter_start,
        case when is_csat_top2 then 'top2' else 'not_top2' end as csat_group,
        row_number() over (
            partition by customer_id, quarter_start
            order by responded_at desc, response_id desc
        ) as answer_rank
    from responses
    where csat_score is not null
),

quarter_revenue as (
    select
        customer_id,
        quarter_start,
        sum(net_amount) as net_revenue
    from orders
    group by customer_id, quarter_start
),

-- Every customer × every window quarter, so that the running windows below see each quarter.
grid as (
    select
        customers.customer_id,
        customers.segment,
        customers.created_quarter_start,
        customers.churn_quarter_start,
        quarters.quarter,
        quarters.quarter_start,
        quarters.quarter_number,
        nps_answers.quarter_start as nps_answer_quarter_start,
        csat_answers.quarter_start as csat_answer_quarter_start,
        coalesce(quarter_revenue.net_revenue, 0) as net_revenue
    from customers
    cross join quarters
    left join nps_answers
        on
            customers.customer_id = nps_answers.customer_id
            and quarters.quarter_start = nps_answers.quarter_start
            and nps_answers.answer_rank = 1
    left join csat_answers
        on
            customers.customer_id = csat_answers.customer_id
            and quarters.quarter_start = csat_answers.quarter_start
            and csat_answers.answer_rank = 1
    left join quarter_revenue
        on
            customers.customer_id = quarter_revenue.customer_id
            and quarters.quarter_start = quarter_revenue.quarter_start
),

carried as (
    -- The quarter of the last answer before this quarter (and up to its end), carried forward.
    select
        *,
        max(nps_answer_quarter_start) over (
            partition by customer_id order by quarter_start
            rows between unbounded preceding and 1 preceding
        ) as nps_before_quarter_start,
        max(nps_answer_quarter_start) over (
            partition by customer_id order by quarter_start
            rows between unbounded preceding and current row
        ) as nps_through_quarter_start,
        max(csat_answer_quarter_start) over (
            partition by customer_id order by quarter_start
            rows between unbounded preceding and 1 preceding
        ) as csat_before_quarter_start,
        sum(net_revenue) over (
            partition by customer_id order by quarter_start
            rows between 3 preceding and current row
        ) as trailing_12m_net_revenue
    from grid
),

final as (
    select
        carried.customer_id,
        carried.quarter,
        carried.quarter_start,
        carried.segment,
        carried.created_quarter_start < carried.quarter_start as is_active_at_start,
        carried.created_quarter_start < carried.quarter_start
        and coalesce(carried.churn_quarter_start = carried.quarter_start, false) as is_lost,
        carried.created_quarter_start = carried.quarter_start as is_acquired,
        carried.created_quarter_start = carried.quarter_start
        and coalesce(carried.churn_quarter_start = carried.quarter_start, false)
            as is_acquired_and_lost,
        coalesce(carried.churn_quarter_start > carried.quarter_start, true) as is_active_at_end,
        nps_before.nps_group as nps_group_before,
        nps_through.nps_group as nps_group_at_end,
        csat_before.csat_group as csat_group_before,
        carried.net_revenue,
        carried.trailing_12m_net_revenue,
        -- The window holds four quarters of orders up to this one (else the sum is partial).
        carried.quarter_number >= 4 as has_full_trailing_year
    from carried
    left join nps_answers as nps_before
        on
            carried.customer_id = nps_before.customer_id
            and carried.nps_before_quarter_start = nps_before.quarter_start
            and nps_before.answer_rank = 1
    left join nps_answers as nps_through
        on
            carried.customer_id = nps_through.customer_id
            and carried.nps_through_quarter_start = nps_through.quarter_start
            and nps_through.answer_rank = 1
    left join csat_answers as csat_before
        on
            carried.customer_id = csat_before.customer_id
            and carried.csat_before_quarter_start = csat_before.quarter_start
            and csat_before.answer_rank = 1
    where
        carried.created_quarter_start <= carried.quarter_start
        and coalesce(carried.churn_quarter_start >= carried.quarter_start, true)
)

select * from final
