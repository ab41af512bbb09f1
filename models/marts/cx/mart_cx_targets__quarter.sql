-- The CX team's targets measured with the CX metrics: each target in each quarter it applies
-- to, its score with the interval and n, and the verdict (docs/metrics.md, "Targets"). A
-- quarter target is judged on its quarter's score; a year target on the year's pooled score
-- to date (the year's answers up to and including the quarter, so at Q4 the whole year, as
-- mart_cx_scores__year pools NPS).
{%- set min_n = var('min_reportable_n') %}
{%- set pct_metrics = ['csat', 'ces', 'cls'] %}

with targets as (
    select * from {{ ref('stg_targets__targets') }}
),

scores as (
    select * from {{ ref('mart_cx_scores__quarter') }}
),

-- The quarters the data has (every quarter with an answer has its all × all row).
data_quarters as (
    select distinct quarter_start from scores
),

quarter_numbers as (
    {%- for q in range(1, 5) %}
    select {{ q }} as quarter_number
    {%- if not loop.last %} union all{% endif %}
    {%- endfor %}
),

-- Each target in each quarter it applies to: its own quarter, or the four of its year.
target_quarters as (
    select
        targets.*,
        quarter_numbers.quarter_number,
        case targets.scope_type when 'segment' then targets.scope_value else 'all' end
            as segment,
        case targets.scope_type when 'touchpoint' then targets.scope_value else 'all' end
            as touchpoint,
        cast(
            {{ dbt.concat([
                "cast(targets.period_year as " ~ dbt.type_string() ~ ")",
                "'-'",
                "lpad(cast(3 * quarter_numbers.quarter_number - 2 as " ~ dbt.type_string() ~ "), 2, '0')",
                "'-01'",
            ]) }} as date
        ) as quarter_start
    from targets
    inner join quarter_numbers
        on
            targets.period_type = 'year'
            or targets.period_quarter = quarter_numbers.quarter_number
),

-- The counts behind each target's score: the quarter's own, or the year's to date.
pooled as (
    select
        target_quarters.target_key,
        target_quarters.quarter_start,
        count(scores.quarter_start) as n_quarters_pooled,
        cast(coalesce(sum(scores.n_nps), 0) as bigint) as n_nps,
        cast(coalesce(sum(scores.promoters), 0) as bigint) as promoters,
        cast(coalesce(sum(scores.detractors), 0) as bigint) as detractors,
        {%- for m in pct_metrics %}
        cast(coalesce(sum(scores.n_{{ m }}), 0) as bigint) as n_{{ m }},
        cast(coalesce(sum(scores.{{ m }}_top), 0) as bigint) as {{ m }}_top
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from target_quarters
    left join scores
        on
            target_quarters.segment = scores.segment
            and target_quarters.touchpoint = scores.touchpoint
            and target_quarters.quarter_start >= scores.quarter_start
            and (
                target_quarters.quarter_start = scores.quarter_start
                or (
                    target_quarters.period_type = 'year'
                    and extract(year from scores.quarter_start) = target_quarters.period_year
                )
            )
    group by target_quarters.target_key, target_quarters.quarter_start
),

measured as (
    select
        target_quarters.*,
        data_quarters.quarter_start is not null as quarter_has_data,
        pooled.n_quarters_pooled,
        case target_quarters.metric
            when 'nps' then pooled.n_nps
            {%- for m in pct_metrics %}
            when '{{ m }}' then pooled.n_{{ m }}
            {%- endfor %}
        end as n,
        case target_quarters.metric
            when 'nps' then {{ nps('pooled.promoters', 'pooled.detractors', 'pooled.n_nps') }}
            {%- for m in pct_metrics %}
            when '{{ m }}' then {{ pct('pooled.' ~ m ~ '_top', 'pooled.n_' ~ m) }}
            {%- endfor %}
        end as score,
        {%- for side in ['low', 'high'] %}
        case target_quarters.metric
            when 'nps'
                then {{ nps_ci('pooled.promoters', 'pooled.detractors', 'pooled.n_nps', side) }}
            {%- for m in pct_metrics %}
            when '{{ m }}' then {{ wilson_ci('pooled.' ~ m ~ '_top', 'pooled.n_' ~ m, side) }}
            {%- endfor %}
        end as ci_{{ side }}
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from target_quarters
    inner join pooled
        on
            target_quarters.target_key = pooled.target_key
            and target_quarters.quarter_start = pooled.quarter_start
    left join data_quarters
        on target_quarters.quarter_start = data_quarters.quarter_start
),

flagged as (
    select
        *,
        -- A quarter the data has not reached is not measured, whatever the year before it says.
        quarter_has_data and n >= {{ min_n }} as is_reportable
    from measured
),

final as (
    select
        target_key || '|' || {{ quarter_label('quarter_start') }} as target_quarter_key,
        target_key,
        metric,
        scope_type,
        scope_value,
        segment,
        touchpoint,
        period,
        period_type,
        {{ quarter_label('quarter_start') }} as quarter,
        quarter_start,
        case period_type when 'year' then 'year_to_date' else 'quarter' end as evaluated_on,
        period_type = 'quarter' or quarter_number = 4 as is_whole_period,
        n_quarters_pooled,
        target,
        score,
        ci_low,
        ci_high,
        n,
        is_reportable,
        score - target as gap_to_target,
        {{ target_verdict('score', 'target', 'is_reportable') }} as verdict,
        {{ target_missed_beyond_interval('score', 'ci_high', 'target', 'is_reportable') }}
            as missed_beyond_interval,
        note,
        owner
    from flagged
)

select * from final
