{#- Metric formulas, each written once (docs/metrics.md is their specification).
    Constants are double literals (100e0, not 100.0): a decimal literal makes the arithmetic
    DECIMAL, which DuckDB turns into a double at the first division but Spark keeps, and Spark
    may round a decimal quotient to 6 places; doubles give both engines the same numbers. -#}

{#- NPS = 100 * (P - D) / n over answers to the NPS question only. -#}
{% macro nps(promoters, detractors, n) -%}
    case when {{ n }} > 0 then 100e0 * ({{ promoters }} - {{ detractors }}) / {{ n }} end
{%- endmacro %}

{#- Adjusted-Wald (Rocks 2016): add 3/4 to P and to D and 3 to n. -#}
{% macro nps_adjusted(promoters, detractors, n) -%}
    (100e0 * ({{ promoters }} - {{ detractors }}) / ({{ n }} + 3))
{%- endmacro %}

{% macro nps_adjusted_se(promoters, detractors, n) -%}
    (100e0 * sqrt(
        (({{ promoters }} + 0.75e0) / ({{ n }} + 3e0)
            + ({{ detractors }} + 0.75e0) / ({{ n }} + 3e0)
        - power(({{ promoters }} - {{ detractors }}) / ({{ n }} + 3e0), 2))
        / ({{ n }} + 3e0)
    ))
{%- endmacro %}

{#- 95 % adjusted-Wald interval, clipped to the scale; side is 'low' or 'high'. -#}
{% macro nps_ci(promoters, detractors, n, side) -%}
    {%- set z = var('significance_z') -%}
    case when {{ n }} > 0 then
        {% if side == 'low' -%}
        greatest(-100e0, {{ nps_adjusted(promoters, detractors, n) }}
            - {{ z }} * {{ nps_adjusted_se(promoters, detractors, n) }})
        {%- else -%}
        least(100e0, {{ nps_adjusted(promoters, detractors, n) }}
            + {{ z }} * {{ nps_adjusted_se(promoters, detractors, n) }})
        {%- endif %}
    end
{%- endmacro %}

{#- Share of k in n, in percent (top-box CSAT, CES, CLS). -#}
{% macro pct(k, n) -%}
    case when {{ n }} > 0 then 100e0 * {{ k }} / {{ n }} end
{%- endmacro %}

{#- Wilson score interval for k of n, in percent; side is 'low' or 'high'. At k = 0 or k = n
    the bound is exactly 0 or 100, which floating point can miss by one unit in the last place:
    clipped to the scale, as nps_ci is. -#}
{% macro wilson_ci(k, n, side) -%}
    {%- set z = var('significance_z') -%}
    {%- set p = '(1e0 * ' ~ k ~ ' / ' ~ n ~ ')' -%}
    case when {{ n }} > 0 then
        {{ 'greatest(0e0, ' if side == 'low' else 'least(100e0, ' }}100e0 * (
            {{ p }} + {{ z }} * {{ z }} / (2e0 * {{ n }})
            {{ '-' if side == 'low' else '+' }} {{ z }} * sqrt(
                {{ p }} * (1 - {{ p }}) / {{ n }} + {{ z }} * {{ z }} / (4e0 * {{ n }} * {{ n }})
            )
        ) / (1 + {{ z }} * {{ z }} / {{ n }}))
    end
{%- endmacro %}

{#- Standard error of a percentage (unpooled), in points. -#}
{% macro pct_se(pct_value, n) -%}
    case when {{ n }} > 0 then sqrt({{ pct_value }} * (100e0 - {{ pct_value }}) / {{ n }}) end
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
