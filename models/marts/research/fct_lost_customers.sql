-- One row per churn event with what the customer told us before leaving: the last NPS, CSAT
-- and comment (masked) answered before the churn date.
with churn as (
    select * from {{ ref('stg_churn__events') }}
),

customers as (
    select * from {{ ref('stg_crm__customers') }}
),

responses as (
    select * from {{ ref('int_survey_responses__scored') }}
    where customer_id is not null
),

answers_before as (
    select
        churn.customer_id,
        churn.churned_at,
        responses.response_id,
        responses.responded_at,
        responses.nps_score,
        responses.nps_group,
        responses.csat_score,
        responses.comment
    from churn
    inner join responses
        on
            churn.customer_id = responses.customer_id
            and churn.churned_at > responses.responded_at
),

ranked as (
    -- Latest first; an answer that lacks the value ranks after every answer that has it.
    select
        *,
        row_number() over (
            partition by customer_id, churned_at order by responded_at desc, response_id desc
        ) as recency_rank,
        row_number() over (
            partition by customer_id, churned_at
            order by
                case when nps_score is null then 1 else 0 end,
                responded_at desc,
                response_id desc
        ) as nps_rank,
        row_number() over (
            partition by customer_id, churned_at
            order by
                case when csat_score is null then 1 else 0 end,
                responded_at desc,
                response_id desc
        ) as csat_rank,
        row_number() over (
            partition by customer_id, churned_at
            order by
                case when comment is null then 1 else 0 end,
                responded_at desc,
                response_id desc
        ) as comment_rank
    from answers_before
),

last_answers as (
    select
        customer_id,
        churned_at,
        count(*) as n_responses_before,
        max(case when recency_rank = 1 then responded_at end) as last_response_at,
        max(case when nps_rank = 1 then nps_score end) as last_nps_score,
        max(case when nps_rank = 1 then nps_group end) as last_nps_group,
        max(case when csat_rank = 1 then csat_score end) as last_csat_score,
        max(case when comment_rank = 1 then comment end) as last_comment,
        max(case when comment_rank = 1 and comment is not null then responded_at end)
            as last_comment_at
    from ranked
    group by customer_id, churned_at
),

final as (
    select
        churn.customer_id,
        churn.churned_at,
        {{ quarter_label(quarter_start('churn.churned_at')) }} as quarter,
        {{ quarter_start('churn.churned_at') }} as quarter_start,
        coalesce(customers.segment, 'unknown') as segment,
        churn.reason_code,
        churn.reason_text,
        churn.competitor,
        coalesce(last_answers.n_responses_before, 0) as n_responses_before,
        last_answers.customer_id is not null as has_answered_before,
        last_answers.last_response_at,
        {{ local_days_between('last_answers.last_response_at', 'churn.churned_at') }}
            as days_from_last_response,
        last_answers.last_nps_score,
        last_answers.last_nps_group,
        last_answers.last_csat_score,
        last_answers.last_comment,
        last_answers.last_comment_at
    from churn
    left join customers on churn.customer_id = customers.customer_id
    left join last_answers
        on
            churn.customer_id = last_answers.customer_id
            and churn.churned_at = last_answers.churned_at
)

select * from final
