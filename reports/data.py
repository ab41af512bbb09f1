"""What the report reads: the scores mart and every other table, loaded once, read-only.

The report's sections only pick rows out of what this module loads; nothing here formats.
`report_tables()` names every table read: it must equal the dbt exposure `quarterly_report`
(models/exposures.yml), which is where the Dagster asset takes its upstream marts from.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from reports.language import LANGUAGES

ALL = "all"
MART = "marts.mart_cx_scores__quarter"
# Quarters become folder names, so anything but "YYYY-Qn" is refused rather than written.
QUARTER_RE = re.compile(r"^\d{4}-Q[1-4]$")

Row = dict[str, Any]
Key = tuple[str, str, str]


@dataclass(frozen=True)
class Metric:
    """Where one score lives in the mart; `key` is also its column prefix and locale key."""

    key: str
    value_col: str
    n_col: str
    flag_col: str
    percent: bool
    scale: tuple[int, int] | None

    def col(self, suffix: str) -> str:
        """Column `<key>_<suffix>`, e.g. `csat_ci_low`."""
        return f"{self.key}_{suffix}"


METRICS: tuple[Metric, ...] = (
    Metric("nps", "nps", "n_nps", "is_reportable", percent=False, scale=None),
    Metric("csat", "csat_pct", "n_csat", "csat_is_reportable", percent=True, scale=(1, 5)),
    Metric("ces", "ces_pct", "n_ces", "ces_is_reportable", percent=True, scale=(1, 7)),
    Metric("cls", "cls_pct", "n_cls", "cls_is_reportable", percent=True, scale=(1, 5)),
)
NPS = METRICS[0]


def _required_columns() -> list[str]:
    cols = [
        "quarter",
        "quarter_start",
        "segment",
        "touchpoint",
        "n_responses",
        "promoters_pct",
        "passives_pct",
        "detractors_pct",
    ]
    for m in METRICS:
        cols += [m.n_col, m.value_col, m.col("ci_low"), m.col("ci_high"), m.flag_col]
        if m.scale is not None:
            cols.append(m.col("mean"))
        cols += [m.col("prev"), m.col("change"), m.col("change_z"), m.col("is_significant_change")]
    return list(dict.fromkeys(cols))


REQUIRED_COLUMNS: tuple[str, ...] = tuple(_required_columns())
# Read when the mart has them (an older build lacks them; the summary then says less).
OPTIONAL_COLUMNS: tuple[str, ...] = (
    "nps_band",
    "previous_quarter",
    "yoy_quarter",
    "yoy_n_nps",
    "nps_yoy_prev",
    "nps_yoy_change",
    "nps_yoy_change_z",
    "nps_yoy_is_significant_change",
)

# Every other table the report reads: name -> select over one mart or seed (its first `from`).
# Each select only picks rows and columns: every figure, share, mean and is_reportable flag is
# the mart's, so the report computes nothing a mart could.
QUERIES: Mapping[str, str] = {
    "churn": (
        "select quarter, quarter_start, segment, active_at_start, churn_pct, retention_pct, "
        "churn_ci_low, churn_ci_high, retention_ci_low, retention_ci_high, is_reportable "
        "from marts.mart_churn__quarter_segment order by quarter_start, quarter, segment"
    ),
    "churn_groups": (
        "select quarter, score, score_group, active_at_start, lost, churn_pct, churn_ci_low, "
        "churn_ci_high, is_reportable, churn_ratio_vs_best_group, churn_ratio_ci_low, "
        "churn_ratio_ci_high, churn_ratio_is_reportable "
        "from marts.mart_churn__score_group where score in ('nps', 'csat')"
    ),
    "risk": (
        "select quarter, segment, customers_active_at_end, customers_at_risk, "
        "trailing_12m_net_revenue, revenue_at_risk, revenue_at_risk_pct, "
        "has_full_trailing_year, is_reportable "
        "from marts.mart_revenue_at_risk__quarter_segment"
    ),
    "clv": (
        "select segment, n_customers, mean_clv, clv_ci_low, clv_ci_high, horizon_months, "
        "value_model, fallback_reason, is_reportable, retention_n_customers, "
        "quarterly_retention_pct, margin_per_customer_quarter, clv_margin, "
        "quarterly_discount_rate, simple_clv, simple_clv_ci_low, simple_clv_ci_high, "
        "simple_clv_is_reportable from marts.mart_customer_clv__segment"
    ),
    "mystery": (
        "select quarter, brand, is_our_brand, item, n_visits, score_pct, score_ci_low, "
        "score_ci_high, is_reportable, weakness_rank from marts.mart_mystery_shopping__item_scores "
        "where channel = 'all' and location = 'all'"
    ),
    "price_claims": (
        "select quarter, n_stated_price_interviewed, price_not_real_pct, "
        "price_not_real_ci_low, price_not_real_ci_high, is_reportable "
        "from marts.mart_lost_deals__price_claims where competitor = 'all'"
    ),
    "reasons": (
        "select quarter, stated_reason, real_reason, n_deals, n_stated, is_reportable "
        "from marts.mart_lost_deals__reason_matrix where competitor = 'all'"
    ),
    # What the answers carry (reports/coverage.py): customer ids link them to the CRM.
    "respondents": (
        "select count(*) as n_answers, count(customer_id) as n_with_customer_id "
        "from marts.fct_survey_responses"
    ),
    "benchmarks": "select * from seeds.nps_benchmarks order by nps",
    "cohorts": (
        "select cohort, quarters_since_start, quarter as activity_quarter, cohort_size, "
        "retention_pct, retention_ci_low, retention_ci_high, is_reportable "
        "from marts.mart_retention__cohort"
    ),
    # The annual NPS both ways (pooled, and the mean of the quarters), for the Q4 report.
    "year": "select * from marts.mart_cx_scores__year",
    # Scores per survey programme: relationship and transactional NPS headlined apart.
    "survey_scores": "select * from marts.mart_cx_scores__survey_quarter",
    "drivers": "select * from marts.mart_key_drivers__quarter",
    # Stated importance against today's rating per driver × respondent group.
    "expectations": "select * from marts.mart_expectations__quarter",
    "proposals": "select * from marts.mart_improvement_proposals__quarter",
    "movers": "select * from marts.mart_cx_movers__quarter",
    "themes": "select * from marts.mart_themes__quarter",
    # One label column per report language (label_en, label_fi, label_sv).
    "theme_labels": (
        f"select theme_id, {', '.join(f'label_{lang}' for lang in LANGUAGES)} "
        "from seeds.verbatim_themes"
    ),
    "verbatims": "select * from marts.mart_verbatims__quarter",
    # "How could we exceed your expectations?": ideas per quarter × touchpoint, quotes, and
    # the customers' idea that supports each improvement proposal.
    "suggestions": "select * from marts.mart_suggestion_themes__quarter",
    "suggestion_verbatims": "select * from marts.mart_suggestion_verbatims__quarter",
    "proposal_suggestions": "select * from marts.mart_improvement_proposals__suggestions",
    "loads": "select * from marts.mart_pipeline__loads",
    "actions": "select * from marts.mart_improvement_actions__effect",
    # The CX team's targets judged per quarter (the summary's Targets block, the cards' markers).
    "targets": "select * from marts.mart_cx_targets__quarter",
}


def query_table(sql: str) -> str:
    """The schema.table a report query reads (its first `from`)."""
    match = re.search(r"\bfrom\s+([\w.]+)", sql)
    return match.group(1) if match else "?"


def report_tables() -> list[str]:
    """schema.table of everything the report reads, sorted: the exposure's depends_on."""
    return sorted({MART, *(query_table(sql) for sql in QUERIES.values())})


