{#- Churn and retention formulas, each written once (docs/metrics.md "Churn and retention"). -#}

{#- Churn rate % = 100 * L / S: L lost in the period of the S active at its start. -#}
{% macro churn_rate_pct(lost, active_at_start) -%}
    {{ pct(lost, active_at_start) }}
{%- endmacro %}

{#- Retention % = 100 - churn rate %; NULL when nobody was active at the start. -#}
{% macro retention_rate_pct(lost, active_at_start) -%}
    (100e0 - {{ churn_rate_pct(lost, active_at_start) }})
{%- endmacro %}

{#- The 95 % interval of the risk ratio RR = (a / n1) / (c / n2), group 1's churn over group
    2's, on the log scale (Katz): exp(ln RR ± z · se), se = sqrt(1/a − 1/n1 + 1/c − 1/n2).
    NULL unless both groups lost someone (a, c > 0): with a zero count ln RR is undefined.
    Rounded to 6 decimals: DuckDB's and Spark's exp/ln differ in the last bit. -#}
{% macro risk_ratio_ci(a, n1, c, n2, side) -%}
    {%- set z = var('significance_z') -%}
    case
        when {{ a }} > 0 and {{ c }} > 0 and {{ n1 }} > 0 and {{ n2 }} > 0
            then round(exp(
                ln((1e0 * {{ a }} / {{ n1 }}) / (1e0 * {{ c }} / {{ n2 }}))
                {{ '-' if side == 'low' else '+' }} {{ z }} * sqrt(
                    1e0 / {{ a }} - 1e0 / {{ n1 }} + 1e0 / {{ c }} - 1e0 / {{ n2 }}
                )
            ), 6)
    end
{%- endmacro %}

{#- The simple retention CLV of one customer (docs/metrics.md "CLV"): margin per period ×
    r / (1 + d − r), the discounted sum of a margin kept each period with probability r, over
    every future period; r and d per period (a share, not %). NULL when r or the margin is. -#}
{% macro retention_clv(margin_per_period, retention, discount_rate) -%}
    case when 1e0 + {{ discount_rate }} - {{ retention }} > 0 then
        {{ margin_per_period }} * {{ retention }} / (1e0 + {{ discount_rate }} - {{ retention }})
    end
{%- endmacro %}
