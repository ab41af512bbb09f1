-- Key drivers per quarter × segment × touchpoint × driver: relative weights on NPS
-- (orchestration/defs/analytics/drivers.py) with the change vs the previous quarter and the
-- importance–performance quadrant. A driver is the strongest only when its bootstrap interval
-- clears every other driver's; proposals use only cells whose R² reaches var('drivers_min_r2').
-- Tagged after_analytics: built by the second dbt op.
{{ config(tags=['after_analytics']) }}
{%- set min_n = var('min_reportable_n') %}
{%- set min_r2 = var('drivers_min_r2') %}

with weights as (
    select * from {{ source('analytics', 'driver_weights') }}
),

with_quarter_start as (
    -- '2025-Q3' → 2025-07-01: the year's first day plus three months per earlier quarter.
    select
        quarter,
        segment,
        touchpoint,
        driver,
        n,
        r_squared,
        raw_weight,
        rescaled_weight_pct,
        rescaled_weight_ci_low,
        rescaled_weight_ci_high,
        weight_rank,
        driver_mean,
        fit_status,
        cast({{ dbt.dateadd(
            'month',
            '3 * (cast(right(quarter, 1) as integer) - 1)',
            "cast(left(quarter, 4) || '-01-01' as date)",
        ) }} as date) as quarter_start
    from weights
),

cell_means as (
    -- The cell's yardsticks: an equal share of R² (100 / p) and the mean of its driver means.
    select
        *,
        100e0 / count(*) over cell as equal_share_pct,
        avg(driver_mean) over cell as cell_driver_mean,
        -- The leader's lower bound (no interval: nothing can be told apart from it).
        max(case when weight_rank = 1 then coalesce(rescaled_weight_ci_low, -1e0) end)
            over cell as top_ci_low
    from with_quarter_start
    window cell as (partition by quarter, segment, touchpoint)
),

with_previous as (
    select
        cur.*,
        prev.quarter as previous_quarter,
        prev.rescaled_weight_pct as rescaled_weight_prev,
        cur.rescaled_weight_pct - prev.rescaled_weight_pct as rescaled_weight_change,
        prev.driver_mean as driver_mean_prev,
        cur.driver_mean - prev.driver_mean as driver_mean_change,
        -- A tie (a driver's mean equal to the cell's mean, common with 1-5 ratings) must not
        -- flip on the last bit of a floating-point sum: ties count as high, within 1e-9.
        cur.rescaled_weight_pct >= cur.equal_share_pct - 1e-9 as is_important,
        cur.driver_mean >= cur.cell_driver_mean - 1e-9 as is_performing,
        -- The leader, and every driver whose interval reaches the leader's lower bound.
        cur.weight_rank = 1
        or coalesce(cur.rescaled_weight_ci_high, 101e0) >= cur.top_ci_low as is_top_group
    from cell_means as cur
    left join cell_means as prev
        on
            cast({{ dbt.dateadd('month', -3, 'cur.quarter_start') }} as date) = prev.quarter_start
            and cur.segment = prev.segment
            and cur.touchpoint = prev.touchpoint
            and cur.driver = prev.driver
),

grouped as (
    select
        *,
        sum(case when is_top_group then 1 else 0 end)
            over (partition by quarter, segment, touchpoint) as top_group_size
    from with_previous
),

final as (
    select
        quarter,
        quarter_start,
        segment,
        touchpoint,
        driver,
        n,
        r_squared,
        raw_weight,
        rescaled_weight_pct,
        rescaled_weight_ci_low,
        rescaled_weight_ci_high,
        weight_rank,
        case when fit_status = 'fitted' then is_top_group end as is_top_group,
        case
            when fit_status = 'fitted' then weight_rank = 1 and top_group_size = 1
        end as is_strongest,
        case when fit_status = 'fitted' then r_squared >= {{ min_r2 }} end
            as r_squared_is_sufficient,
        driver_mean,
        fit_status,
        previous_quarter,
        rescaled_weight_prev,
        rescaled_weight_change,
        driver_mean_prev,
        driver_mean_change,
        case
            when fit_status != 'fitted' then null
            when is_important and not is_performing then 'fix_first'
            when is_important then 'keep_up'
            when not is_performing then 'low_priority'
            else 'possible_overkill'
        end as quadrant,
        (5 - driver_mean) / 4e0 as performance_gap,
        rescaled_weight_pct / 100e0 * (5 - driver_mean) / 4e0 as improvement_potential,
        coalesce(fit_status = 'fitted' and n >= {{ min_n }}, false) as is_reportable
    from grouped
)

select * from final
