{#- Churn and retention formulas, each written once (docs/metrics.md "Churn and retention"). -#}

{#- Churn rate % = 100 * L / S: L lost in the period of the S active at its start. -#}
{% macro churn_rate_pct(lost, active_at_start) -%}
    {{ pct(lost, active_at_start) }}
{%- endmacro %}

{#- Retention % = 100 - churn rate %; NULL when nobody was active at the start. -#}
{% macro retention_rate_pct(lost, active_at_start) -%}
    (100e0 - {{ churn_rate_pct(lost, active_at_start) }})
{%- endmacro %}

{#- The simple retention CLV of one customer (docs/metrics.md "CLV"): margin per period ×
    r / (1 + d − r), the discounted sum of a margin kept each period with probability r, over
    every future period; r and d per period (a share, not %). NULL when r or the margin is. -#}
{% macro retention_clv(margin_per_period, retention, discount_rate) -%}
    case when 1e0 + {{ discount_rate }} - {{ retention }} > 0 then
        {{ margin_per_period }} * {{ retention }} / (1e0 + {{ discount_rate }} - {{ retention }})
    end
{%- endmacro %}
