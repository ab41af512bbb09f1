-- One row per survey response: the latest load wins, free text masked for PII.
with source as (
    select * from {{ source('raw', 'survey_responses') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by response_id order by _load_id desc, _line desc
        ) as load_rank
    from source
),

final as (
    select
        response_id,
        nullif(trim(customer_id), '') as customer_id,
        lower(trim(survey)) as survey,
        lower(trim(touchpoint)) as touchpoint,
        lower(trim(channel)) as channel,
        responded_at,
        nps_score,
        csat_score,
        ces_score,
        coalesce(ces_scale, '1-7') as ces_scale,
        loyalty_score,
        {{ mask_pii('comment') }} as comment,
        {{ mask_pii('suggestion') }} as suggestion,
        lower(trim(language)) as language,
        _load_id as load_id,
        _line as source_line
    from ranked
    where load_rank = 1
)

select * from final
