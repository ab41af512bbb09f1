-- Which lexicon themes each free-text comment mentions: the patterns of the comment's own
-- language, or every language's when the language is missing or has no patterns.
with responses as (
    select * from {{ ref('int_survey_responses__scored') }}
),

theme_patterns as (
    select * from {{ ref('verbatim_theme_patterns') }}
),

patterns as (
    select
        theme_id,
        lower(trim(language)) as pattern_language,
        pattern
    from theme_patterns
    where nullif(trim(pattern), '') is not null
),

pattern_languages as (
    select distinct pattern_language from patterns
),

comments as (
    select
        responses.response_id,
        responses.quarter,
        responses.quarter_start,
        responses.touchpoint,
        responses.segment,
        responses.language,
        responses.nps_score,
        responses.nps_group,
        responses.comment,
        pattern_languages.pattern_language is not null as has_language_patterns
    from responses
    left join pattern_languages
        on responses.language = pattern_languages.pattern_language
    where nullif(trim(responses.comment), '') is not null
),

-- Patterns are not constants, so RE2 compiles one per evaluation: match each distinct text
-- once (answers often repeat a text) instead of once per answer.
comment_texts as (
    select distinct
        comment,
        coalesce(language, '') as language_key,
        has_language_patterns
    from comments
),

text_languages as (
    select
        comment_texts.comment,
        comment_texts.language_key,
        comment_texts.has_language_patterns,
        pattern_languages.pattern_language
    from comment_texts
    inner join pattern_languages
        on
            comment_texts.language_key = pattern_languages.pattern_language
            or not comment_texts.has_language_patterns
),

-- A theme counts once per text, however many of its patterns (or languages) matched.
text_themes as (
    select distinct
        text_languages.comment,
        text_languages.language_key,
        patterns.theme_id,
        case when text_languages.has_language_patterns then 'language' else 'fallback' end
            as matched_by
    from text_languages
    inner join patterns
        on
            text_languages.pattern_language = patterns.pattern_language
            and {{ regexp_matches_ci('text_languages.comment', 'patterns.pattern') }}
),

final as (
    select
        comments.response_id,
        text_themes.theme_id,
        comments.quarter,
        comments.quarter_start,
        comments.touchpoint,
        comments.segment,
        comments.language,
        comments.nps_score,
        comments.nps_group,
        comments.comment,
        text_themes.matched_by
    from comments
    inner join text_themes
        on
            comments.comment = text_themes.comment
            and coalesce(comments.language, '') = text_themes.language_key
)

select * from final
