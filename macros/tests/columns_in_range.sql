{#-
Set-based accepted_range (macros/tests/accepted_range.sql): one query checks the ranges of
every listed column of a model, as columns_not_null does for nulls. `ranges` maps a column to
its bounds, `{nps_score: [0, 10], share: [0, null]}` (null: unbounded); nulls are not out of
range (columns_not_null says whether they may exist).

Fails with one row per column with values outside its range: the column, the range and how
many rows are outside it.
-#}
{% test columns_in_range(model, ranges) %}
with outside as (
    select
    {%- for column, bounds in ranges.items() %}
        sum(case when false
            {%- if bounds[0] is not none %} or {{ adapter.quote(column) }} < {{ bounds[0] }}{% endif %}
            {%- if bounds[1] is not none %} or {{ adapter.quote(column) }} > {{ bounds[1] }}{% endif %}
            then 1 else 0 end) as outside_{{ loop.index }}
        {{- "," if not loop.last }}
    {%- endfor %}
    from {{ model }}
)
{%- for column, bounds in ranges.items() %}
select
    '{{ column }}' as column_name,
    '{{ bounds[0] if bounds[0] is not none else "" }}..{{ bounds[1] if bounds[1] is not none else "" }}' as accepted_range,
    outside_{{ loop.index }} as rows_outside
from outside
where outside_{{ loop.index }} > 0
{{ "union all" if not loop.last }}
{%- endfor %}
{% endtest %}
