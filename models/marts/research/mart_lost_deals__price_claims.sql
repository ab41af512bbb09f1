-- "It was not the price": of the lost deals whose stated reason was price and that had a
-- follow-up interview, the share whose real reason was something else; per quarter ×
-- competitor with 'all' rollups, Wilson 95 % interval and reportability.
{%- set min_n = var('min_reportable_n') %}

with deals as (
    select * from {{ ref('stg_research__lost_deals') }}
),

classified as (
    select
        deal_id,
        {{ quarter_start('lost_at') }} as quarter_start,
        coalesce(competitor, 'none') as competitor,
        amount,
        stated_reason = 'price' as is_stated_price,
        stated_reason = 'price' and real_reason is not null as is_price_interviewed,
        stated_reason = 'price' and real_reason <> 'price' as is_price_not_real
    from deals
),

counted as (
    select
        case
            when grouping(quarter_start) = 1 then 'all' else {{ quarter_label('quarter_start') }}
        end as quarter,
        quarter_start,
        case when grouping(competitor) = 1 then 'all' else competitor end as competitor,
        count(*) as n_deals,
        coalesce(sum(amount), 0) as amount_sum,
        count(case when is_stated_price then deal_id end) as n_stated_price,
        count(case when is_price_interviewed then deal_id end) as n_stated_price_interviewed,
        count(case when is_price_not_real then deal_id end) as n_price_not_real,
        coalesce(sum(case when is_price_not_real then amount end), 0) as amount_price_not_real
    from classified
    group by cube(quarter_start, competitor)
    -- No lost deals give no rows: the cube's grand total of an empty table would be a row
    -- counting nothing (n_deals 0), which is no data, not a finding.
    having count(*) > 0
),

final as (
    select
        quarter || '|' || competitor as claim_key,
        quarter,
        quarter_start,
        competitor,
        n_deals,
        amount_sum,
        n_stated_price,
        {{ pct('n_stated_price', 'n_deals') }} as stated_price_pct,
        n_stated_price_interviewed,
        n_price_not_real,
        amount_price_not_real,
        {{ pct('n_price_not_real', 'n_stated_price_interviewed') }} as price_not_real_pct,
        {{ wilson_ci('n_price_not_real', 'n_stated_price_interviewed', 'low') }}
            as price_not_real_ci_low,
        {{ wilson_ci('n_price_not_real', 'n_stated_price_interviewed', 'high') }}
            as price_not_real_ci_high,
        n_stated_price_interviewed >= {{ min_n }} as is_reportable
    from counted
)

select * from final
