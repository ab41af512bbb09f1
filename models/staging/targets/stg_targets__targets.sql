-- One row per target (metric × scope × period): the latest load wins, so a re-sent sheet
-- updates a value. Codes lower-cased, the period upper-cased and split into its year and
-- quarter, the note masked for PII.
with source as (
    select * from {{ source('raw', 'targets') }}
),

normalised as (
    select
        lower(trim(metric)) as metric,
        lower(trim(scope_type)) as scope_type,
        nullif(lower(trim(scope_value)), '') as scope_value,
        upper(trim(period)) as period,
        cast(target as double) as target,
        {{ mask_pii("nullif(trim(note), '')") }} as note,
        nullif(trim(owner), '') as owner,
        _load_id as load_id,
        _line as source_line
    from source
),

ranked as (
    select
        *,
        row_number() over (
            partition by metric, scope_type, scope_value, period
            order by load_id desc, source_line desc
        ) as load_rank
    from normalised
),

final as (
    select
        metric || '|' || scope_type || '|' || coalesce(scope_value, 'all') || '|' || period
            as target_key,
        metric,
        scope_type,
        scope_value,
        period,
        case when length(period) = 4 then 'year' else 'quarter' end as period_type,
        cast(substr(period, 1, 4) as int) as period_year,
        case when length(period) = 7 then cast(substr(period, 7, 1) as int) end
            as period_quarter,
        target,
        note,
        owner,
        load_id,
        source_line
    from ranked
    where load_rank = 1
)

select * from final
