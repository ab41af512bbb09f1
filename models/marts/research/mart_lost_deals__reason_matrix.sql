-- Lost deals by stated × real reason per quarter × competitor (with 'all' rollups): counts,
-- amounts and the share of each stated reason's deals that had this real reason.
{%- set min_n = var('min_reportable_n') %}

with deals as (
    select * from {{ ref('stg_research__lost_deals') }}
),

classified as (
    select
        deal_id,
        {{ quarter_start('lost_at') }} as quarter_start,
        coalesce(competitor, 'none') as competitor,
        coalesce(stated_reason, 'unknown') as stated_reason,
        coalesce(real_reason, 'not_interviewed') as real_reason,
        amount
    from deals
),

counted as (
    select
        case
            when grouping(quarter_start) = 1 then 'all' else {{ quarter_label('quarter_start') }}
        end as quarter,
        quarter_start,
        case when grouping(competitor) = 1 then 'all' else competitor end as competitor,
        stated_reason,
        real_reason,
        count(*) as n_deals,
        count(amount) as n_with_amount,
        coalesce(sum(amount), 0) as amount_sum
    from classified
    group by stated_reason, real_reason, cube(quarter_start, competitor)
),

with_row_totals as (
    select
        *,
        cast(sum(n_deals) over (partition by quarter, competitor, stated_reason) as bigint)
            as n_stated
    from counted
),

final as (
    select
        quarter || '|' || competitor || '|' || stated_reason || '|' || real_reason as matrix_key,
        quarter,
        quarter_start,
        competitor,
        stated_reason,
        real_reason,
        n_deals,
        n_with_amount,
        amount_sum,
        n_stated,
        {{ pct('n_deals', 'n_stated') }} as pct_of_stated,
        n_stated >= {{ min_n }} as is_reportable,
        stated_reason <> real_reason and real_reason <> 'not_interviewed' as is_reason_mismatch
    from with_row_totals
)

select * from final
