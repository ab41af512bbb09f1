-- Customer history as SCD type 2, built from the CRM exports: one row per version of a
-- customer's segment, region and industry, valid from valid_from (inclusive) to valid_to.
with snapshots as (
    select * from {{ ref('stg_crm__customer_snapshots') }}
),

compared as (
    select
        *,
        lag(segment) over by_export as previous_segment,
        lag(region) over by_export as previous_region,
        lag(industry) over by_export as previous_industry,
        row_number() over by_export as export_number
    from snapshots
    window by_export as (partition by customer_id order by extracted_at)
),

changes as (
    select
        customer_id,
        segment,
        region,
        industry,
        extracted_at,
        -- The first known state also stands for the time before the first export.
        case
            when export_number > 1
                then coalesce(updated_at, {{ date_start_instant('extracted_at') }})
        end as changed_at
    from compared
    where
        export_number = 1
        or segment is distinct from previous_segment
        or region is distinct from previous_region
        or industry is distinct from previous_industry
),

ordered as (
    select
        *,
        -- A change cannot start before the previous one: keeps the versions from overlapping.
        max(changed_at) over (
            partition by customer_id order by extracted_at
            rows between unbounded preceding and current row
        ) as valid_from
    from changes
),

final as (
    select
        customer_id,
        segment,
        region,
        industry,
        valid_from,
        lead(valid_from) over (
            partition by customer_id order by extracted_at
        ) as valid_to,
        extracted_at as first_seen_in_export,
        row_number() over (
            partition by customer_id order by extracted_at
        ) as version_number
    from ordered
)

select
    *,
    valid_to is null as is_current
from final
