-- The measured effect of each improvement action: its target's metric in the quarter it was
-- decided (the baseline) and in every quarter after the one it was done in, with n, the change
-- vs the baseline and its significance (docs/metrics.md). Tagged after_analytics: driver targets
-- read mart_key_drivers__quarter, which the second dbt op builds.
{{ config(tags=['after_analytics']) }}
{#- Touchpoint and segment targets: (metric, n, value, tested value, SE, reportable, k) columns
    of mart_cx_scores__quarter. NPS is tested on its adjusted-Wald value and SE; a share (k of n)
    with the pooled two-proportion SE (pooled_change_z), so its SE column is empty. #}
{%- set score_metrics = [
    ('nps', 'n_nps', 'nps', 'nps_adjusted', 'nps_adjusted_se', 'is_reportable', 'null'),
    ('csat_pct', 'n_csat', 'csat_pct', 'csat_pct', 'null', 'csat_is_reportable', 'csat_top'),
    ('ces_pct', 'n_ces', 'ces_pct', 'ces_pct', 'null', 'ces_is_reportable', 'ces_top'),
] %}

with actions as (
    select * from {{ ref('stg_improvement_actions__actions') }}
),

scores as (
    select * from {{ ref('mart_cx_scores__quarter') }}
),

drivers as (
    select * from {{ ref('mart_key_drivers__quarter') }}
    where segment = 'all' and touchpoint = 'all'
),

themes as (
    select * from {{ ref('mart_themes__quarter') }}
    where touchpoint = 'all'
),

responses as (
    select * from {{ ref('fct_survey_responses') }}
),

driver_scores as (
    select * from {{ ref('stg_survey__driver_scores') }}
),

-- The metrics each target type is measured on; the primary one judges the action.
target_metrics as (
    {%- for target_type, metric, is_primary in [
        ('touchpoint', 'nps', true), ('touchpoint', 'csat_pct', false),
        ('touchpoint', 'ces_pct', false), ('segment', 'nps', true),
        ('segment', 'csat_pct', false), ('segment', 'ces_pct', false),
        ('driver', 'driver_mean', true), ('theme', 'share_of_comments_pct', true),
    ] %}
    select
        '{{ target_type }}' as target_type,
        '{{ metric }}' as metric,
        {{ is_primary }} as is_primary_metric
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

data_quarters as (
    select distinct quarter_start from scores
),

latest_quarter as (
    select max(quarter_start) as latest_quarter_start from data_quarters
),

-- A driver target is measured from the earlier of its decided and done quarters on. The SE
-- below is per quarter, so the quarters before the earliest of these (all of them, when no
-- action targets a driver) are left out: no number changes, and a build skips reading every
-- driver rating of every quarter (40 M rows at 10 M answers).
driver_target_quarters as (
    select
        min(least(decided_quarter_start, coalesce(done_quarter_start, decided_quarter_start)))
            as first_quarter_start
    from actions
    where target_type = 'driver'
),

-- The driver mart holds means, not spreads: the SE of each mean comes from the same answers
-- (NPS answered, every driver of the quarter rated: drivers.py's complete cases).
driver_answers as (
    select
        responses.quarter_start,
        responses.response_id,
        driver_scores.driver,
        driver_scores.score
    from driver_scores
    inner join responses
        on driver_scores.response_id = responses.response_id
    where
        responses.nps_score is not null
        and driver_scores.score is not null
        and responses.quarter_start
        >= (select driver_target_quarters.first_quarter_start from driver_target_quarters)
),

quarter_drivers as (
    select
        quarter_start,
        count(distinct driver) as n_drivers
    from driver_answers
    group by quarter_start
),

complete_answers as (
    select
        driver_answers.quarter_start,
        driver_answers.response_id
    from driver_answers
    inner join quarter_drivers
        on driver_answers.quarter_start = quarter_drivers.quarter_start
    group by driver_answers.quarter_start, driver_answers.response_id, quarter_drivers.n_drivers
    having count(distinct driver_answers.driver) = quarter_drivers.n_drivers
),

driver_spread as (
    select
        driver_answers.quarter_start,
        driver_answers.driver,
        -- stddev_samp from exact integer sums (scores are integers): the same bits whatever
        -- order the join hands the rows in (stddev_samp's running update depends on it).
        case
            when count(*) > 1
                then sqrt(
                    (
                        count(*) * sum(driver_answers.score * driver_answers.score)
                        - sum(driver_answers.score) * sum(driver_answers.score)
                    )
                    / (count(*) * (count(*) - 1.0))
                ) / sqrt(count(*))
        end as driver_mean_se
    from driver_answers
    inner join complete_answers
        on
            driver_answers.quarter_start = complete_answers.quarter_start
            and driver_answers.response_id = complete_answers.response_id
    group by driver_answers.quarter_start, driver_answers.driver
),

-- Every target's metrics per quarter in one long shape.
target_values as (
    {%- for metric, n, value, tested, se, reportable, k in score_metrics %}
    {%- for target, other in [('touchpoint', 'segment'), ('segment', 'touchpoint')] %}
    select
        '{{ target }}' as target_type,
        {{ target }} as target_value,
        '{{ metric }}' as metric,
        quarter_start,
        {{ n }} as n,
        {{ value }} as value,
        {{ tested }} as tested_value,
        cast({{ se }} as double) as se,
        cast({{ k }} as bigint) as k,
        {{ reportable }} as is_reportable
    from scores
    where {{ other }} = 'all' and {{ target }} != 'all'
    union all
    {%- endfor %}
    {%- endfor %}
    select
        'driver' as target_type,
        drivers.driver as target_value,
        'driver_mean' as metric,
        drivers.quarter_start,
        drivers.n,
        drivers.driver_mean as value,
        drivers.driver_mean as tested_value,
        driver_spread.driver_mean_se as se,
        cast(null as bigint) as k,
        drivers.is_reportable
    from drivers
    left join driver_spread
        on
            drivers.quarter_start = driver_spread.quarter_start
            and drivers.driver = driver_spread.driver
    union all
    select
        'theme' as target_type,
        theme_id as target_value,
        'share_of_comments_pct' as metric,
        quarter_start,
        n_comments as n,
        share_of_comments_pct as value,
        share_of_comments_pct as tested_value,
        cast(null as double) as se,
        n_mentions as k,
        is_reportable
    from themes
),

action_metrics as (
    select
        actions.*,
        target_metrics.metric,
        target_metrics.is_primary_metric
    from actions
    inner join target_metrics
        on actions.target_type = target_metrics.target_type
),

-- The baseline (the decided quarter) and every quarter with data after the done quarter.
measured_quarters as (
    select
        action_metrics.*,
        action_metrics.decided_quarter_start as quarter_start,
        true as is_baseline
    from action_metrics
    union all
    select
        action_metrics.*,
        data_quarters.quarter_start,
        false as is_baseline
    from action_metrics
    inner join data_quarters
        on
            action_metrics.done_quarter_start < data_quarters.quarter_start
            and action_metrics.status = 'done'
),

compared as (
    select
        measured_quarters.*,
        coalesce(cur.n, 0) as n,
        cur.value,
        coalesce(base.n, 0) as baseline_n,
        base.value as baseline_value,
        case when not measured_quarters.is_baseline then cur.value - base.value end as change,
        case
            when measured_quarters.is_baseline then null
            when cur.k is not null and base.k is not null
                then {{ pooled_change_z('cur.k', 'cur.n', 'base.k', 'base.n') }}
            else {{ change_z('cur.tested_value', 'base.tested_value', 'cur.se', 'base.se') }}
        end as change_z,
        coalesce(cur.is_reportable, false)
        and coalesce(base.is_reportable, false) as is_reportable,
        count(case when not measured_quarters.is_baseline then 1 end) over (
            partition by measured_quarters.action_id, measured_quarters.metric
        ) as n_quarters_after_done
    from measured_quarters
    left join target_values as cur
        on
            measured_quarters.target_type = cur.target_type
            and measured_quarters.target_value = cur.target_value
            and measured_quarters.metric = cur.metric
            and measured_quarters.quarter_start = cur.quarter_start
    left join target_values as base
        on
            measured_quarters.target_type = base.target_type
            and measured_quarters.target_value = base.target_value
            and measured_quarters.metric = base.metric
            and measured_quarters.decided_quarter_start = base.quarter_start
),

final as (
    select
        compared.action_id || '|' || compared.metric || '|'
        || {{ quarter_label('compared.quarter_start') }} as effect_key,
        compared.action_id,
        compared.proposal_id,
        compared.target_type,
        compared.target_value,
        compared.description,
        compared.owner,
        compared.status,
        compared.decided_on,
        compared.done_on,
        {{ quarter_label('compared.decided_quarter_start') }} as decided_quarter,
        case
            when compared.done_quarter_start is not null
                then {{ quarter_label('compared.done_quarter_start') }}
        end as done_quarter,
        {{ quarter_label('compared.quarter_start') }} as quarter,
        compared.quarter_start,
        compared.is_baseline,
        case
            when not compared.is_baseline
                then {{ quarters_between('compared.done_quarter_start', 'compared.quarter_start') }}
        end as quarters_after_done,
        compared.metric,
        compared.is_primary_metric,
        compared.n,
        compared.value,
        compared.baseline_n,
        compared.baseline_value,
        compared.change,
        compared.change_z,
        case
            when compared.is_reportable then {{ is_significant('compared.change_z') }}
        end as is_significant,
        compared.is_reportable,
        case
            when compared.status = 'dropped' then 'dropped'
            when compared.status != 'done' then 'not_done_yet'
            when compared.n_quarters_after_done = 0 then 'no_data_after_done'
            when not compared.is_reportable then 'too_few_answers'
            when compared.is_baseline then 'baseline'
            else 'measured'
        end as effect_status,
        compared.status in ('planned', 'in_progress')
        and {{ quarters_between('compared.decided_quarter_start',
                               'latest_quarter.latest_quarter_start') }} > 2 as is_overdue
    from compared
    cross join latest_quarter
)

select * from final
