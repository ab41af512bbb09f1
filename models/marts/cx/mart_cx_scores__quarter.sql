-- NPS, CSAT, CES and CLS per quarter × segment × touchpoint (with 'all' rollups): n,
-- intervals, reportability and the change vs the previous quarter with its significance.
{%- set pct_metrics = ['csat', 'ces', 'cls'] %}
{%- set min_n = var('min_reportable_n') %}

with counts as (
    select * from {{ ref('int_cx_scores__counts') }}
),

metrics as (
    select
        quarter,
        quarter_start,
        segment,
        touchpoint,
        n_responses,
        n_nps,
        promoters,
        passives,
        detractors,
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
        case when n_{{ m }} > 0 then 1.0 * {{ m }}_sum / n_{{ m }} end as {{ m }}_mean,
        {{ wilson_ci(m ~ '_top', 'n_' ~ m, 'low') }} as {{ m }}_ci_low,
        {{ wilson_ci(m ~ '_top', 'n_' ~ m, 'high') }} as {{ m }}_ci_high,
        n_{{ m }} >= {{ min_n }} as {{ m }}_is_reportable,
        {%- endfor %}
        {{ dbt.dateadd('month', -3, 'quarter_start') }} as previous_quarter_start
    from counts
),

with_previous as (
    select
        cur.*,
        prev.quarter as previous_quarter,
        prev.nps as nps_prev,
        cur.nps - prev.nps as nps_change,
        cur.nps_adjusted - prev.nps_adjusted as nps_adjusted_change,
        {{ change_z('cur.nps_adjusted', 'prev.nps_adjusted',
                    'cur.nps_adjusted_se', 'prev.nps_adjusted_se') }} as nps_change_z,
        {%- for m in pct_metrics %}
        prev.{{ m }}_pct as {{ m }}_prev,
        cur.{{ m }}_pct - prev.{{ m }}_pct as {{ m }}_change,
        {{ change_z('cur.' ~ m ~ '_pct', 'prev.' ~ m ~ '_pct',
                    pct_se('cur.' ~ m ~ '_pct', 'cur.n_' ~ m),
                    pct_se('prev.' ~ m ~ '_pct', 'prev.n_' ~ m)) }} as {{ m }}_change_z,
        {%- endfor %}
        prev.n_nps as previous_n_nps
    from metrics as cur
    left join metrics as prev
        on
            cast(cur.previous_quarter_start as date) = prev.quarter_start
            and cur.segment = prev.segment
            and cur.touchpoint = prev.touchpoint
),

final as (
    select
        quarter,
        quarter_start,
        segment,
        touchpoint,
        n_responses,
        n_nps,
        promoters,
        passives,
        detractors,
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
        previous_quarter,
        previous_n_nps,
        nps_prev,
        nps_change,
        nps_adjusted_change,
        nps_change_z,
        {{ is_significant('nps_change_z') }} as nps_is_significant_change,
        {%- for m in pct_metrics %}
        {{ m }}_prev,
        {{ m }}_change,
        {{ m }}_change_z,
        {{ is_significant(m ~ '_change_z') }} as {{ m }}_is_significant_change,
        {%- endfor %}
        quarter || '|' || segment || '|' || touchpoint as score_key
    from with_previous
)

select * from final
