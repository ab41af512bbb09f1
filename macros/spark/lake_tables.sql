{#- The dbt sources on Spark: external Parquet tables over the landing zone that the raw
    assets write (orchestration/defs/ingest/lake.py). Run before every Spark build, so a new
    load or a moved lake is always seen:
        CX_DBT_TARGET=spark dbt run-operation create_lake_tables --profiles-dir . Each source table that has
    an `external.location` (relative to the lake) gets one table, with the columns and types
    its YAML declares and its `external.partitions` (load_id) as Hive partitions.
    On DuckDB the sources are the warehouse's own raw, ops and analytics schemas: nothing to do. -#}

{% macro lake_dir() -%}
    {#- $CX_LAKE_DIR, else `lake` beside $CX_WAREHOUSE, as orchestration/settings.py; made
        absolute (relative to the current folder, the project when run by make), since Spark
        would resolve it against its own. -#}
    {%- set warehouse = env_var('CX_WAREHOUSE', 'data/warehouse.duckdb') -%}
    {%- set parent = warehouse.rsplit('/', 1)[0] if '/' in warehouse else '.' -%}
    {%- set lake = env_var('CX_LAKE_DIR', parent ~ '/lake') -%}
    {{- lake if lake.startswith('/') else env_var('PWD', '.') ~ '/' ~ lake -}}
{%- endmacro %}

{% macro create_lake_tables() -%}
    {{ return(adapter.dispatch('create_lake_tables', 'kokemus')()) }}
{%- endmacro %}

{% macro default__create_lake_tables() -%}
    {{ log("create_lake_tables: nothing to do on " ~ target.type ~ " (sources are its own schemas)", info=true) }}
{%- endmacro %}

{% macro spark__create_lake_tables() -%}
    {%- if execute -%}
        {%- set lake = lake_dir() -%}
        {%- set schemas = [] -%}
        {%- for node in graph.sources.values() if node.external and node.external.location -%}
            {%- if node.schema not in schemas -%}
                {%- do run_query('create database if not exists ' ~ node.schema) -%}
                {%- do schemas.append(node.schema) -%}
            {%- endif -%}
            {%- set partitions = node.external.partitions or [] -%}
            {%- set partition_names = partitions | map(attribute='name') | list -%}
            {%- set columns = [] -%}
            {%- for column in node.columns.values() if column.name not in partition_names -%}
                {%- do columns.append('`' ~ column.name ~ '` ' ~ column.data_type) -%}
            {%- endfor -%}
            {%- for partition in partitions -%}
                {%- do columns.append('`' ~ partition.name ~ '` ' ~ partition.data_type) -%}
            {%- endfor -%}
            {%- set relation = node.schema ~ '.' ~ node.identifier -%}
            {%- do run_query('drop table if exists ' ~ relation) -%}
            {%- do run_query(
                'create table ' ~ relation ~ ' (' ~ columns | join(', ') ~ ') using parquet'
                ~ (' partitioned by (' ~ partition_names | join(', ') ~ ')' if partitions else '')
                ~ " location '" ~ lake ~ '/' ~ node.external.location ~ "'"
            ) -%}
            {%- if partitions -%}
                {%- do run_query('alter table ' ~ relation ~ ' recover partitions') -%}
            {%- endif -%}
            {{ log("create_lake_tables: " ~ relation ~ " over " ~ node.external.location, info=true) }}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
