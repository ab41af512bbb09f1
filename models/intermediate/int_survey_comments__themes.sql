-- Which lexicon themes each free-text comment mentions: the patterns of the comment's own
-- language, or every language's when the language is missing or has no patterns
-- (macros/lexicon.sql, shared with the suggestion themes).
with responses as (
    select * from {{ ref('int_survey_responses__scored') }}
),

theme_patterns as (
    select * from {{ ref('verbatim_theme_patterns') }}
),

{{ lexicon_matches('responses', 'comment', 'theme_patterns') }},

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
        responses.comment,
        lexicon_text_themes.matched_by
    from responses
    inner join lexicon_text_themes
        on
            responses.comment = lexicon_text_themes.text
            and coalesce(responses.language, '') = lexicon_text_themes.language_key
)

select * from final
