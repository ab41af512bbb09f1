-- One row per response: who answered — a current, former or potential customer
-- (docs/metrics.md, "Respondent groups"). The rule, first match wins:
--   1. stated    the file or its _mapping.yml says it (respondent_group column or constant);
--   2. no_crm    no CRM export has been loaded at all: nothing tells the groups apart, so every
--                answer counts as a current customer's (the report states this fallback);
--   3. anonymous no customer_id: counted as a current customer's (surveys go to customers);
--   4. churned   the customer churned at or before the answer → former;
--   5. crm       the customer is in the CRM: current, unless the CRM created the customer only
--                after the answer (not_yet_customer → potential);
--   6. lost_deal not in the CRM, but a lost deal names the id and was lost at or before the
--                answer → former;
--   7. not_in_crm not in the CRM at all → potential.
with responses as (
    select * from {{ ref('stg_survey__responses') }}
),

customers as (
    select * from {{ ref('stg_crm__customers') }}
),

churn_events as (
    select * from {{ ref('stg_churn__events') }}
),

lost_deals as (
    select * from {{ ref('stg_research__lost_deals') }}
),

crm_loaded as (
    select count(*) > 0 as has_crm from customers
),

churned as (
    -- The first churn at or before each answer is enough: the answer came after a churn.
    select
        responses.response_id,
        min(churn_events.churned_at) as churned_at
    from responses
    inner join churn_events
        on
            responses.customer_id = churn_events.customer_id
            and responses.responded_at >= churn_events.churned_at
    group by responses.response_id
),

lost as (
    select
        responses.response_id,
        min(lost_deals.lost_at) as lost_at
    from responses
    inner join lost_deals
        on
            responses.customer_id = lost_deals.customer_id
            and responses.responded_at >= lost_deals.lost_at
    group by responses.response_id
),

classified as (
    select
        responses.response_id,
        responses.respondent_group as stated_group,
        case
            when responses.respondent_group is not null then 'stated'
            when not crm_loaded.has_crm then 'no_crm'
            when responses.customer_id is null then 'anonymous'
            when churned.response_id is not null then 'churned'
            when customers.customer_id is not null and customers.created_at > responses.responded_at
                then 'not_yet_customer'
            when customers.customer_id is not null then 'crm'
            when lost.response_id is not null then 'lost_deal'
            else 'not_in_crm'
        end as group_basis
    from responses
    cross join crm_loaded
    left join customers on responses.customer_id = customers.customer_id
    left join churned on responses.response_id = churned.response_id
    left join lost on responses.response_id = lost.response_id
),

final as (
    select
        response_id,
        case
            when group_basis = 'stated' then stated_group
            when group_basis in ('churned', 'lost_deal') then 'former'
            when group_basis in ('not_yet_customer', 'not_in_crm') then 'potential'
            else 'current'
        end as respondent_group,
        group_basis
    from classified
)

select * from final
