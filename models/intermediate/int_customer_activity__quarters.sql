-- The observation window: every calendar quarter (Helsinki time) from the first to the last
-- quarter with an order, a survey answer or a churn event, gaps included.
with orders as (
    select * from {{ ref('stg_crm__orders') }}
),

responses as (
    select * from {{ ref('stg_survey__responses') }}
),

churn as (
    select * from {{ ref('stg_churn__events') }}
),

activity as (
    select ordered_at as happened_at from orders
    union all
    select responded_at as happened_at from responses
    union all
    select churned_at as happened_at from churn
),

activity_bounds as (
    select
        {{ quarter_start('min(happened_at)') }} as first_start,
        {{ quarter_start('max(happened_at)') }} as last_start,
        max(happened_at) as observed_until
    from activity
),

bounds as (
    select
        first_start,
        observed_until,
        {{ quarters_between('first_start', 'last_start') }}
        + 1 as n_quarters
    from activity_bounds
),

numbers as (
    {{ dbt.generate_series(400) }}
),

quarters as (
    -- The interval is parenthesised: dbt-spark's dateadd multiplies it by 3 as written.
    select
        cast(
            {{ dbt.dateadd('quarter', '(numbers.generated_number - 1)', 'bounds.first_start') }}
            as date
        ) as quarter_start,
        numbers.generated_number as quarter_number,
        bounds.first_start as first_quarter_start,
        bounds.observed_until
    from numbers
    cross join bounds
    where numbers.generated_number <= bounds.n_quarters
),

final as (
    select
        {{ quarter_label('quarter_start') }} as quarter,
        quarter_start,
        cast({{ dbt.dateadd('quarter', 1, 'quarter_start') }} as date) as next_quarter_start,
        quarter_number,
        first_quarter_start,
        observed_until
    from quarters
)

select * from final
