-- "How could we exceed your expectations?": how often each improvement idea of the suggestion
-- lexicon is named per quarter × touchpoint (with an 'all' rollup), its share of the answers
-- that made a suggestion with a Wilson interval, and the change in share vs the previous
-- quarter. The improvement proposals cite the top ideas of their driver as evidence.
{%- set min_n = var('min_reportable_n') %}

-- The answers to the score questions and any with a suggestion: an answer that only rates
-- drivers or their importance (a strategic research survey) was not asked for one.
with responses as (
    select * from {{ ref('int_survey_responses__scored') }}
    where
        coalesce(nps_score, csat_score, ces_score, loyalty_score) is not null
        or nullif(trim(suggestion), '') is not null
),

mentions as (
    select * from {{ ref('int_survey_suggestions__themes') }}
),

themes as (
    select * from {{ ref('suggestion_themes') }}
),

-- The denominators: every answer, and the answers with a non-empty suggestion (whether or
-- not any idea of the lexicon matched).
answer_counts as (
    select
        quarter_start,
        case when grouping(touchpoint) = 1 then 'all' else touchpoint end as touchpoint,
        count(*) as n_answers,
        count(case when nullif(trim(suggestion), '') is not null then response_id end)
            as n_suggestions
    from responses
    group by quarter_start, rollup(touchpoint)
    having count(*) > 0
),

mention_counts as (
    select
        quarter_start,
        case when grouping(touchpoint) = 1 then 'all' else touchpoint end as touchpoint,
        theme_id,
        count(*) as n_mentions
    from mentions
    group by quarter_start, theme_id, rollup(touchpoint)
),

-- Every idea in every cell, so an idea nobody named shows 0 % rather than no row.
grid as (
    select
        answer_counts.quarter_start,
        answer_counts.touchpoint,
        answer_counts.n_answers,
        answer_counts.n_suggestions,
        themes.theme_id,
        themes.label_fi,
        themes.label_en,
        themes.label_sv,
        nullif(trim(themes.driver), '') as driver
    from answer_counts
    cross join themes
),

counted as (
    select
        grid.*,
        coalesce(mention_counts.n_mentions, 0) as n_mentions
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
        driver,
        n_answers,
        n_suggestions,
        {{ pct('n_suggestions', 'n_answers') }} as suggestion_rate_pct,
        {{ wilson_ci('n_suggestions', 'n_answers', 'low') }} as suggestion_rate_ci_low,
        {{ wilson_ci('n_suggestions', 'n_answers', 'high') }} as suggestion_rate_ci_high,
        n_mentions,
        {{ pct('n_mentions', 'n_suggestions') }} as share_of_suggestions_pct,
        {{ wilson_ci('n_mentions', 'n_suggestions', 'low') }} as share_ci_low,
        {{ wilson_ci('n_mentions', 'n_suggestions', 'high') }} as share_ci_high,
        -- A share is reportable when its denominator is: the answers with a suggestion.
        n_suggestions >= {{ min_n }} as is_reportable,
        row_number() over (
            partition by quarter_start, touchpoint order by n_mentions desc, theme_id asc
        ) as theme_rank
    from counted
),

with_previous as (
    select
        cur.*,
        prev.quarter as previous_quarter,
        prev.is_reportable as previous_is_reportable,
        prev.n_mentions as previous_n_mentions,
        prev.share_of_suggestions_pct as previous_share_of_suggestions_pct,
        cur.share_of_suggestions_pct - prev.share_of_suggestions_pct as share_change_pts,
        {{ pooled_change_z('cur.n_mentions', 'cur.n_suggestions',
                           'prev.n_mentions', 'prev.n_suggestions') }} as share_change_z
    from metrics as cur
    left join metrics as prev
        on
            cast({{ dbt.dateadd('month', -3, 'cur.quarter_start') }} as date) = prev.quarter_start
            and cur.touchpoint = prev.touchpoint
            and cur.theme_id = prev.theme_id
),

final as (
    select
        quarter || '|' || touchpoint || '|' || theme_id as suggestion_key,
        quarter,
        quarter_start,
        touchpoint,
        theme_id,
        label_fi,
        label_en,
        label_sv,
        driver,
        theme_rank,
        n_answers,
        n_suggestions,
        suggestion_rate_pct,
        suggestion_rate_ci_low,
        suggestion_rate_ci_high,
        n_mentions,
        share_of_suggestions_pct,
        share_ci_low,
        share_ci_high,
        is_reportable,
        previous_quarter,
        previous_n_mentions,
        previous_share_of_suggestions_pct,
        share_change_pts,
        share_change_z,
        {{ significant_if_reportable('share_change_z', 'is_reportable',
                                     'previous_is_reportable') }} as share_is_significant_change
    from with_previous
)

select * from final
