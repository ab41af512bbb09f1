"""Extra quarter-page sections from the retention, value and research marts.

Every number comes from a mart; Python only picks rows and formats them. A cell whose n is
below min n (or whose mart flag says not reportable) shows the suppression text, never its
value. A mart missing from the warehouse (an older build) leaves its section out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import duckdb
from markupsafe import Markup

from reports.charts import Series, nps_trend_svg
from reports.formatting import (
    NumberStyle,
    format_int,
    format_interval,
    format_number,
    format_percent,
)

ALL = "all"
PCT_DECIMALS = 1
RATIO_DECIMALS = 1
CHART_QUARTERS = 8
NPS_GROUPS: tuple[str, ...] = ("promoter", "passive", "detractor", "no_answer")

Row = dict[str, Any]

# name -> select over the mart (the CLV one aggregates in SQL, never in Python).
QUERIES: Mapping[str, str] = {
    "churn": (
        "select quarter, quarter_start, segment, active_at_start, churn_pct, retention_pct, "
        "churn_ci_low, churn_ci_high, is_reportable "
        "from marts.mart_churn__quarter_segment order by quarter_start, quarter, segment"
    ),
    "churn_groups": (
        "select quarter, score, score_group, active_at_start, churn_pct, churn_ci_low, "
        "churn_ci_high, is_reportable, churn_ratio_vs_best_group "
        "from marts.mart_churn__score_group where score = 'nps'"
    ),
    "risk": (
        "select quarter, segment, customers_active_at_end, customers_at_risk, "
        "trailing_12m_net_revenue, revenue_at_risk, revenue_at_risk_pct, "
        "has_full_trailing_year from marts.mart_revenue_at_risk__quarter_segment"
    ),
    "clv": (
        "select coalesce(segment, 'all') as segment, count(*) as n_customers, "
        "avg(clv) as mean_clv, max(horizon_months) as horizon_months, "
        "max(value_model) as value_model, max(fallback_reason) as fallback_reason "
        "from marts.mart_customer_clv group by grouping sets ((segment), ()) "
        "having count(*) > 0"
    ),
    "mystery": (
        "select quarter, brand, is_our_brand, item, n_visits, score_pct, is_reportable, "
        "weakness_rank from marts.mart_mystery_shopping__item_scores "
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
    # The leadership sections (reports/insights.py).
    "benchmarks": "select industry, nps, source, year from seeds.nps_benchmarks order by nps",
    "cohorts": (
        "select cohort, quarters_since_start, quarter as activity_quarter, cohort_size, "
        "retention_pct, is_reportable from marts.mart_retention__cohort"
    ),
    "drivers": "select * from marts.mart_key_drivers__quarter",
    "proposals": "select * from marts.mart_improvement_proposals__quarter",
    "themes": "select * from marts.mart_themes__quarter",
    "theme_labels": "select theme_id, label_fi, label_en from seeds.verbatim_themes",
    "verbatims": "select * from marts.mart_verbatims__quarter",
    "loads": "select * from marts.mart_pipeline__loads",
    "actions": "select * from marts.mart_improvement_actions__effect",
}


class LocaleLike(Protocol):
    lang: str
    numbers: NumberStyle
    text: Mapping[str, Any]


@dataclass(frozen=True)
class SectionData:
    """Rows of each extra mart that could be read; a missing name means a missing mart."""

    tables: Mapping[str, list[Row]] = field(default_factory=dict)

    def rows(self, name: str, quarter: str | None = None) -> list[Row] | None:
        """All rows of one query (or of one quarter), None when its mart was not readable."""
        rows = self.tables.get(name)
        if rows is None:
            return None
        return rows if quarter is None else [r for r in rows if r["quarter"] == quarter]


class ReportDataError(RuntimeError):
    """A table the report reads is missing or unreadable: a failed model or a bug, not no data."""


def query_table(sql: str) -> str:
    """The schema.table a report query reads (its first `from`)."""
    match = re.search(r"\bfrom\s+([\w.]+)", sql)
    return match.group(1) if match else "?"


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


# --- cells ---------------------------------------------------------------------------------


def _finite(value: Any) -> bool:
    return value is not None and math.isfinite(float(value))


def _suppressed_text(loc: LocaleLike, min_n: int) -> str:
    return loc.text["suppressed"].format(min_n=format_int(min_n, loc.numbers))


def _n_text(n: int, loc: LocaleLike) -> str:
    return loc.text["n_label"].format(n=format_int(n, loc.numbers))


def value_cell(
    value: Any,
    n: Any,
    flag: Any,
    loc: LocaleLike,
    min_n: int,
    fmt: Callable[[Any], str],
    low: Any = None,
    high: Any = None,
) -> dict[str, Any]:
    """One shown number with its n (and interval), or only the suppression / no-data text."""
    if flag is False or n is None or n < min_n:
        return {"state": "suppressed", "value": _suppressed_text(loc, min_n), "n": "", "ci": ""}
    if not _finite(value):
        return {"state": "missing", "value": loc.text["no_data"], "n": "", "ci": ""}
    ci = ""
    if _finite(low) and _finite(high):
        ci = format_interval(low, high, PCT_DECIMALS, loc.numbers)
    return {"state": "ok", "value": fmt(value), "n": _n_text(n, loc), "ci": ci}


def _pct(loc: LocaleLike) -> Callable[[Any], str]:
    return lambda v: format_percent(v, PCT_DECIMALS, loc.numbers)


def _eur(loc: LocaleLike) -> Callable[[Any], str]:
    return lambda v: loc.text["eur_pattern"].format(value=format_number(v, 0, loc.numbers))


def _label(loc: LocaleLike, group: str, code: Any) -> str:
    labels = loc.text.get(group) or {}
    return str(labels.get(code, code))


def _by_name(value: Any) -> tuple[str, str]:
    return (str(value).casefold(), str(value))


# --- churn and retention -------------------------------------------------------------------


def _churn_chart(rows: Sequence[Row], quarter: str, loc: LocaleLike, min_n: int) -> Markup | None:
    t = loc.text
    headline = {r["quarter"]: r for r in rows if r["segment"] == ALL}
    ordered = sorted(headline.values(), key=lambda r: (r["quarter_start"], r["quarter"]))
    quarters = [r["quarter"] for r in ordered]
    if quarter not in quarters:
        return None
    end = quarters.index(quarter) + 1
    window = quarters[max(0, end - CHART_QUARTERS) : end]
    values: list[float | None] = []
    for q in window:
        row = headline[q]
        cell = value_cell(
            row["churn_pct"], row["active_at_start"], row["is_reportable"], loc, min_n, str
        )
        values.append(float(row["churn_pct"]) if cell["state"] == "ok" else None)
    shown = [v for v in values if v is not None]
    if not shown:
        return None
    # A fixed axis from 0 to the next multiple of 5 above the highest drawn value.
    top = max(5.0, 5.0 * math.ceil(max(shown) / 5.0))
    ticks = [top * i / 5 for i in range(6)]  # whole numbers: the axis top is a multiple of 5
    svg = nps_trend_svg(
        window,
        [Series(t["churn_series"], values, emphasis=True)],
        title=t["churn_chart_title"].format(first=window[0], last=window[-1]),
        desc=t["churn_chart_desc"].format(min_n=format_int(min_n, loc.numbers)),
        format_value=_pct(loc),
        format_tick=lambda v: format_percent(v, 0 if float(v).is_integer() else 2, loc.numbers),
        chart_id="churn-trend",
        y_range=(0.0, top),
        y_ticks=ticks,
    )
    # nps_trend_svg escapes every text it writes.
    return Markup(svg)


def churn_section(
    data: SectionData, quarter: str, loc: LocaleLike, min_n: int
) -> dict[str, Any] | None:
    all_rows = data.rows("churn")
    groups_rows = data.rows("churn_groups", quarter)
    if all_rows is None and groups_rows is None:
        return None
    t = loc.text
    rows = [r for r in (all_rows or []) if r["quarter"] == quarter]
    if not rows and not groups_rows:
        return None
    pct = _pct(loc)

    def churn(row: Row) -> dict[str, Any]:
        return value_cell(
            row["churn_pct"], row["active_at_start"], row["is_reportable"], loc, min_n, pct,
            row["churn_ci_low"], row["churn_ci_high"],
        )  # fmt: skip

    def retention(row: Row) -> dict[str, Any]:
        # retention = 100 − churn, so its interval is the churn interval mirrored in the mart.
        return value_cell(
            row["retention_pct"], row["active_at_start"], row["is_reportable"], loc, min_n, pct
        )

    headline_row = next((r for r in rows if r["segment"] == ALL), None)
    headline = None
    if headline_row is not None:
        headline = {"churn": churn(headline_row), "retention": retention(headline_row)}
    segments = [
        {
            "name": r["segment"],
            "churn": churn(r),
            "retention": retention(r),
        }
        for r in sorted(rows, key=lambda r: _by_name(r["segment"]))
        if r["segment"] != ALL
    ]
    by_group = {r["score_group"]: r for r in groups_rows or []}
    groups = [
        {"name": _label(loc, "nps_groups", g), "churn": churn(by_group[g])}
        for g in NPS_GROUPS
        if g in by_group
    ]
    finding = ""
    if groups_rows:
        det, pro = by_group.get("detractor"), by_group.get("promoter")
        ratio = None if det is None else det["churn_ratio_vs_best_group"]
        if det and pro and churn(det)["state"] == churn(pro)["state"] == "ok" and _finite(ratio):
            finding = t["churn_ratio_finding"].format(
                ratio=format_number(ratio, RATIO_DECIMALS, loc.numbers)
            )
        else:
            finding = t["churn_ratio_suppressed"].format(min_n=format_int(min_n, loc.numbers))
    return {
        "headline": headline,
        "chart_svg": None if all_rows is None else _churn_chart(all_rows, quarter, loc, min_n),
        "segments": segments,
        "groups": groups,
        "finding": finding,
        "chart_note": t["churn_chart_note"].format(min_n=format_int(min_n, loc.numbers)),
    }


# --- value ---------------------------------------------------------------------------------


def value_section(
    data: SectionData, quarter: str, loc: LocaleLike, min_n: int
) -> dict[str, Any] | None:
    risk_rows = data.rows("risk", quarter)
    clv_rows = data.rows("clv")
    if not risk_rows and not clv_rows:
        return None
    eur, pct = _eur(loc), _pct(loc)

    def order(r: Row) -> tuple[bool, str, str]:
        return (r["segment"] != ALL, *_by_name(r["segment"]))

    def seg_name(segment: Any) -> str:
        return loc.text["all_customers"] if segment == ALL else str(segment)

    risk = []
    for r in sorted(risk_rows or [], key=order):
        n = r["customers_active_at_end"]
        risk.append(
            {
                "name": seg_name(r["segment"]),
                "revenue": value_cell(r["revenue_at_risk"], n, None, loc, min_n, eur),
                "share": value_cell(r["revenue_at_risk_pct"], n, None, loc, min_n, pct),
                "at_risk": value_cell(r["customers_at_risk"], n, None, loc, min_n,
                                      lambda v: format_int(int(v), loc.numbers)),
                "partial": r["has_full_trailing_year"] is False,
            }
        )  # fmt: skip
    clv = [
        {
            "name": seg_name(r["segment"]),
            "clv": value_cell(r["mean_clv"], r["n_customers"], None, loc, min_n, eur),
        }
        for r in sorted(clv_rows or [], key=order)
    ]
    horizon = next((r["horizon_months"] for r in clv_rows or [] if r["horizon_months"]), 12)
    months = format_int(int(horizon), loc.numbers)
    model = clv_model(clv_rows or [])
    caption = "clv_caption_historical" if model[0] == "historical" else "clv_caption"
    return {
        "risk": risk,
        "clv": clv,
        "clv_caption": loc.text[caption].format(months=months),
        "clv_model_note": clv_model_note(model, loc, months) if clv_rows else "",
    }


def clv_model(rows: Sequence[Row]) -> tuple[str, str | None]:
    """(value_model, fallback_reason) of the CLV rows: one fit values every customer."""
    total = next((r for r in rows if r["segment"] == ALL), rows[0] if rows else None)
    if total is None:
        return "gamma_gamma", None
    return str(total["value_model"] or "gamma_gamma"), total.get("fallback_reason")


def clv_model_note(model: tuple[str, str | None], loc: LocaleLike, months: str) -> str:
    """Which model the CLV figures come from and, for a fallback, why (clv_model texts)."""
    value_model, reason = model
    t = loc.text
    texts = t["clv_model"]
    reasons = t["clv_reasons"]
    why = reasons.get(reason or "", reasons["other"].format(reason=reason))
    return str(texts.get(value_model, texts["other"])).format(
        reason=why, months=months, model=value_model
    )


# --- mystery shopping ----------------------------------------------------------------------


def mystery_section(
    data: SectionData, quarter: str, loc: LocaleLike, min_n: int
) -> dict[str, Any] | None:
    rows = data.rows("mystery", quarter)
    if not rows:
        return None
    pct = _pct(loc)
    ours = sorted({r["brand"] for r in rows if r["is_our_brand"]}, key=_by_name)
    others = sorted({r["brand"] for r in rows if not r["is_our_brand"]}, key=_by_name)
    brands = ours + others
    cells = {(r["brand"], r["item"]): r for r in rows}
    our_rows = {r["item"]: r for r in rows if r["is_our_brand"]}
    # Items in our weakness order (the mart's rank), then any item we were not scored on.
    items = sorted(
        {r["item"] for r in rows},
        key=lambda i: (our_rows[i]["weakness_rank"] if i in our_rows else math.inf, *_by_name(i)),
    )
    weakest = None
    for item, r in our_rows.items():
        cell = value_cell(r["score_pct"], r["n_visits"], r["is_reportable"], loc, min_n, pct)
        if r["weakness_rank"] == 1 and cell["state"] == "ok":
            weakest = {"item": item, "name": _label(loc, "ms_items", item), **cell}
    table = []
    for item in items:
        row_cells = []
        for brand in brands:
            r = cells.get((brand, item))
            if r is None:
                row_cells.append(
                    {"state": "missing", "value": loc.text["no_data"], "n": "", "ci": ""}
                )
            else:
                row_cells.append(
                    value_cell(r["score_pct"], r["n_visits"], r["is_reportable"], loc, min_n, pct)
                )
        table.append(
            {
                "name": _label(loc, "ms_items", item),
                "weakest": weakest is not None and item == weakest["item"],
                "cells": row_cells,
            }
        )
    return {
        "brands": [{"name": b, "ours": b in ours} for b in brands],
        "rows": table,
        "weakest": (
            None
            if weakest is None
            else loc.text["ms_weakest_sentence"].format(
                item=weakest["name"], score=weakest["value"], n=weakest["n"]
            )
        ),
    }


# --- lost deals ----------------------------------------------------------------------------


def lost_deals_section(
    data: SectionData, quarter: str, loc: LocaleLike, min_n: int
) -> dict[str, Any] | None:
    claims = data.rows("price_claims", quarter)
    reasons = data.rows("reasons", quarter)
    if not claims and not reasons:
        return None
    t = loc.text
    share = None
    if claims:
        r = claims[0]
        cell = value_cell(
            r["price_not_real_pct"], r["n_stated_price_interviewed"], r["is_reportable"], loc,
            min_n, _pct(loc), r["price_not_real_ci_low"], r["price_not_real_ci_high"],
        )  # fmt: skip
        if cell["state"] == "ok":
            text = t["ld_price_share"].format(share=cell["value"], n=cell["n"], interval=cell["ci"])
        else:
            text = t["ld_price_suppressed"].format(status=cell["value"])
        share = {"state": cell["state"], "text": text}
    matrix = None
    if reasons:
        stated_n = {r["stated_reason"]: r for r in reasons}
        real = sorted({r["real_reason"] for r in reasons}, key=_by_name)
        counts = {(r["stated_reason"], r["real_reason"]): r["n_deals"] for r in reasons}
        rows = []
        for stated, r in sorted(stated_n.items(), key=lambda kv: (-kv[1]["n_stated"], kv[0])):
            head = value_cell(r["n_stated"], r["n_stated"], r["is_reportable"], loc, min_n,
                              lambda v: format_int(int(v), loc.numbers))  # fmt: skip
            rows.append(
                {
                    "name": _label(loc, "ld_reasons", stated),
                    "state": head["state"],
                    "total": head["value"],
                    "counts": [
                        format_int(int(counts.get((stated, x), 0)), loc.numbers) for x in real
                    ],
                }
            )
        matrix = {"columns": [_label(loc, "ld_reasons", x) for x in real], "rows": rows}
    return {"share": share, "matrix": matrix}


def sections_context(
    data: SectionData | None, quarter: str, loc: LocaleLike, min_n: int
) -> dict[str, Any]:
    """The four extra sections of one quarter page; a None section is not shown."""
    if data is None:
        data = SectionData()
    return {
        "churn": churn_section(data, quarter, loc, min_n),
        "value": value_section(data, quarter, loc, min_n),
        "mystery": mystery_section(data, quarter, loc, min_n),
        "lost": lost_deals_section(data, quarter, loc, min_n),
    }
