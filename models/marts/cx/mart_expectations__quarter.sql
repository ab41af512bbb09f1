-- Expectations vs today per quarter × driver × respondent group (docs/metrics.md,
-- "Expectations vs today"): the stated importance of a driver (importance_<name>, 1–5) beside
-- its performance rating (driver_<name>, 1–5), each a mean with its 95 % interval and n, and
-- two gaps: the group's own (its expectation − what it rates us today) and the gap to what
-- current customers get (the group's expectation − current customers' performance), which
-- says where potential or former customers expect something current customers do not get.
-- A gap is tested only when both of its means may be shown (n at least min_reportable_n).
{%- set min_n = var('min_reportable_n') %}
{%- set z = var('significance_z') %}

with responses as (
    select * from {{ ref('int_survey_responses__scored') }}
),

groups as (
    select * from {{ ref('int_survey_responses__respondent_group') }}
),

importance as (
    select * from {{ ref('stg_survey__importance_scores') }}
),

performance as (
    select * from {{ ref('stg_survey__driver_scores') }}
),

-- Only drivers whose importance someone stated in the quarter: the others have no expectation.
stated_drivers as (
    select distinct
        responses.quarter,
        importance.driver
    from importance
    inner join responses on importance.response_id = responses.response_id
    inner join groups on importance.response_id = groups.response_id
),

-- Performance ratings of those quarters and drivers only: `sums` keeps no other, and leaving
-- them out here spares joining and aggregating every driver rating of every quarter (40 M rows
-- at 10 M answers) when importance was asked in a few quarters.
stated_performance as (
    select
        performance.response_id,
        performance.driver,
        performance.score
    from performance
    inner join responses on performance.response_id = responses.response_id
    inner join stated_drivers
        on responses.quarter = stated_drivers.quarter and performance.driver = stated_drivers.driver
),

ratings as (
    select
        importance.response_id,
        importance.driver,
        'importance' as rating,
        importance.score
    from importance
    union all
    select
        stated_performance.response_id,
        stated_performance.driver,
        'performance' as rating,
        stated_performance.score
    from stated_performance
),

with_group as (
    select
        responses.quarter,
        ratings.driver,
        groups.respondent_group,
        groups.group_basis,
        ratings.rating,
        ratings.score
    from ratings
    inner join responses on ratings.response_id = responses.response_id
    inner join groups on ratings.response_id = groups.response_id
),

-- Integer counts, sums and sums of squares: exact in any order, so a rebuild gives the same
-- means and standard deviations to the last bit (a float accumulation would not).
sums as (
    select
        with_group.quarter,
        with_group.driver,
        with_group.respondent_group,
        sum(case when with_group.rating = 'importance' then 1 else 0 end) as n_importance,
        sum(case when with_group.rating = 'importance' then with_group.score else 0 end)
            as sum_importance,
        sum(
            case
                when with_group.rating = 'importance' then with_group.score * with_group.score
                else 0
            end
        ) as sumsq_importance,
        sum(case when with_group.rating = 'performance' then 1 else 0 end) as n_performance,
        sum(case when with_group.rating = 'performance' then with_group.score else 0 end)
            as sum_performance,
        sum(
            case
                when with_group.rating = 'performance' then with_group.score * with_group.score
                else 0
            end
        ) as sumsq_performance,
        -- Importance answers counted as current only because no CRM export was loaded.
        sum(
            case
                when with_group.rating = 'importance' and with_group.group_basis = 'no_crm'
                    then 1
                else 0
            end
        ) as n_importance_group_assumed
    from with_group
    inner join stated_drivers
        on with_group.quarter = stated_drivers.quarter and with_group.driver = stated_drivers.driver
    group by with_group.quarter, with_group.driver, with_group.respondent_group
),

moments as (
    -- Sample standard deviation from the sums: (Σx² − (Σx)² / n) / (n − 1).
    select
        quarter,
        driver,
        respondent_group,
        n_importance,
        n_importance_group_assumed,
        n_performance,
        case when n_importance > 0 then 1e0 * sum_importance / n_importance end
            as importance_mean,
        case
            when n_importance > 1
                then sqrt(greatest(
                    0e0,
                    (1e0 * sumsq_importance - 1e0 * sum_importance * sum_importance / n_importance)
                    / (n_importance - 1)
                ))
        end as importance_sd,
        case when n_performance > 0 then 1e0 * sum_performance / n_performance end
            as performance_mean,
        case
            when n_performance > 1
                then sqrt(greatest(
                    0e0,
                    (
                        1e0 * sumsq_performance
                        - 1e0 * sum_performance * sum_performance / n_performance
                    )
                    / (n_performance - 1)
                ))
        end as performance_sd
    from sums
),

with_se as (
    select
        *,
        case when n_importance > 1 then importance_sd / sqrt(n_importance) end as importance_se,
        case when n_performance > 1 then performance_sd / sqrt(n_performance) end
            as performance_se,
        n_importance >= {{ min_n }} as importance_is_reportable,
        n_performance >= {{ min_n }} as performance_is_reportable
    from moments
),

with_current as (
    select
        cell.*,
        cur.n_performance as current_n_performance,
        cur.performance_mean as current_performance_mean,
        cur.performance_se as current_performance_se,
        coalesce(cur.performance_is_reportable, false) as current_performance_is_reportable
    from with_se as cell
    left join with_se as cur
        on
            cell.quarter = cur.quarter
            and cell.driver = cur.driver
            and cur.respondent_group = 'current'
),

gaps as (
    select
        *,
        importance_mean - performance_mean as gap,
        sqrt(importance_se * importance_se + performance_se * performance_se) as gap_se,
        importance_mean - current_performance_mean as gap_vs_current,
        sqrt(importance_se * importance_se + current_performance_se * current_performance_se)
            as gap_vs_current_se
    from with_current
),

final as (
    select
        quarter,
        driver,
        respondent_group,
        n_importance,
        importance_mean,
        importance_mean - {{ z }} * importance_se as importance_ci_low,
        importance_mean + {{ z }} * importance_se as importance_ci_high,
        importance_is_reportable,
        n_importance_group_assumed,
        n_performance,
        performance_mean,
        performance_mean - {{ z }} * performance_se as performance_ci_low,
        performance_mean + {{ z }} * performance_se as performance_ci_high,
        performance_is_reportable,
        gap,
        gap - {{ z }} * gap_se as gap_ci_low,
        gap + {{ z }} * gap_se as gap_ci_high,
        {{ significant_if_reportable(
            'case when gap_se > 0 then gap / gap_se end',
            'importance_is_reportable',
            'performance_is_reportable',
        ) }} as gap_is_significant,
        current_n_performance,
        current_performance_mean,
        gap_vs_current,
        gap_vs_current - {{ z }} * gap_vs_current_se as gap_vs_current_ci_low,
        gap_vs_current + {{ z }} * gap_vs_current_se as gap_vs_current_ci_high,
        {{ significant_if_reportable(
            'case when gap_vs_current_se > 0 then gap_vs_current / gap_vs_current_se end',
            'importance_is_reportable',
            'current_performance_is_reportable',
        ) }} as gap_vs_current_is_significant
    from gaps
)

select * from final
