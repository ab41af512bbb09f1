-- Data freshness and quarantine per source (and 'all'), for the report's methodology notes
-- and for BI: files loaded / rejected, rows read = loaded + quarantined + excluded (not
-- answers: survey-tool previews and spam, answers loaded from an earlier export), last load.
-- depends_on: {{ ref('stg_survey__responses') }}
with audit as (
    select * from {{ source('ops', 'load_audit') }}
),

per_source as (
    select
        coalesce(source, 'all') as source,
        count(case when status = 'loaded' then 1 end) as files_loaded,
        count(case when status = 'rejected' then 1 end) as files_rejected,
        coalesce(sum(rows_read), 0) as rows_read,
        coalesce(sum(rows_loaded), 0) as rows_loaded,
        coalesce(sum(rows_quarantined), 0) as rows_quarantined,
        coalesce(sum(rows_excluded), 0) as rows_excluded,
        min(loaded_at) as first_loaded_at,
        max(loaded_at) as last_loaded_at
    from audit
    group by rollup(source)
),

final as (
    select
        source,
        files_loaded,
        files_rejected,
        rows_read,
        rows_loaded,
        rows_quarantined,
        rows_excluded,
        rows_read = rows_loaded + rows_quarantined + rows_excluded as rows_reconcile,
        first_loaded_at,
        last_loaded_at
    from per_source
)

select * from final
