-- One row per response × driver whose importance the respondent stated ("how important is …
-- to you", the importance_<name> columns, 1–5), from the same load as the response's winning
-- row: the expectation beside the driver_<name> performance rating (stg_survey__driver_scores).
with responses as (
    select * from {{ ref('stg_survey__responses') }}
),

importance as (
    select * from {{ source('raw', 'survey_importance_scores') }}
),

final as (
    select
        importance.response_id,
        lower(importance.name) as driver,
        importance.score
    from importance
    inner join responses
        on
            importance.response_id = responses.response_id
            and importance._load_id = responses.load_id
            and importance._line = responses.source_line
)

select * from final
