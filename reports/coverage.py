"""What a report's data supports, and what the page says it leaves out.

`survey_responses` is the one source every inbox has; the other seven are optional and may arrive
later. A report shows what its data supports: this module decides, once for all sections,
which of the report's tables stand on loaded data (a churn table without churn events would
show 0 % churn, which is no data, not a finding) and writes one line per absent source for the
"What this report covers" block. Sections then find their tables empty and are left out, so no
section is ever shown empty.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from reports.data import ALL, MartData, SectionData
from reports.language import Locale

OPTIONAL_SOURCES: tuple[str, ...] = (
    "crm_customers",
    "crm_orders",
    "churn_events",
    "mystery_shopping",
    "lost_deals",
    "improvement_actions",
    "targets",
)
# The report's tables (reports/data.py QUERIES) that stand on each optional source.
# Customers are the population of churn, cohorts and revenue at risk; orders give value.
TABLES_NEEDING: Mapping[str, tuple[str, ...]] = {
    "crm_customers": ("churn", "churn_groups", "cohorts", "risk"),
    "crm_orders": ("risk", "clv"),
    "churn_events": ("churn", "churn_groups", "cohorts"),
    "mystery_shopping": ("mystery",),
    "lost_deals": ("price_claims", "reasons"),
    "improvement_actions": ("actions",),
    "targets": ("targets",),
}
# Tables that link a survey answer to a customer: nothing to show when no answer has an id.
TABLES_NEEDING_CUSTOMER_IDS: tuple[str, ...] = ("churn_groups", "risk")
# Segment values that say nothing about the customer: no id, or no segment known for it.
NO_SEGMENT: frozenset[str] = frozenset({"unknown", "anonymous"})


@dataclass(frozen=True)
class Coverage:
    """Which sources have loaded rows and what the survey answers carry."""

    loaded: frozenset[str]
    has_customer_ids: bool
    has_segments: bool

    @property
    def absent(self) -> tuple[str, ...]:
        """The optional sources without a loaded row, in the contract's order."""
        return tuple(s for s in OPTIONAL_SOURCES if s not in self.loaded)

    def dropped_tables(self) -> frozenset[str]:
        """The report tables that this data cannot support."""
        dropped = {t for s in self.absent for t in TABLES_NEEDING[s]}
        if not self.has_customer_ids:
            dropped.update(TABLES_NEEDING_CUSTOMER_IDS)
        return frozenset(dropped)


def coverage_of(data: MartData, sections: SectionData) -> Coverage:
    """Read the coverage from the pipeline's load counts and the scores mart's segments."""
    loads = sections.rows("loads") or []
    loaded = frozenset(
        str(r["source"]) for r in loads if r["source"] != ALL and (r["rows_loaded"] or 0) > 0
    )
    segments = {seg for (_, seg, _) in data.rows if seg != ALL}
    respondents = (sections.rows("respondents") or [{}])[0]
    return Coverage(
        loaded=loaded,
        has_customer_ids=(respondents.get("n_with_customer_id") or 0) > 0,
        has_segments=bool(segments - NO_SEGMENT),
    )


def _segment_free(row: Mapping[str, Any]) -> bool:
    """False for a row about a segment that says nothing (unknown / anonymous)."""
    if row.get("target_type") == "segment" and row.get("target_value") in NO_SEGMENT:
        return False
    return row.get("segment", ALL) == ALL or row.get("segment") not in NO_SEGMENT


def restrict(
    coverage: Coverage, data: MartData, sections: SectionData
) -> tuple[MartData, SectionData]:
    """The mart rows and report tables this data supports; the rest are left out.

    Without any known segment, the per-segment rows go (breakdown, heat map, movers, drivers
    and proposals by segment): 'unknown' is no kohderyhmä, and its scores repeat the headline.
    """
    dropped = coverage.dropped_tables()
    tables = {name: rows for name, rows in sections.tables.items() if name not in dropped}
    if coverage.has_segments:
        return data, SectionData(tables)
    rows = {key: row for key, row in data.rows.items() if key[1] == ALL}
    tables = {name: [r for r in rows_ if _segment_free(r)] for name, rows_ in tables.items()}
    return replace(data, rows=rows), SectionData(tables)


def coverage_lines(coverage: Coverage, loc: Locale) -> list[dict[str, str]]:
    """One sentence per absent source (and for answers without ids or segments)."""
    texts = loc.text["coverage"]
    lines = []
    for source in coverage.absent:
        key = source
        if source == "crm_customers" and coverage.has_segments:
            key = "crm_customers_survey_segments"
        lines.append({"source": source, "text": texts[key]})
    if not coverage.has_customer_ids:
        lines.append({"source": "customer_id", "text": texts["no_customer_ids"]})
    if not coverage.has_segments and "crm_customers" in coverage.loaded:
        key = "no_segments" if coverage.has_customer_ids else "no_segments_anonymous"
        lines.append({"source": "segment", "text": texts[key]})
    return lines
