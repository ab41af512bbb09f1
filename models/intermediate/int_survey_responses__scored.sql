-- One row per response with its quarter (Helsinki time), the segment and region the customer
-- had when answering (SCD2 history from the CRM exports), and score groups.
--
-- Incremental, keyed on response_id: a build scores only the responses of new loads (a re-sent
-- file replaces its rows instead of adding them) and re-scores every response of a customer whose
-- CRM history gained a version since, so the segment at answer time stays what a full build says.
-- (On Spark, without row-level deletes, it is rebuilt in full: macros/incremental.sql.)
{{ config(
    materialized=kokemus_fact_materialization(),
    unique_key='response_id',
    incremental_strategy=kokemus_incremental_strategy(),
    on_schema_change='fail',
) }}

with customer_history as (
    select * from {{ ref('int_crm__customer_history') }}
),

-- The newest CRM export that shaped each customer's history.
customer_seen as (
    select
        customer_id,
        max(first_seen_in_export) as history_seen_at
    from customer_history
    group by customer_id
),

{% if is_incremental() %}
scored_customers as (
    select
        customer_id,
        max(history_seen_at) as history_seen_at
    from {{ this }}
    where customer_id is not null
    group by customer_id
),

rescored_customers as (
    select customer_seen.customer_id
    from customer_seen
    left join scored_customers
        on customer_seen.customer_id = scored_customers.customer_id
    where
        scored_customers.history_seen_at is null
        or customer_seen.history_seen_at > scored_customers.history_seen_at
),
{% endif %}

responses as (
    select * from {{ ref('stg_survey__responses') }}
    {% if is_incremental() %}
        where
            load_id > (select coalesce(max(load_id), -1) from {{ this }})
            or customer_id in (select customer_id from rescored_customers)
    {% endif %}
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
        -- The CRM's segment at answer time; else the survey file's own; else no segment.
        coalesce(
            customer_history.segment,
            responses.segment,
            case when responses.customer_id is null then 'anonymous' else 'unknown' end
        ) as segment,
        coalesce(customer_history.region, 'unknown') as region,
        responses.nps_score,
        responses.csat_score,
        -- CES 2.0 is 1-7 agree; another scale is a different instrument and is never pooled.
        case when responses.ces_scale = '1-7' then responses.ces_score end as ces_score,
        responses.loyalty_score,
        responses.comment,
        responses.suggestion,
        responses.language,
        responses.load_id,
        customer_seen.history_seen_at
    from responses
    left join customer_seen
        on responses.customer_id = customer_seen.customer_id
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
        language,
        -- Lineage for the incremental build: the load the row came from and the newest CRM
        -- export its customer's history had when it was scored.
        load_id,
        history_seen_at
    from joined
)

select * from final
