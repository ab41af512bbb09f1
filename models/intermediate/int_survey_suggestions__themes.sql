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
    {{ lexicon_answer_themes('responses', 'suggestion') }}
)

select * from final
