{#-
Generic test of the "needs rows" kind: the model has at least one row, but only while the raw
sources it is built from have rows (`when_rows_in`: one table of source('raw', …) or a list,
all of which must have rows for the test to apply).

kokemus's data tests come in two kinds (docs/architecture.md, "Data tests"):
- "wrong data" tests (column_rules: not null, unique, keys, ranges, accepted values;
  relationships, reconciliations) hold on any input, an empty one included: a row that breaks one is wrong.
- "needs rows" tests (this one, tagged needs_rows) say that rows must exist. Every optional
  source may be absent, so such a test applies only when its source has rows: an inbox without
  lost-deal interviews has an empty lost-deal mart, and that is no data, not wrong data.
-#}
{% test not_empty(model, when_rows_in) %}
{{ config(tags=['needs_rows']) }}
{%- set tables = [when_rows_in] if when_rows_in is string else when_rows_in %}
select 'no rows although raw.{{ tables | join(", raw.") }} have rows' as failure
where
    not exists (select 1 from {{ model }})
    {%- for table in tables %}
    and exists (select 1 from {{ source('raw', table) }})
    {%- endfor %}
{% endtest %}
