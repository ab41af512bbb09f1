-- Churn counts per quarter × breakdown: by segment (plus 'all'), by the NPS group and by the
-- CSAT top-2-box group of the last answer before the quarter ('no_answer' without one).
-- Counts only; the churn and retention formulas are applied in the marts (macros/retention.sql).
with status as (
    select * from {{ ref('int_customer_quarters__status') }}
),

labelled as (
    select
        quarter_start,
        'segment' as breakdown,
        segment as breakdown_value,
        is_active_at_start,
        is_lost,
        is_acquired,
        is_acquired_and_lost,
        is_active_at_end
    from status
    union all
    select
        quarter_start,
        'segment' as breakdown,
        'all' as breakdown_value,
        is_active_at_start,
        is_lost,
        is_acquired,
        is_acquired_and_lost,
        is_active_at_end
    from status
    union all
    select
        quarter_start,
        'nps' as breakdown,
        coalesce(nps_group_before, 'no_answer') as breakdown_value,
        is_active_at_start,
        is_lost,
        is_acquired,
        is_acquired_and_lost,
        is_active_at_end
    from status
    union all
    select
        quarter_start,
        'csat' as breakdown,
        coalesce(csat_group_before, 'no_answer') as breakdown_value,
        is_active_at_start,
        is_lost,
        is_acquired,
        is_acquired_and_lost,
        is_active_at_end
    from status
),

counted as (
    select
        quarter_start,
        breakdown,
        breakdown_value,
        count(case when is_active_at_start then 1 end) as active_at_start,
        count(case when is_lost then 1 end) as lost,
        count(case when is_acquired then 1 end) as acquired,
        count(case when is_acquired_and_lost then 1 end) as acquired_and_lost,
        count(case when is_active_at_end then 1 end) as active_at_end
    from labelled
    group by quarter_start, breakdown, breakdown_value
),

final as (
    select
        {{ quarter_label('quarter_start') }} as quarter,
        *
    from counted
)

select * from final
