{#- Churn and retention formulas, each written once (docs/metrics.md "Churn and retention"). -#}

{#- Churn rate % = 100 * L / S: L lost in the period of the S active at its start. -#}
{% macro churn_rate_pct(lost, active_at_start) -%}
    {{ pct(lost, active_at_start) }}
{%- endmacro %}

{#- Retention % = 100 - churn rate %; NULL when nobody was active at the start. -#}
{% macro retention_rate_pct(lost, active_at_start) -%}
    (100e0 - {{ churn_rate_pct(lost, active_at_start) }})
{%- endmacro %}
