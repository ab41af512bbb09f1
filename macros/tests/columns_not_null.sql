{#-
Set-based not_null: one query checks every listed column of a model, where one not_null test
per column was one dbt node (and one Dagster asset check) each — at demo size a not_null test
cost dbt ~40 ms of overhead for a query of under 1 ms (BENCHMARKS.md, issue 18).

Fails with one row per column that has nulls: the column's name and how many rows are null.
A not_null with a config of its own (a `where`, a severity) stays a column test.
-#}
{% test columns_not_null(model, columns) %}
with nulls as (
    select
    {%- for column in columns %}
        sum(case when {{ adapter.quote(column) }} is null then 1 else 0 end) as nulls_{{ loop.index }}
        {{- "," if not loop.last }}
    {%- endfor %}
    from {{ model }}
)
{%- for column in columns %}
select '{{ column }}' as column_name, nulls_{{ loop.index }} as null_rows
from nulls
where nulls_{{ loop.index }} > 0
{{ "union all" if not loop.last }}
{%- endfor %}
{% endtest %}
