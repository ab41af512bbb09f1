-- One row per survey response: the latest load wins, free text masked for PII.
--
-- A table, incremental on its key: the dedup runs once per new load instead of once per
-- reference (every test and model that reads a view re-ran the window over all of raw). A
-- newer load always wins, so a build only needs the rows of loads it has not seen.
-- (On Spark, without row-level deletes, it is rebuilt in full: macros/incremental.sql.)
-- A column the contract gains (segment did) is appended to a table built before it: the rows
-- of earlier loads had no such column, so NULL is their true value.
{{ config(
    materialized=kokemus_fact_materialization(),
    unique_key='response_id',
    incremental_strategy=kokemus_incremental_strategy(),
    on_schema_change='append_new_columns',
) }}

with source as (
    select * from {{ source('raw', 'survey_responses') }}
    {% if is_incremental() %}
        where _load_id > (select coalesce(max(load_id), -1) from {{ this }})
    {% endif %}
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
        -- The segment a survey file may carry (used when the CRM does not know the customer).
        nullif(lower(trim(segment)), '') as segment,
        -- Who answered, when the file or its _mapping.yml says it (current, former, potential);
        -- else derived in int_survey_responses__respondent_group.
        nullif(lower(trim(respondent_group)), '') as respondent_group,
        _load_id as load_id,
        _line as source_line
    from ranked
    where load_rank = 1
)

select * from final
