{#-
Set-based column tests: one query per model checks every column rule the model's YAML lists,
where one dbt test per column and rule was one dbt node and one Dagster asset check each (at
demo size ~40 ms of dbt overhead around a query of under 1 ms; BENCHMARKS.md, issue 18).

    - column_rules:
        arguments:
          not_null: [response_id, quarter]                 # dbt's not_null, per column
          unique: [response_id]                            # dbt's unique: nulls are not keys
          unique_combinations: [[customer_id, quarter]]    # unique_combination_of_columns:
                                                           #   a null is a value like any other
          ranges: {nps_score: [0, 10], share: [0, null]}   # accepted_range, bounds inclusive,
                                                           #   null: unbounded; nulls pass
          accepted_values: {survey_type: [relationship, transactional]}   # nulls pass

Every rule is optional. Fails with one row per broken rule: the rule, the column (or the
columns of a key), what was expected, and how many rows (for a key: how many key values)
break it. A test with a config of its own (a `where`, a severity) stays a test of its own.
-#}
{% macro _column_rules_literal(value) -%}
    {%- if value is string -%}'{{ value | replace("'", "''") }}'
    {%- elif value is sameas true -%}true
    {%- elif value is sameas false -%}false
    {%- else -%}{{ value }}
    {%- endif -%}
{%- endmacro %}

{% test column_rules(model, not_null=[], unique=[], unique_combinations=[], ranges={},
        accepted_values={}) %}
{%- set checks = [] -%}
with counts as (
    select
        count(*) as n_rows
    {%- for column in not_null %}
        , sum(case when {{ adapter.quote(column) }} is null then 1 else 0 end) as not_null_{{ loop.index }}
    {%- endfor %}
    {%- for column, bounds in ranges.items() %}
        , sum(case when false
            {%- if bounds[0] is not none %} or {{ adapter.quote(column) }} < {{ bounds[0] }}{% endif %}
            {%- if bounds[1] is not none %} or {{ adapter.quote(column) }} > {{ bounds[1] }}{% endif %}
            then 1 else 0 end) as range_{{ loop.index }}
    {%- endfor %}
    {%- for column, values in accepted_values.items() %}
        , sum(case when {{ adapter.quote(column) }} not in (
            {%- for value in values %}{{ _column_rules_literal(value) }}{{ ", " if not loop.last }}{% endfor -%}
            ) then 1 else 0 end) as accepted_{{ loop.index }}
    {%- endfor %}
    from {{ model }}
)
{%- for column in unique %},
duplicates_{{ loop.index }} as (
    select count(*) as n_keys
    from (
        select {{ adapter.quote(column) }}
        from {{ model }}
        where {{ adapter.quote(column) }} is not null
        group by {{ adapter.quote(column) }}
        having count(*) > 1
    ) as keys
)
{%- endfor %}
{%- for columns in unique_combinations %},
combination_duplicates_{{ loop.index }} as (
    select count(*) as n_keys
    from (
        select {% for column in columns %}{{ adapter.quote(column) }}{{ ", " if not loop.last }}{% endfor %}
        from {{ model }}
        group by {% for column in columns %}{{ adapter.quote(column) }}{{ ", " if not loop.last }}{% endfor %}
        having count(*) > 1
    ) as keys
)
{%- endfor %}
{%- for column in not_null %}
    {%- do checks.append(("not_null", column, "", "not_null_" ~ loop.index, "counts")) %}
{%- endfor %}
{%- for column, bounds in ranges.items() %}
    {%- set shown = (bounds[0] if bounds[0] is not none else "") ~ ".." ~ (bounds[1] if bounds[1] is not none else "") %}
    {%- do checks.append(("accepted_range", column, shown, "range_" ~ loop.index, "counts")) %}
{%- endfor %}
{%- for column, values in accepted_values.items() %}
    {%- do checks.append(("accepted_values", column, values | join(", "), "accepted_" ~ loop.index, "counts")) %}
{%- endfor %}
{%- for column in unique %}
    {%- do checks.append(("unique", column, "", "n_keys", "duplicates_" ~ loop.index)) %}
{%- endfor %}
{%- for columns in unique_combinations %}
    {%- do checks.append(("unique_combination", columns | join(", "), "", "n_keys", "combination_duplicates_" ~ loop.index)) %}
{%- endfor %}
{%- for rule, column, expected, failing, relation in checks %}
select
    '{{ rule }}' as rule,
    '{{ column }}' as column_name,
    '{{ expected | replace("'", "''") }}' as expected,
    {{ failing }} as failing_rows
from {{ relation }}
where {{ failing }} > 0
{{ "union all" if not loop.last }}
{%- endfor %}
{%- if not checks %}
select null as rule, null as column_name, null as expected, 0 as failing_rows
where false
{%- endif %}
{% endtest %}
