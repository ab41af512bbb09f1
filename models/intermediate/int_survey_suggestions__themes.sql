-- Which improvement ideas each answer to "How could we exceed your expectations?" names: the
-- suggestion lexicon (seeds/suggestion_theme_patterns.csv) matched as the comment themes are
-- (macros/lexicon.sql). The suggestion is the PII-masked text from staging.
with responses as (
    select * from {{ ref('int_survey_responses__scored') }}
),

suggestion_patterns as (
    select * from {{ ref('suggestion_theme_patterns') }}
),

{{ lexicon_matches('responses', 'suggestion', 'suggestion_patterns') }},

final as (
    select
        responses.response_id,
        lexicon_text_themes.theme_id,
        responses.quarter,
        responses.quarter_start,
        responses.touchpoint,
        responses.segment,
        responses.language,
        responses.nps_score,
        responses.nps_group,
        responses.suggestion,
        lexicon_text_themes.matched_by
    from responses
    inner join lexicon_text_themes
        on
            responses.suggestion = lexicon_text_themes.text
            and coalesce(responses.language, '') = lexicon_text_themes.language_key
)

select * from final
