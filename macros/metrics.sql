{#- Metric formulas, each written once (../shared/METRICS.md is their specification). -#}

{#- NPS = 100 * (P - D) / n over answers to the NPS question only. -#}
{% macro nps(promoters, detractors, n) -%}
    case when {{ n }} > 0 then 100.0 * ({{ promoters }} - {{ detractors }}) / {{ n }} end
{%- endmacro %}

{#- Adjusted-Wald (Rocks 2016): add 3/4 to P and to D and 3 to n. -#}
{% macro nps_adjusted(promoters, detractors, n) -%}
    (100.0 * ({{ promoters }} - {{ detractors }}) / ({{ n }} + 3))
{%- endmacro %}

{% macro nps_adjusted_se(promoters, detractors, n) -%}
    (100.0 * sqrt(
        (({{ promoters }} + 0.75) / ({{ n }} + 3.0) + ({{ detractors }} + 0.75) / ({{ n }} + 3.0)
        - power(({{ promoters }} - {{ detractors }}) / ({{ n }} + 3.0), 2))
        / ({{ n }} + 3.0)
    ))
{%- endmacro %}

{#- 95 % adjusted-Wald interval, clipped to the scale; side is 'low' or 'high'. -#}
{% macro nps_ci(promoters, detractors, n, side) -%}
    {%- set z = var('significance_z') -%}
    case when {{ n }} > 0 then
        {% if side == 'low' -%}
        greatest(-100.0, {{ nps_adjusted(promoters, detractors, n) }}
            - {{ z }} * {{ nps_adjusted_se(promoters, detractors, n) }})
        {%- else -%}
        least(100.0, {{ nps_adjusted(promoters, detractors, n) }}
            + {{ z }} * {{ nps_adjusted_se(promoters, detractors, n) }})
        {%- endif %}
    end
{%- endmacro %}

{#- Share of k in n, in percent (top-box CSAT, CES, CLS). -#}
{% macro pct(k, n) -%}
    case when {{ n }} > 0 then 100.0 * {{ k }} / {{ n }} end
{%- endmacro %}

{#- Wilson score interval for k of n, in percent; side is 'low' or 'high'. -#}
{% macro wilson_ci(k, n, side) -%}
    {%- set z = var('significance_z') -%}
    {%- set p = '(1.0 * ' ~ k ~ ' / ' ~ n ~ ')' -%}
    case when {{ n }} > 0 then
        100.0 * (
            {{ p }} + {{ z }} * {{ z }} / (2.0 * {{ n }})
            {{ '-' if side == 'low' else '+' }} {{ z }} * sqrt(
                {{ p }} * (1 - {{ p }}) / {{ n }} + {{ z }} * {{ z }} / (4.0 * {{ n }} * {{ n }})
            )
        ) / (1 + {{ z }} * {{ z }} / {{ n }})
    end
{%- endmacro %}

{#- Standard error of a percentage (unpooled), in points. -#}
{% macro pct_se(pct_value, n) -%}
    case when {{ n }} > 0 then sqrt({{ pct_value }} * (100.0 - {{ pct_value }}) / {{ n }}) end
{%- endmacro %}

{#- z of the change between two independent estimates; NULL when it cannot be computed. -#}
{% macro change_z(current, previous, se_current, se_previous) -%}
    case
        when ({{ se_current }} * {{ se_current }} + {{ se_previous }} * {{ se_previous }}) > 0
            then ({{ current }} - {{ previous }})
            / sqrt({{ se_current }} * {{ se_current }} + {{ se_previous }} * {{ se_previous }})
    end
{%- endmacro %}

{% macro is_significant(z) -%}
    case when {{ z }} is not null then abs({{ z }}) >= {{ var('significance_z') }} end
{%- endmacro %}

{#- NPS group of a 0-10 answer. -#}
{% macro nps_group(score) -%}
    case
        when {{ score }} >= 9 then 'promoter'
        when {{ score }} >= 7 then 'passive'
        when {{ score }} >= 0 then 'detractor'
    end
{%- endmacro %}
