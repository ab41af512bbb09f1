{#- Incremental facts (responses, orders) replace rows by key: a re-sent file never duplicates
    them. DuckDB deletes the keys of the new batch and inserts it; Spark without Delta/Iceberg has
    no row-level delete or merge, so it overwrites the table's partitions from the batch. -#}
{% macro kokemus_incremental_strategy() -%}
    {{ return(adapter.dispatch('kokemus_incremental_strategy', 'kokemus')()) }}
{%- endmacro %}

{% macro default__kokemus_incremental_strategy() -%}
    {{ return('delete+insert') }}
{%- endmacro %}

{% macro spark__kokemus_incremental_strategy() -%}
    {{ return('insert_overwrite') }}
{%- endmacro %}