class ReportDataError(RuntimeError):
    """A table the report reads is missing or unreadable: a failed model or a bug, not no data."""


@dataclass(frozen=True)
class MartData:
    """The mart's rows indexed by (quarter, segment, touchpoint); quarters oldest first."""

    quarters: tuple[str, ...]
    rows: Mapping[Key, Row]

    def get(self, quarter: str, segment: str, touchpoint: str) -> Row | None:
        """The row for one cell, or None when the mart has none."""
        return self.rows.get((quarter, segment, touchpoint))

    def in_quarter(self, quarter: str) -> list[Row]:
        """All rows of one quarter."""
        return [r for (q, _, _), r in self.rows.items() if q == quarter]

    def previous(self, quarter: str, segment: str, touchpoint: str) -> tuple[str, Row] | None:
        """The nearest earlier quarter's row for the same cell, if any."""
        index = self.quarters.index(quarter)
        for q in reversed(self.quarters[:index]):
            row = self.get(q, segment, touchpoint)
            if row is not None:
                return q, row
        return None


@dataclass(frozen=True)
class SectionData:
    """Rows of each extra table that could be read; a missing name means a missing table."""

    tables: Mapping[str, list[Row]] = field(default_factory=dict)

    def rows(self, name: str, quarter: str | None = None) -> list[Row] | None:
        """All rows of one query (or of one quarter), None when its table was not readable."""
        rows = self.tables.get(name)
        if rows is None:
            return None
        return rows if quarter is None else [r for r in rows if r["quarter"] == quarter]


