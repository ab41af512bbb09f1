{#- Metric formulas, each written once (docs/metrics.md is their specification).
    Constants are double literals (100e0, not 100.0): a decimal literal makes the arithmetic
    DECIMAL, which DuckDB turns into a double at the first division but Spark keeps, and Spark
    may round a decimal quotient to 6 places; doubles give both engines the same numbers. -#}

{#- NPS = 100 * (P - D) / n over answers to the NPS question only. -#}
{% macro nps(promoters, detractors, n) -%}
    case when {{ n }} > 0 then 100e0 * ({{ promoters }} - {{ detractors }}) / {{ n }} end
{%- endmacro %}

{#- Adjusted-Wald (Rocks 2016): add 3/4 to P and to D and 3 to n. -#}
{#- NULL without answers: an empty cell has no estimate, so no change or z is written against it. -#}
{% macro nps_adjusted(promoters, detractors, n) -%}
    case when {{ n }} > 0 then 100e0 * ({{ promoters }} - {{ detractors }}) / ({{ n }} + 3) end
{%- endmacro %}

{% macro nps_adjusted_se(promoters, detractors, n) -%}
    case when {{ n }} > 0 then 100e0 * sqrt(
        (({{ promoters }} + 0.75e0) / ({{ n }} + 3e0)
            + ({{ detractors }} + 0.75e0) / ({{ n }} + 3e0)
        - power(({{ promoters }} - {{ detractors }}) / ({{ n }} + 3e0), 2))
        / ({{ n }} + 3e0)
    ) end
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

{#- z of the change between two shares k1 / n1 and k2 / n2 with the pooled two-proportion
    standard error sqrt(p (1 - p) (1 / n1 + 1 / n2)), p = (k1 + k2) / (n1 + n2). Unlike the
    unpooled SE it is not 0 at a 0 % share, so 0 of 5 against 3 of 40 is no "significant rise".
    NULL when a side has no answers; 0 when both shares are 0 % or both 100 % (no change). -#}
{% macro pooled_change_z(k1, n1, k2, n2) -%}
    {%- set p = '((1e0 * ' ~ k1 ~ ' + ' ~ k2 ~ ') / (' ~ n1 ~ ' + ' ~ n2 ~ '))' -%}
    case when {{ n1 }} > 0 and {{ n2 }} > 0 then
        case
            when {{ p }} > 0 and {{ p }} < 1 then
                (1e0 * {{ k1 }} / {{ n1 }} - 1e0 * {{ k2 }} / {{ n2 }})
                / sqrt({{ p }} * (1 - {{ p }}) * (1e0 / {{ n1 }} + 1e0 / {{ n2 }}))
            else 0e0
        end
    end
{%- endmacro %}

{#- Two-sided p-value of a standard normal z: erfc(|z| / sqrt 2), with the Abramowitz-Stegun
    7.1.26 erf approximation (absolute error below 1.5e-7), plain arithmetic on any engine. -#}
{% macro two_sided_p(z) -%}
    {%- set x = '(abs(' ~ z ~ ') / sqrt(2e0))' -%}
    {%- set t = '(1e0 / (1e0 + 0.3275911e0 * ' ~ x ~ '))' -%}
    case when {{ z }} is not null then
        least(1e0, ({{ t }} * (0.254829592e0 + {{ t }} * (-0.284496736e0 + {{ t }} * (
            1.421413741e0 + {{ t }} * (-1.453152027e0 + {{ t }} * 1.061405429e0)))))
            * exp(-{{ x }} * {{ x }}))
    end
{%- endmacro %}

{% macro is_significant(z) -%}
    case when {{ z }} is not null then abs({{ z }}) >= {{ var('significance_z') }} end
{%- endmacro %}

{#- A change is tested only when both cells may be shown (n at least the reportable n):
    otherwise the flag is NULL, "not compared", never "not significant". -#}
{% macro significant_if_reportable(z, reportable, other_reportable) -%}
    case when {{ reportable }} and {{ other_reportable }} then {{ is_significant(z) }} end
{%- endmacro %}

{#- NPS group of a 0-10 answer. -#}
{% macro nps_group(score) -%}
    case
        when {{ score }} >= 9 then 'promoter'
        when {{ score }} >= 7 then 'passive'
        when {{ score }} >= 0 then 'detractor'
    end
{%- endmacro %}

{#- A target's verdict (docs/metrics.md, "Targets"). Every score the targets measure is
    higher-is-better (NPS, and the top-box shares: CES % counts the easy answers, 5-7 on 1-7).
    Without a reportable score nothing is claimed: 'not_measurable'. -#}
{% macro target_verdict(score, target, reportable) -%}
    case
        when not coalesce({{ reportable }}, false) or {{ score }} is null then 'not_measurable'
        when {{ score }} >= {{ target }} then 'met'
        else 'missed'
    end
{%- endmacro %}

{#- Missed beyond doubt: the whole 95 % interval lies below the target. -#}
{% macro target_missed_beyond_interval(score, ci_high, target, reportable) -%}
    coalesce(
        {{ target_verdict(score, target, reportable) }} = 'missed' and {{ ci_high }} < {{ target }},
        false
    )
{%- endmacro %}
