{#- Time helpers: quarters are calendar quarters in the reporting time zone (docs/metrics.md). -#}

{#- A UTC instant as wall-clock time in the reporting time zone. -#}
{% macro to_local_time(ts) -%}
    {{ return(adapter.dispatch('to_local_time', 'kokemus')(ts)) }}
{%- endmacro %}

{% macro default__to_local_time(ts) -%}
    timezone('{{ var("timezone") }}', {{ ts }})
{%- endmacro %}

{% macro spark__to_local_time(ts) -%}
    from_utc_timestamp({{ ts }}, '{{ var("timezone") }}')
{%- endmacro %}

{% macro quarter_start(ts) -%}
    cast({{ dbt.date_trunc('quarter', to_local_time(ts)) }} as date)
{%- endmacro %}

{#- '2025-Q3' from a quarter's start date. -#}
{% macro quarter_label(quarter_start_date) -%}
    {{ dbt.concat([
        "cast(extract(year from " ~ quarter_start_date ~ ") as " ~ dbt.type_string() ~ ")",
        "'-Q'",
        "cast(extract(quarter from " ~ quarter_start_date ~ ") as " ~ dbt.type_string() ~ ")",
    ]) }}
{%- endmacro %}
