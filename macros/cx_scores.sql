{#- The score marts' two steps, written once for every cut of the answers (docs/metrics.md).
    cx_score_counts: answer counts per quarter × the dims, with 'all' rollups (grouping is
    'cube' for every combination, 'rollup' for a hierarchy such as survey type → survey).
    cx_scores: NPS, CSAT, CES and CLS from those counts: n, shares, intervals, reportability
    and the change vs the previous quarter and a year earlier with its significance.
    mart_cx_scores__quarter cuts by segment × touchpoint, mart_cx_scores__survey_quarter by
    survey type × survey programme. Each emits CTEs ending in `select * from final`: the
    model writes its import CTEs and then calls the macro, e.g.
        with counts as (select * from {{ ref('int_cx_scores__counts') }}),
        {{ cx_scores('counts', ['segment', 'touchpoint']) }} -#}

{% macro cx_score_counts(responses, dims, grouping) -%}
counted as (
    select
        quarter_start,
        {%- for d in dims %}
        case when grouping({{ d }}) = 1 then 'all' else {{ d }} end as {{ d }},
        {%- endfor %}
        count(*) as n_responses,
        count(nps_score) as n_nps,
        sum(case when nps_group = 'promoter' then 1 else 0 end) as promoters,
        sum(case when nps_group = 'passive' then 1 else 0 end) as passives,
        sum(case when nps_group = 'detractor' then 1 else 0 end) as detractors,
        count(csat_score) as n_csat,
        sum(case when is_csat_top2 then 1 else 0 end) as csat_top,
        sum(csat_score) as csat_sum,
        count(ces_score) as n_ces,
        sum(case when is_ces_top then 1 else 0 end) as ces_top,
        sum(ces_score) as ces_sum,
        count(loyalty_score) as n_cls,
        sum(case when is_cls_top2 then 1 else 0 end) as cls_top,
        sum(loyalty_score) as cls_sum
    from {{ responses }}
    group by quarter_start, {{ grouping }}({{ dims | join(', ') }})
),

final as (
    select
        {{ quarter_label('quarter_start') }} as quarter,
        *
    from counted
)

select * from final
{%- endmacro %}

{% macro cx_scores(counts, dims) -%}
{%- set pct_metrics = ['csat', 'ces', 'cls'] %}
{%- set min_n = var('min_reportable_n') %}
{#- Two comparisons: the previous quarter and the same quarter a year earlier. #}
{%- set comparisons = [('prev', ''), ('yoy', 'yoy_')] %}

metrics as (
    select
        quarter,
        quarter_start,
        {%- for d in dims %}
        {{ d }},
        {%- endfor %}
        n_responses,
        n_nps,
        promoters,
        passives,
        detractors,
        {%- for g in ['promoters', 'passives', 'detractors'] %}
        {{ pct(g, 'n_nps') }} as {{ g }}_pct,
        {%- endfor %}
        {{ nps('promoters', 'detractors', 'n_nps') }} as nps,
        {{ nps_adjusted('promoters', 'detractors', 'n_nps') }} as nps_adjusted,
        {{ nps_adjusted_se('promoters', 'detractors', 'n_nps') }} as nps_adjusted_se,
        {{ nps_ci('promoters', 'detractors', 'n_nps', 'low') }} as nps_ci_low,
        {{ nps_ci('promoters', 'detractors', 'n_nps', 'high') }} as nps_ci_high,
        n_nps >= {{ min_n }} as is_reportable,
        {%- for m in pct_metrics %}
        n_{{ m }},
        {{ m }}_top,
        {{ pct(m ~ '_top', 'n_' ~ m) }} as {{ m }}_pct,
        case when n_{{ m }} > 0 then 1e0 * {{ m }}_sum / n_{{ m }} end as {{ m }}_mean,
        {{ wilson_ci(m ~ '_top', 'n_' ~ m, 'low') }} as {{ m }}_ci_low,
        {{ wilson_ci(m ~ '_top', 'n_' ~ m, 'high') }} as {{ m }}_ci_high,
        n_{{ m }} >= {{ min_n }} as {{ m }}_is_reportable
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from {{ counts }}
),

with_previous as (
    select
        cur.*,
        {%- for name, p in comparisons %}
        {{ name }}.quarter as {{ 'previous' if name == 'prev' else 'yoy' }}_quarter,
        {{ name }}.n_nps as {{ 'previous' if name == 'prev' else 'yoy' }}_n_nps,
        {{ name }}.nps as nps_{{ p }}prev,
        {{ name }}.is_reportable as nps_{{ p }}prev_is_reportable,
        cur.nps - {{ name }}.nps as nps_{{ p }}change,
        cur.nps_adjusted - {{ name }}.nps_adjusted as nps_{{ p }}adjusted_change,
        {{ change_z('cur.nps_adjusted', name ~ '.nps_adjusted',
                    'cur.nps_adjusted_se', name ~ '.nps_adjusted_se') }} as nps_{{ p }}change_z,
        {%- for m in pct_metrics %}
        {{ name }}.{{ m }}_pct as {{ m }}_{{ p }}prev,
        {{ name }}.{{ m }}_is_reportable as {{ m }}_{{ p }}prev_is_reportable,
        cur.{{ m }}_pct - {{ name }}.{{ m }}_pct as {{ m }}_{{ p }}change,
        {{ pooled_change_z('cur.' ~ m ~ '_top', 'cur.n_' ~ m,
                           name ~ '.' ~ m ~ '_top', name ~ '.n_' ~ m) }} as {{ m }}_{{ p }}change_z,
        {%- endfor %}
        {%- endfor %}
        case
            when cur.nps is null then null
            when cur.nps < 0 then 'needs_work'
            when cur.nps < 30 then 'good'
            when cur.nps < 70 then 'excellent'
            else 'world_class'
        end as nps_band
    from metrics as cur
    left join metrics as prev
        on
            cast({{ dbt.dateadd('month', -3, 'cur.quarter_start') }} as date) = prev.quarter_start
            {%- for d in dims %}
            and cur.{{ d }} = prev.{{ d }}
            {%- endfor %}
    left join metrics as yoy
        on
            cast({{ dbt.dateadd('month', -12, 'cur.quarter_start') }} as date) = yoy.quarter_start
            {%- for d in dims %}
            and cur.{{ d }} = yoy.{{ d }}
            {%- endfor %}
),

final as (
    select
        quarter,
        quarter_start,
        {%- for d in dims %}
        {{ d }},
        {%- endfor %}
        n_responses,
        n_nps,
        promoters,
        passives,
        detractors,
        promoters_pct,
        passives_pct,
        detractors_pct,
        nps,
        nps_adjusted,
        nps_adjusted_se,
        nps_ci_low,
        nps_ci_high,
        is_reportable,
        {%- for m in pct_metrics %}
        n_{{ m }},
        {{ m }}_top,
        {{ m }}_pct,
        {{ m }}_mean,
        {{ m }}_ci_low,
        {{ m }}_ci_high,
        {{ m }}_is_reportable,
        {%- endfor %}
        nps_band,
        previous_quarter,
        previous_n_nps,
        nps_prev,
        nps_change,
        nps_adjusted_change,
        nps_change_z,
        {{ significant_if_reportable('nps_change_z', 'is_reportable', 'nps_prev_is_reportable') }}
            as nps_is_significant_change,
        {%- for m in pct_metrics %}
        {{ m }}_prev,
        {{ m }}_change,
        {{ m }}_change_z,
        {{ significant_if_reportable(m ~ '_change_z', m ~ '_is_reportable',
                                     m ~ '_prev_is_reportable') }} as {{ m }}_is_significant_change,
        {%- endfor %}
        yoy_quarter,
        yoy_n_nps,
        nps_yoy_prev,
        nps_yoy_change,
        nps_yoy_change_z,
        {{ significant_if_reportable('nps_yoy_change_z', 'is_reportable',
                                     'nps_yoy_prev_is_reportable') }}
            as nps_yoy_is_significant_change,
        {%- for m in pct_metrics %}
        {{ m }}_yoy_prev,
        {{ m }}_yoy_change,
        {{ m }}_yoy_change_z,
        {{ significant_if_reportable(m ~ '_yoy_change_z', m ~ '_is_reportable',
                                     m ~ '_yoy_prev_is_reportable') }}
            as {{ m }}_yoy_is_significant_change,
        {%- endfor %}
        quarter{% for d in dims %} || '|' || {{ d }}{% endfor %} as score_key
    from with_previous
)

select * from final
{%- endmacro %}
