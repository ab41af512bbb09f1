{#-
    Which lexicon themes a free-text column mentions, for the comment themes and the
    suggestion themes alike: the patterns of the answer's own language, or every language's
    when its language is missing or has no patterns. Emits CTEs (no leading `with`, no
    trailing comma) ending in `lexicon_text_themes`: one row per distinct text × language key
    × theme, with matched_by 'language' or 'fallback'. `lexicon_answer_themes` below joins it
    back to the answers.

    answers:  a CTE with the text column and `language`
    patterns: a CTE with theme_id, language, pattern (a lexicon's patterns seed)
-#}
{% macro lexicon_matches(answers, text_column, patterns) %}
lexicon_patterns as (
    select
        theme_id,
        lower(trim(language)) as pattern_language,
        pattern
    from {{ patterns }}
    where nullif(trim(pattern), '') is not null
),

lexicon_languages as (
    select distinct pattern_language from lexicon_patterns
),

-- Patterns are not constants, so RE2 compiles one per evaluation: match each distinct text
-- once (answers often repeat a text) instead of once per answer.
lexicon_texts as (
    select distinct
        {{ answers }}.{{ text_column }} as text,
        coalesce({{ answers }}.language, '') as language_key,
        lexicon_languages.pattern_language is not null as has_language_patterns
    from {{ answers }}
    left join lexicon_languages
        on {{ answers }}.language = lexicon_languages.pattern_language
    where nullif(trim({{ answers }}.{{ text_column }}), '') is not null
),

lexicon_text_languages as (
    select
        lexicon_texts.text,
        lexicon_texts.language_key,
        lexicon_texts.has_language_patterns,
        lexicon_languages.pattern_language
    from lexicon_texts
    inner join lexicon_languages
        on
            lexicon_texts.language_key = lexicon_languages.pattern_language
            or not lexicon_texts.has_language_patterns
),

-- A theme counts once per text, however many of its patterns (or languages) matched.
lexicon_text_themes as (
    select distinct
        lexicon_text_languages.text,
        lexicon_text_languages.language_key,
        lexicon_patterns.theme_id,
        case when lexicon_text_languages.has_language_patterns then 'language' else 'fallback' end
            as matched_by
    from lexicon_text_languages
    inner join lexicon_patterns
        on
            lexicon_text_languages.pattern_language = lexicon_patterns.pattern_language
            and {{ regexp_matches_ci('lexicon_text_languages.text', 'lexicon_patterns.pattern') }}
)
{% endmacro %}

{#-
    One row per answer × theme it mentions, after `lexicon_matches` on the same answers and
    text column: the answer's ids, quarter, cell, language, NPS, its text and matched_by.
    A select statement (for a `final` CTE).
-#}
{% macro lexicon_answer_themes(answers, text_column) %}
    select
        {{ answers }}.response_id,
        lexicon_text_themes.theme_id,
        {{ answers }}.quarter,
        {{ answers }}.quarter_start,
        {{ answers }}.touchpoint,
        {{ answers }}.segment,
        {{ answers }}.language,
        {{ answers }}.nps_score,
        {{ answers }}.nps_group,
        {{ answers }}.{{ text_column }},
        lexicon_text_themes.matched_by
    from {{ answers }}
    inner join lexicon_text_themes
        on
            {{ answers }}.{{ text_column }} = lexicon_text_themes.text
            and coalesce({{ answers }}.language, '') = lexicon_text_themes.language_key
{% endmacro %}
