-- Pain points (solmukohdat): how often each lexicon theme is mentioned in the comments per
-- quarter × touchpoint (with an 'all' rollup), the NPS of the mentioning answers and the change
-- in share vs the previous quarter.
{%- set min_n = var('min_reportable_n') %}

-- The answers to the score questions and any with a comment: an answer that only rates drivers
-- or their importance (a strategic research survey, no touchpoint) adds no cell.
with responses as (
    select * from {{ ref('int_survey_responses__scored') }}
    where
        coalesce(nps_score, csat_score, ces_score, loyalty_score) is not null
        or nullif(trim(comment), '') is not null
),

mentions as (
    select * from {{ ref('int_survey_comments__themes') }}
),

themes as (
    select * from {{ ref('verbatim_themes') }}
),

-- The denominator: answers with a non-empty comment, whether or not any theme matched.
comment_counts as (
    select
        quarter_start,
        case when grouping(touchpoint) = 1 then 'all' else touchpoint end as touchpoint,
        count(case when nullif(trim(comment), '') is not null then response_id end) as n_comments
    from responses
    group by quarter_start, rollup(touchpoint)
),

mention_counts as (
    select
        quarter_start,
        case when grouping(touchpoint) = 1 then 'all' else touchpoint end as touchpoint,
        theme_id,
        count(*) as n_mentions,
        count(nps_score) as n_nps_mentions,
        count(case when nps_group = 'promoter' then 1 end) as n_promoters,
        count(case when nps_group = 'detractor' then 1 end) as n_detractors
    from mentions
    group by quarter_start, theme_id, rollup(touchpoint)
),

-- Every theme in every cell, so a theme nobody mentioned shows 0 % rather than no row.
grid as (
    select
        comment_counts.quarter_start,
        comment_counts.touchpoint,
        comment_counts.n_comments,
        themes.theme_id,
        themes.label_fi,
        themes.label_en,
        themes.label_sv
    from comment_counts
    cross join themes
),

counted as (
    select
        grid.quarter_start,
        grid.touchpoint,
        grid.theme_id,
        grid.label_fi,
        grid.label_en,
        grid.label_sv,
        grid.n_comments,
        coalesce(mention_counts.n_mentions, 0) as n_mentions,
        coalesce(mention_counts.n_nps_mentions, 0) as n_nps_mentions,
        coalesce(mention_counts.n_promoters, 0) as n_promoters,
        coalesce(mention_counts.n_detractors, 0) as n_detractors
    from grid
    left join mention_counts
        on
            grid.quarter_start = mention_counts.quarter_start
            and grid.touchpoint = mention_counts.touchpoint
            and grid.theme_id = mention_counts.theme_id
),

metrics as (
    select
        {{ quarter_label('quarter_start') }} as quarter,
        quarter_start,
        touchpoint,
        theme_id,
        label_fi,
        label_en,
        label_sv,
        n_comments,
        n_mentions,
        {{ pct('n_mentions', 'n_comments') }} as share_of_comments_pct,
        {{ wilson_ci('n_mentions', 'n_comments', 'low') }} as share_ci_low,
        {{ wilson_ci('n_mentions', 'n_comments', 'high') }} as share_ci_high,
        n_nps_mentions,
        n_promoters,
        n_detractors,
        {{ pct('n_detractors', 'n_nps_mentions') }} as detractor_share_pct,
        {{ wilson_ci('n_detractors', 'n_nps_mentions', 'low') }} as detractor_share_ci_low,
        {{ wilson_ci('n_detractors', 'n_nps_mentions', 'high') }} as detractor_share_ci_high,
        {{ nps('n_promoters', 'n_detractors', 'n_nps_mentions') }} as nps_of_theme,
        {{ nps_ci('n_promoters', 'n_detractors', 'n_nps_mentions', 'low') }} as nps_of_theme_ci_low,
        {{ nps_ci('n_promoters', 'n_detractors', 'n_nps_mentions', 'high') }}
            as nps_of_theme_ci_high,
        -- A share is reportable when its denominator is: n_comments, not the mentions; the
        -- theme's NPS and detractor share rest on the mentions with an NPS answer.
        n_comments >= {{ min_n }} as is_reportable,
        n_nps_mentions >= {{ min_n }} as nps_of_theme_is_reportable
    from counted
),

with_previous as (
    select
        cur.*,
        prev.quarter as previous_quarter,
        prev.is_reportable as previous_is_reportable,
        prev.share_of_comments_pct as previous_share_of_comments_pct,
        cur.share_of_comments_pct - prev.share_of_comments_pct as share_change_pts,
        {{ pooled_change_z('cur.n_mentions', 'cur.n_comments',
                           'prev.n_mentions', 'prev.n_comments') }} as share_change_z
    from metrics as cur
    left join metrics as prev
        on
            cast({{ dbt.dateadd('month', -3, 'cur.quarter_start') }} as date) = prev.quarter_start
            and cur.touchpoint = prev.touchpoint
            and cur.theme_id = prev.theme_id
),

final as (
    select
        quarter || '|' || touchpoint || '|' || theme_id as theme_key,
        quarter,
        quarter_start,
        touchpoint,
        theme_id,
        label_fi,
        label_en,
        label_sv,
        n_comments,
        n_mentions,
        share_of_comments_pct,
        share_ci_low,
        share_ci_high,
        n_nps_mentions,
        n_promoters,
        n_detractors,
        detractor_share_pct,
        detractor_share_ci_low,
        detractor_share_ci_high,
        nps_of_theme,
        nps_of_theme_ci_low,
        nps_of_theme_ci_high,
        nps_of_theme_is_reportable,
        is_reportable,
        previous_quarter,
        previous_share_of_comments_pct,
        share_change_pts,
        share_change_z,
        {{ significant_if_reportable('share_change_z', 'is_reportable',
                                     'previous_is_reportable') }} as share_is_significant_change
    from with_previous
)

select * from final
