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
    {{ lexicon_answer_themes('responses', 'comment') }}
)

select * from final
