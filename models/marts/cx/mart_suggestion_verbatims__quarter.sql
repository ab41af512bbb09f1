-- Up to three suggestions quoted per quarter × idea (all touchpoints), for reports: distinct
-- texts, a stable hash of response_id deciding among them, so a rebuild picks the same quotes.
{%- set max_verbatims = 3 %}

with mentions as (
    select * from {{ ref('int_survey_suggestions__themes') }}
),

-- Masking upstream should have removed e-mails and phone numbers; a quote is shown to
-- readers, so a suggestion that masking would still change is never one.
candidates as (
    select
        *,
        -- A quote with contact details cut out reads worse: used only when nothing else is left.
        (suggestion like '%[email]%' or suggestion like '%[phone]%') as has_masked_contact,
        md5(response_id) as stable_hash
    from mentions
    where {{ mask_pii('suggestion') }} = suggestion
),

-- The same sentence three times says nothing more: one answer per distinct text.
distinct_texts as (
    select
        *,
        row_number() over (
            partition by quarter_start, theme_id, suggestion order by stable_hash asc
        ) as text_rank
    from candidates
),

ranked as (
    select
        *,
        row_number() over (
            partition by quarter_start, theme_id
            order by has_masked_contact asc, stable_hash asc
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
        has_masked_contact,
        suggestion
    from ranked
    where verbatim_rank <= {{ max_verbatims }}
)

select * from final
