-- One row per customer: segment and region (latest CRM snapshot), answers, latest NPS group.
with customers as (
    select * from {{ ref('stg_crm__customers') }}
),

responses as (
    select * from {{ ref('int_survey_responses__scored') }}
    where customer_id is not null
),

churn as (
    select * from {{ ref('stg_churn__events') }}
),

answer_summary as (
    select
        customer_id,
        min(responded_at) as first_response_at,
        max(responded_at) as last_response_at,
        count(*) as n_responses
    from responses
    group by customer_id
),

latest_nps as (
    select
        customer_id,
        nps_score as latest_nps_score,
        nps_group as latest_nps_group,
        row_number() over (
            partition by customer_id order by responded_at desc, response_id desc
        ) as recency_rank
    from responses
    where nps_score is not null
),

last_churn as (
    select
        customer_id,
        max(churned_at) as churned_at
    from churn
    group by customer_id
),

final as (
    select
        customers.customer_id,
        customers.segment,
        customers.region,
        customers.industry,
        customers.created_at,
        answer_summary.first_response_at,
        answer_summary.last_response_at,
        coalesce(answer_summary.n_responses, 0) as n_responses,
        latest_nps.latest_nps_score,
        latest_nps.latest_nps_group,
        last_churn.churned_at,
        last_churn.churned_at is not null as is_churned
    from customers
    left join answer_summary on customers.customer_id = answer_summary.customer_id
    left join latest_nps
        on customers.customer_id = latest_nps.customer_id and latest_nps.recency_rank = 1
    left join last_churn on customers.customer_id = last_churn.customer_id
)

select * from final
