-- One row per response × driver, from the same load as the response's winning row.
with responses as (
    select * from {{ ref('stg_survey__responses') }}
),

drivers as (
    select * from {{ source('raw', 'survey_driver_scores') }}
),

final as (
    select
        drivers.response_id,
        lower(drivers.name) as driver,
        drivers.score
    from drivers
    inner join responses
        on
            drivers.response_id = responses.response_id
            and drivers._load_id = responses.load_id
            and drivers._line = responses.source_line
)

select * from final
