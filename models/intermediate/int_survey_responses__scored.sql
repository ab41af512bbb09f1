-- One row per response with its quarter (Helsinki time), the segment and region the customer
-- had when answering (SCD2 history from the CRM exports), and score groups.
with responses as (
    select * from {{ ref('stg_survey__responses') }}
),

customer_history as (
    select * from {{ ref('int_crm__customer_history') }}
),

joined as (
    select
        responses.response_id,
        responses.customer_id,
        responses.survey,
        coalesce(responses.touchpoint, 'unknown') as touchpoint,
        responses.channel,
        responses.responded_at,
        {{ quarter_start('responses.responded_at') }} as quarter_start,
        case
            when responses.customer_id is null then 'anonymous'
            else coalesce(customer_history.segment, 'unknown')
        end as segment,
        coalesce(customer_history.region, 'unknown') as region,
        responses.nps_score,
        responses.csat_score,
        -- CES 2.0 is 1-7 agree; another scale is a different instrument and is never pooled.
        case when responses.ces_scale = '1-7' then responses.ces_score end as ces_score,
        responses.loyalty_score,
        responses.comment,
        responses.suggestion,
        responses.language
    from responses
    left join customer_history
        on
            responses.customer_id = customer_history.customer_id
            and (
                customer_history.valid_from is null
                or responses.responded_at >= customer_history.valid_from
            )
            and (
                customer_history.valid_to is null
                or responses.responded_at < customer_history.valid_to
            )
),

final as (
    select
        response_id,
        customer_id,
        {{ quarter_label('quarter_start') }} as quarter,
        quarter_start,
        responded_at,
        survey,
        touchpoint,
        channel,
        segment,
        region,
        nps_score,
        {{ nps_group('nps_score') }} as nps_group,
        csat_score,
        csat_score >= 4 as is_csat_top2,
        ces_score,
        ces_score >= 5 as is_ces_top,
        loyalty_score,
        loyalty_score >= 4 as is_cls_top2,
        comment,
        suggestion,
        language
    from joined
)

select * from final
