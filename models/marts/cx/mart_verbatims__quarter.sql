-- Up to three representative comments per quarter × theme (all touchpoints), for reports:
-- distinct texts from the NPS group that tips the theme's NPS first, then by a stable hash
-- of response_id, so a rebuild picks the same quotes and nothing is left to chance.
{%- set max_verbatims = 3 %}

with mentions as (
    select * from {{ ref('int_survey_comments__themes') }}
),

group_counts as (
    select
        quarter_start,
        theme_id,
        count(case when nps_group = 'promoter' then 1 end) as n_promoters,
        count(case when nps_group = 'detractor' then 1 end) as n_detractors
    from mentions
    group by quarter_start, theme_id
),

-- The quoted voice is the one that tips the theme's NPS: a pain point in its critics' words,
-- a strength in its fans', and passives when neither outweighs the other.
dominant_groups as (
    select
        quarter_start,
        theme_id,
        case
            when n_detractors > n_promoters then 'detractor'
            when n_promoters > n_detractors then 'promoter'
            else 'passive'
        end as dominant_nps_group
    from group_counts
),

-- Masking upstream should have removed e-mails and phone numbers; a quote is shown to
-- readers, so a comment that masking would still change is never one.
candidates as (
    select
        mentions.*,
        dominant_groups.dominant_nps_group,
        coalesce(mentions.nps_group = dominant_groups.dominant_nps_group, false) as is_dominant,
        -- A quote with contact details cut out reads worse: used only when nothing else is left.
        (mentions.comment like '%[email]%' or mentions.comment like '%[phone]%')
            as has_masked_contact,
        md5(mentions.response_id) as stable_hash
    from mentions
    inner join dominant_groups
        on
            mentions.quarter_start = dominant_groups.quarter_start
            and mentions.theme_id = dominant_groups.theme_id
    where {{ mask_pii('mentions.comment') }} = mentions.comment
),

-- The same sentence three times says nothing more: one answer per distinct text.
distinct_texts as (
    select
        *,
        row_number() over (
            partition by quarter_start, theme_id, comment
            order by is_dominant desc, stable_hash asc
        ) as text_rank
    from candidates
),

ranked as (
    select
        *,
        row_number() over (
            partition by quarter_start, theme_id
            order by is_dominant desc, has_masked_contact asc, stable_hash asc
        ) as verbatim_rank
    from distinct_texts
    where text_rank = 1
),

final as (
    select
        quarter,
        quarter_start,
        theme_id,
        verbatim_rank,
        response_id,
        touchpoint,
        segment,
        language,
        nps_score,
        nps_group,
        dominant_nps_group,
        comment
    from ranked
    where verbatim_rank <= {{ max_verbatims }}
)

select * from final
