-- The quarter's movers as one family of tests, with the raw and the Holm-adjusted p-value.
--
-- A quarter's candidates are the changes the report's "Significant changes" may list: NPS,
-- CSAT %, CES % and CLS % of every one-dimension cell (a segment, or a touchpoint, the other
-- dimension 'all') and of all customers, vs the previous quarter; and NPS vs the same quarter
-- a year earlier. Only comparisons whose two cells are both reportable are tested. The
-- all-customers NPS change (vs the previous quarter and vs a year earlier) is the report's
-- headline: each is a single pre-declared test, outside the family, with p_adjusted = p_value.
-- In a quarter with answers of more than one survey type (relationship and transactional) the
-- all-customers cell is replaced by the survey types (mart_cx_scores__survey_quarter): each
-- type's NPS change is a headline test, and the programmes of a type that has several are
-- candidates of the family. Segment and touchpoint cells stay across programmes.
-- Everything else in the quarter is one family, controlled for the family-wise error rate by
-- Holm's step-down method: sort the m p-values ascending, p_(i) → min(1, max over j ≤ i of
-- (m − j + 1) p_(j)); significant when the adjusted p is below alpha, the two-sided level of
-- var('significance_z') (0.05 at 1.96).
{%- set metrics = ['nps', 'csat', 'ces', 'cls'] %}
{%- set previous_only = [('previous', 'previous_quarter', '')] %}
{%- set with_yoy = previous_only + [('year_earlier', 'yoy_quarter', 'yoy_')] %}

{%- set score_columns = ['quarter', 'quarter_start', 'previous_quarter', 'yoy_quarter'] %}
{%- for m in metrics %}
{%- set _ = score_columns.extend([
    'nps' if m == 'nps' else m ~ '_pct', 'n_nps' if m == 'nps' else 'n_' ~ m,
    m ~ '_prev', m ~ '_change', m ~ '_change_z', m ~ '_is_significant_change']) %}
{%- if m == 'nps' %}
{%- set _ = score_columns.extend(
    ['nps_yoy_prev', 'nps_yoy_change', 'nps_yoy_change_z', 'nps_yoy_is_significant_change']) %}
{%- endif %}
{%- endfor %}

with cells as (
    select
        {{ score_columns | join(',\n        ') }},
        segment,
        touchpoint,
        'all' as survey_type,
        'all' as survey
    from {{ ref('mart_cx_scores__quarter') }}
    where segment = 'all' or touchpoint = 'all'
),

survey_scores as (
    select * from {{ ref('mart_cx_scores__survey_quarter') }}
    where survey_type <> 'all'
),

-- Quarters whose answers came from more than one survey type (relationship and transactional):
-- their all-customers figures pool different questions asked of different people at different
-- moments, so the headline tests and the programmes' changes are per survey type instead.
split_quarters as (
    select quarter
    from survey_scores
    where survey = 'all'
    group by quarter
    having count(*) > 1
),

-- A type with several programmes in the quarter: each programme is a candidate too.
split_types as (
    select
        quarter,
        survey_type
    from survey_scores
    where survey <> 'all'
    group by quarter, survey_type
    having count(*) > 1
),

programmes as (
    select
        {%- for c in score_columns %}
        survey_scores.{{ c }},
        {%- endfor %}
        'all' as segment,
        'all' as touchpoint,
        survey_scores.survey_type,
        survey_scores.survey
    from survey_scores
    left join split_types
        on
            survey_scores.quarter = split_types.quarter
            and survey_scores.survey_type = split_types.survey_type
    where
        survey_scores.quarter in (select quarter from split_quarters)
        and (survey_scores.survey = 'all' or split_types.quarter is not null)
),

scores as (
    select * from cells
    where
        not (segment = 'all' and touchpoint = 'all')
        or quarter not in (select quarter from split_quarters)
    union all
    select * from programmes
),

candidates as (
    {%- for m in metrics %}
    {%- set reportable = 'is_reportable' if m == 'nps' else m ~ '_is_reportable' %}
    {%- set value = 'nps' if m == 'nps' else m ~ '_pct' %}
    {%- set n = 'n_nps' if m == 'nps' else 'n_' ~ m %}
    {%- for kind, other, p in (with_yoy if m == 'nps' else previous_only) %}
    select
        quarter,
        quarter_start,
        segment,
        touchpoint,
        survey_type,
        survey,
        '{{ m }}' as metric,
        '{{ kind }}' as comparison,
        {{ other }} as other_quarter,
        {{ value }} as value,
        {{ n }} as n,
        {{ m }}_{{ p }}prev as other_value,
        {{ m }}_{{ p }}change as change,
        {{ m }}_{{ p }}change_z as change_z,
        segment = 'all' and touchpoint = 'all' and survey = 'all' and '{{ m }}' = 'nps'
            as is_headline
    from scores
    where {{ m }}_{{ p }}is_significant_change is not null
    {%- if not (loop.last and m == metrics[-1]) %}
    union all
    {%- endif %}
    {%- endfor %}
    {%- endfor %}
),

tested as (
    select
        *,
        {{ two_sided_p('change_z') }} as p_value
    from candidates
),

ranked as (
    select
        *,
        count(*) over (partition by quarter, is_headline) as family_size,
        row_number() over (
            partition by quarter, is_headline
            order by p_value, metric, comparison, segment, touchpoint, survey_type, survey
        ) as p_rank
    from tested
),

adjusted as (
    select
        *,
        case
            when is_headline then p_value
            else least(1e0, max((family_size - p_rank + 1) * p_value) over (
                partition by quarter, is_headline
                order by p_rank
                rows between unbounded preceding and current row
            ))
        end as p_adjusted
    from ranked
),

final as (
    select
        quarter || '|' || segment || '|' || touchpoint || '|' || survey_type || '|' || survey
        || '|' || metric || '|' || comparison as mover_key,
        quarter,
        quarter_start,
        segment,
        touchpoint,
        survey_type,
        survey,
        metric,
        comparison,
        other_quarter,
        value,
        n,
        other_value,
        change,
        change_z,
        p_value,
        is_headline,
        case when is_headline then 1 else family_size end as family_size,
        p_adjusted,
        p_value <= {{ two_sided_p(var("significance_z")) }} as is_significant_raw,
        p_adjusted <= {{ two_sided_p(var("significance_z")) }} as is_significant
    from adjusted
)

select * from final