def load_mart(warehouse: Path) -> MartData:
    """Read the quarter scores mart from a DuckDB file (read-only; closed before returning)."""
    if not warehouse.is_file():
        raise FileNotFoundError(f"warehouse not found: {warehouse}")
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        present = {
            name
            for (name,) in con.execute(
                "select column_name from information_schema.columns "
                "where table_schema = 'marts' and table_name = 'mart_cx_scores__quarter'"
            ).fetchall()
        }
        if not present:
            raise ValueError(f"{warehouse}: table {MART} not found")
        missing = [c for c in REQUIRED_COLUMNS if c not in present]
        if missing:
            raise ValueError(f"{warehouse}: {MART} lacks columns {', '.join(missing)}")
        columns = [*REQUIRED_COLUMNS, *(c for c in OPTIONAL_COLUMNS if c in present)]
        cursor = con.execute(
            f"select {', '.join(columns)} from {MART} "
            "order by quarter_start, quarter, segment, touchpoint"
        )
        names = [d[0] for d in cursor.description]
        records = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    finally:
        con.close()
    return _index_rows(records)


def _index_rows(records: Sequence[Row]) -> MartData:
    rows: dict[Key, Row] = {}
    starts: dict[str, Any] = {}
    for record in records:
        quarter = record["quarter"]
        if not isinstance(quarter, str) or not QUARTER_RE.match(quarter):
            raise ValueError(f"{MART}: quarter {quarter!r} is not of the form YYYY-Qn")
        if not isinstance(record["segment"], str) or not isinstance(record["touchpoint"], str):
            raise ValueError(f"{MART}: {quarter} has a row with a null segment or touchpoint")
        key = (quarter, record["segment"], record["touchpoint"])
        if key in rows:
            raise ValueError(f"{MART}: duplicate row for {key}")
        if starts.setdefault(quarter, record["quarter_start"]) != record["quarter_start"]:
            raise ValueError(f"{MART}: quarter {quarter} has more than one quarter_start")
        rows[key] = record
    quarters = tuple(sorted(starts, key=lambda q: (starts[q], q)))
    return MartData(quarters=quarters, rows=rows)


def load_sections(warehouse: Path) -> SectionData:
    """Read every table of QUERIES (read-only).

    An absent source gives an empty mart, which is no data and reads as zero rows. A table that
    cannot be read at all is a failed or missing model: that stops the report with the table's
    name rather than publishing a page that silently lacks the section.
    """
    tables: dict[str, list[Row]] = {}
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        for name, sql in QUERIES.items():
            try:
                cursor = con.execute(sql)
            except duckdb.Error as exc:
                raise ReportDataError(
                    f"the report cannot read {query_table(sql)} (section data {name!r}) in "
                    f"{warehouse}: {exc}. Build the marts first (make run); if dbt built it, "
                    "the model or this query is wrong."
                ) from exc
            names = [d[0] for d in cursor.description]
            tables[name] = [dict(zip(names, v, strict=True)) for v in cursor.fetchall()]
    finally:
        con.close()
    return SectionData(tables)
