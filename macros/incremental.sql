{#- Incremental facts (responses, orders) replace rows by key: a re-sent file never duplicates
    them. DuckDB deletes the keys of the new batch and inserts it (delete+insert).

    Spark without Delta / Iceberg / Hudi has no row-level delete or merge, and dbt-spark's
    insert_overwrite without partitions replaces the whole table by the batch (every earlier
    load would be lost), while append would duplicate a re-sent file's rows. So on Spark the
    facts are rebuilt in full at every run (materialized as a table, is_incremental() false):
    the same rows a full build gives, which is what the DuckDB-vs-Spark comparison checks. On a
    cluster with Delta, return 'incremental' here and 'merge' as the strategy. -#}
{% macro kokemus_fact_materialization() -%}
    {{ return(adapter.dispatch('kokemus_fact_materialization', 'kokemus')()) }}
{%- endmacro %}

{% macro default__kokemus_fact_materialization() -%}
    {{ return('incremental') }}
{%- endmacro %}

{% macro spark__kokemus_fact_materialization() -%}
    {{ return('table') }}
{%- endmacro %}

{% macro kokemus_incremental_strategy() -%}
    {{ return(adapter.dispatch('kokemus_incremental_strategy', 'kokemus')()) }}
{%- endmacro %}

{% macro default__kokemus_incremental_strategy() -%}
    {{ return('delete+insert') }}
{%- endmacro %}
