-- Scores -> outcomes: churn % in a quarter by the group of the customer's last answer before
-- it: NPS (promoter / passive / detractor) and CSAT (top2 / not_top2), 'no_answer' without
-- one; quarter = 'all' pools every quarter's customers at risk. churn_ratio_vs_best_group is
-- the group's churn % over the promoters' (NPS) or top-2-box customers' (CSAT), with its Katz
-- 95 % interval; churn_ratio_is_reportable gates the claim on both groups' customers at the
-- start and on both groups' lost counts (a ratio over 0, 1 or 2 lost customers is noise).
{%- set min_n = var('min_reportable_n') %}
{%- set min_lost = var('churn_ratio_min_lost') %}

with counts as (
    select * from {{ ref('int_customer_churn__counts') }}
    where breakdown in ('nps', 'csat')
),

cells as (
    select
        quarter,
        quarter_start,
        breakdown,
        breakdown_value,
        active_at_start,
        lost
    from counts
    union all
    select
        'all' as quarter,
        cast(null as date) as quarter_start,
        breakdown,
        breakdown_value,
        cast(sum(active_at_start) as bigint) as active_at_start,
        cast(sum(lost) as bigint) as lost
    from counts
    group by breakdown, breakdown_value
),

rated as (
    select
        *,
        {{ churn_rate_pct('lost', 'active_at_start') }} as churn_pct
    from cells
),

best_group as (
    select
        quarter,
        breakdown,
        churn_pct as best_churn_pct,
        active_at_start as best_active_at_start,
        lost as best_lost
    from rated
    where breakdown_value in ('promoter', 'top2')
),

final as (
    select
        rated.quarter,
        rated.quarter_start,
        rated.breakdown as score,
        rated.breakdown_value as score_group,
        rated.active_at_start,
        rated.lost,
        rated.churn_pct,
        {{ retention_rate_pct('rated.lost', 'rated.active_at_start') }} as retention_pct,
        {{ wilson_ci('rated.lost', 'rated.active_at_start', 'low') }} as churn_ci_low,
        {{ wilson_ci('rated.lost', 'rated.active_at_start', 'high') }} as churn_ci_high,
        rated.active_at_start >= {{ min_n }} as is_reportable,
        case
            when best_group.best_churn_pct > 0 then rated.churn_pct / best_group.best_churn_pct
        end as churn_ratio_vs_best_group,
        -- The reference group's own row compares it with itself: no interval, no claim.
        case
            when rated.breakdown_value not in ('promoter', 'top2')
                then {{ risk_ratio_ci(
                    'rated.lost', 'rated.active_at_start',
                    'best_group.best_lost', 'best_group.best_active_at_start', 'low',
                ) }}
        end as churn_ratio_ci_low,
        case
            when rated.breakdown_value not in ('promoter', 'top2')
                then {{ risk_ratio_ci(
                    'rated.lost', 'rated.active_at_start',
                    'best_group.best_lost', 'best_group.best_active_at_start', 'high',
                ) }}
        end as churn_ratio_ci_high,
        coalesce(
            rated.breakdown_value not in ('promoter', 'top2')
            and rated.active_at_start >= {{ min_n }}
            and best_group.best_active_at_start >= {{ min_n }}
            and rated.lost >= {{ min_lost }}
            and best_group.best_lost >= {{ min_lost }},
            false
        ) as churn_ratio_is_reportable
    from rated
    left join best_group
        on rated.quarter = best_group.quarter and rated.breakdown = best_group.breakdown
)

select * from final
