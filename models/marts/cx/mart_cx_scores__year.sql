-- NPS per calendar year × segment × touchpoint (with the 'all' rollups of the quarterly mart),
-- both ways docs/metrics.md names ("Annual figure"): pooled over the year's answers, with its
-- adjusted-Wald interval, and the mean of the four quarterly NPS, given only when the year has
-- all four and flagged reportable only when all four quarters are.
{%- set min_n = var('min_reportable_n') %}

with quarters as (
    select * from {{ ref('mart_cx_scores__quarter') }}
),

counted as (
    select
        cast(extract(year from quarter_start) as int) as year,
        segment,
        touchpoint,
        count(*) as n_quarters,
        cast(sum(n_nps) as bigint) as n_nps,
        cast(sum(promoters) as bigint) as promoters,
        cast(sum(passives) as bigint) as passives,
        cast(sum(detractors) as bigint) as detractors,
        count(nps) as n_quarters_with_nps,
        count(case when is_reportable then 1 end) as n_reportable_quarters,
        -- Each quarter's NPS by its place in the year, so the mean adds them in one fixed
        -- order: avg() over threads may add them in any order and differ in the last bit.
        {%- for q in range(1, 5) %}
        max(case when extract(quarter from quarter_start) = {{ q }} then nps end) as nps_q{{ q }}
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from quarters
    group by cast(extract(year from quarter_start) as int), segment, touchpoint
),

final as (
    select
        cast(year as {{ dbt.type_string() }}) || '|' || segment || '|' || touchpoint as year_key,
        year,
        segment,
        touchpoint,
        n_quarters,
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
        n_quarters_with_nps,
        n_reportable_quarters,
        nps_q1,
        nps_q2,
        nps_q3,
        nps_q4,
        (nps_q1 + nps_q2 + nps_q3 + nps_q4) / 4e0 as nps_quarterly_mean,
        n_reportable_quarters = 4 as nps_quarterly_mean_is_reportable
    from counted
)

select * from final
