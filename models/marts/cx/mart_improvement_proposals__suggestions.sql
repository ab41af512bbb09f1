-- Customers' own ideas as evidence of the improvement proposals: for each proposal, the most
-- named suggestion idea of its driver (seeds/suggestion_themes.csv `driver`) where it aims —
-- its touchpoint, or every touchpoint for a segment proposal — in the same quarter. The
-- proposals and their ranking stay what mart_improvement_proposals__quarter says.
{{ config(tags=['after_analytics']) }}

with proposals as (
    select * from {{ ref('mart_improvement_proposals__quarter') }}
),

suggestions as (
    select * from {{ ref('mart_suggestion_themes__quarter') }}
),

targets as (
    select
        proposal_id,
        quarter,
        proposal_rank,
        target_type,
        target_value,
        driver,
        case when target_type = 'touchpoint' then target_value else 'all' end
            as evidence_touchpoint
    from proposals
),

candidates as (
    select
        targets.proposal_id,
        targets.quarter,
        targets.proposal_rank,
        targets.target_type,
        targets.target_value,
        targets.driver,
        targets.evidence_touchpoint,
        suggestions.theme_id,
        suggestions.label_fi,
        suggestions.label_en,
        suggestions.label_sv,
        suggestions.n_mentions,
        suggestions.n_suggestions,
        suggestions.share_of_suggestions_pct,
        suggestions.share_ci_low,
        suggestions.share_ci_high,
        row_number() over (
            partition by targets.proposal_id
            order by suggestions.n_mentions desc, suggestions.theme_id asc
        ) as evidence_rank
    from targets
    inner join suggestions
        on
            targets.quarter = suggestions.quarter
            and targets.evidence_touchpoint = suggestions.touchpoint
            and targets.driver = suggestions.driver
    where suggestions.is_reportable and suggestions.n_mentions > 0
),

final as (
    select
        proposal_id,
        quarter,
        proposal_rank,
        target_type,
        target_value,
        driver,
        evidence_touchpoint,
        theme_id,
        label_fi,
        label_en,
        label_sv,
        n_mentions,
        n_suggestions,
        share_of_suggestions_pct,
        share_ci_low,
        share_ci_high
    from candidates
    where evidence_rank = 1
)

select * from final
