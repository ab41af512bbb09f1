{#- The few SQL differences between DuckDB and Spark, each behind adapter.dispatch: a model
    calls the macro and never names an engine. default__ is DuckDB (the production target),
    spark__ the distributed one (README "Spark"). Everything else in the models is SQL both
    engines read alike, or dbt's cross-database macros (dbt.date_trunc, dbt.dateadd,
    dbt.datediff on dates, dbt.concat, dbt.type_string, dbt.generate_series). -#}

{#- Replace every match of a regular expression (DuckDB needs the 'g' flag, Spark always
    replaces all). The patterns used are plain classes and repeats, the same in RE2 and Java. -#}
{% macro regexp_replace_all(text, pattern, replacement) -%}
    {{ return(adapter.dispatch('regexp_replace_all', 'kokemus')(text, pattern, replacement)) }}
{%- endmacro %}

{% macro default__regexp_replace_all(text, pattern, replacement) -%}
    regexp_replace({{ text }}, {{ pattern }}, {{ replacement }}, 'g')
{%- endmacro %}

{% macro spark__regexp_replace_all(text, pattern, replacement) -%}
    regexp_replace({{ text }}, {{ pattern }}, {{ replacement }})
{%- endmacro %}

{#- Case-insensitive regular-expression search. RE2's 'i' folds Unicode case (Ä = ä); Java's
    (?i) folds ASCII only unless (?u) is added too. -#}
{% macro regexp_matches_ci(text, pattern) -%}
    {{ return(adapter.dispatch('regexp_matches_ci', 'kokemus')(text, pattern)) }}
{%- endmacro %}

{% macro default__regexp_matches_ci(text, pattern) -%}
    regexp_matches({{ text }}, {{ pattern }}, 'i')
{%- endmacro %}

{% macro spark__regexp_matches_ci(text, pattern) -%}
    ({{ text }} rlike concat('(?iu)', {{ pattern }}))
{%- endmacro %}

{#- The instant at which a calendar date begins in the reporting time zone (a CRM export
    date -> its first moment in Helsinki). DuckDB: timestamptz; Spark: a UTC timestamp. -#}
{% macro date_start_instant(date_expr) -%}
    {{ return(adapter.dispatch('date_start_instant', 'kokemus')(date_expr)) }}
{%- endmacro %}

{% macro default__date_start_instant(date_expr) -%}
    timezone('{{ var("timezone") }}', cast({{ date_expr }} as timestamp))
{%- endmacro %}

{% macro spark__date_start_instant(date_expr) -%}
    to_utc_timestamp(cast({{ date_expr }} as timestamp), '{{ var("timezone") }}')
{%- endmacro %}

{#- Calendar days (reporting time zone) from one instant to another; NULL if either is. Spark's
    datediff would count UTC days, dbt.datediff on DuckDB casts to the session's time. -#}
{% macro local_days_between(start_ts, end_ts) -%}
    {{ dbt.datediff(
        'cast(' ~ to_local_time(start_ts) ~ ' as date)',
        'cast(' ~ to_local_time(end_ts) ~ ' as date)',
        'day') }}
{%- endmacro %}

{#- Calendar quarters from one date to another (quarter starts in the models): the same
    boundary count as DuckDB's date_diff('quarter'), in functions both engines have. -#}
{% macro quarters_between(start_date, end_date) -%}
    ((extract(year from {{ end_date }}) - extract(year from {{ start_date }})) * 4
    + extract(quarter from {{ end_date }}) - extract(quarter from {{ start_date }}))
{%- endmacro %}
