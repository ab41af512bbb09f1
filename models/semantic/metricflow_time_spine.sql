-- The day calendar MetricFlow joins to for time-spine queries (cumulative metrics, gaps):
-- every day from 2015 to 2035, built with dbt-core's portable date_spine for every adapter.
with days as (
    {{ dbt.date_spine('day', "cast('2015-01-01' as date)", "cast('2036-01-01' as date)") }}
),

final as (
    select cast(date_day as date) as date_day
    from days
)

select * from final
