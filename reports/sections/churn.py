"""Churn and retention (partials/churn.html): the quarter's churn by segment, by NPS group and by
CSAT group, and its trend."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from markupsafe import Markup

from orchestration.settings import get_settings
from reports.cells import (
    DECIMALS,
    count,
    dimension_name,
    dimension_order,
    finite,
    is_shown,
    label,
    min_n_text,
    pct,
    value_cell,
)
from reports.charts import Series, chart_window, nps_trend_svg
from reports.data import ALL, Row, SectionData
from reports.formatting import format_interval, format_number, format_percent
from reports.language import Locale

NPS_GROUPS: tuple[str, ...] = ("promoter", "passive", "detractor", "no_answer")
CSAT_GROUPS: tuple[str, ...] = ("top2", "not_top2", "no_answer")


def _churn_chart(rows: Sequence[Row], quarter: str, loc: Locale, min_n: int) -> Markup | None:
    t = loc.text
    headline = {r["quarter"]: r for r in rows if r["segment"] == ALL}
    ordered = sorted(headline.values(), key=lambda r: (r["quarter_start"], r["quarter"]))
    quarters = [r["quarter"] for r in ordered]
    if quarter not in quarters:
        return None
    window = chart_window(quarters, quarter)
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
        desc=t["churn_chart_desc"].format(min_n=min_n_text(loc, min_n)),
        format_value=pct(loc),
        format_tick=lambda v: format_percent(v, 0 if float(v).is_integer() else 2, loc.numbers),
        chart_id="churn-trend",
        y_range=(0.0, top),
        y_ticks=ticks,
    )
    # nps_trend_svg escapes every text it writes.
    return Markup(svg)


def churn_section(
    data: SectionData, quarter: str, loc: Locale, min_n: int
) -> dict[str, Any] | None:
    all_rows = data.rows("churn")
    score_rows = data.rows("churn_groups", quarter)
    # mart_churn__score_group holds both scores: NPS groups and CSAT top-2 / not.
    groups_rows = None if score_rows is None else [r for r in score_rows if r["score"] == "nps"]
    csat_rows = [r for r in score_rows or [] if r["score"] == "csat"]
    if all_rows is None and groups_rows is None:
        return None
    t = loc.text
    rows = [r for r in (all_rows or []) if r["quarter"] == quarter]
    if not rows and not groups_rows and not csat_rows:
        return None
    as_pct = pct(loc)

    def churn(row: Row) -> dict[str, Any]:
        return value_cell(
            row["churn_pct"], row["active_at_start"], row["is_reportable"], loc, min_n, as_pct,
            row["churn_ci_low"], row["churn_ci_high"],
        )  # fmt: skip

    def retention(row: Row) -> dict[str, Any]:
        # retention = 100 − churn; its interval is the churn interval mirrored, in the mart.
        return value_cell(
            row["retention_pct"], row["active_at_start"], row["is_reportable"], loc, min_n, as_pct,
            row["retention_ci_low"], row["retention_ci_high"],
        )  # fmt: skip

    headline_row = next((r for r in rows if r["segment"] == ALL), None)
    headline = None
    if headline_row is not None:
        headline = {"churn": churn(headline_row), "retention": retention(headline_row)}
    segments = [
        {
            "name": dimension_name(loc, "segment", r["segment"]),
            "churn": churn(r),
            "retention": retention(r),
        }
        for r in sorted(rows, key=lambda r: dimension_order("segment")(r["segment"]))
        if r["segment"] != ALL
    ]
    by_group = {r["score_group"]: r for r in groups_rows or []}
    groups = [
        {"name": label(loc, "nps_groups", g), "churn": churn(by_group[g])}
        for g in NPS_GROUPS
        if g in by_group
    ]
    by_csat = {r["score_group"]: r for r in csat_rows}
    csat_groups = [
        {"name": label(loc, "csat_groups", g), "churn": churn(by_csat[g])}
        for g in CSAT_GROUPS
        if g in by_csat
    ]
    finding = ""
    if groups_rows:
        finding = churn_ratio_finding(
            by_group.get("detractor"), by_group.get("promoter"), loc, min_n
        )
    return {
        "headline": headline,
        "chart_svg": None if all_rows is None else _churn_chart(all_rows, quarter, loc, min_n),
        "segments": segments,
        "groups": groups,
        "csat_groups": csat_groups,
        "finding": finding,
        "chart_note": t["churn_chart_note"].format(min_n=min_n_text(loc, min_n)),
    }


def churn_ratio_finding(det: Row | None, pro: Row | None, loc: Locale, min_n: int) -> str:
    """The detractor vs promoter churn sentence, from the mart's ratio, interval and gate.

    The ratio is claimed only when the mart says so (churn_ratio_is_reportable: both groups
    large enough at the start and each lost at least CX_CHURN_RATIO_MIN_LOST), and as "N× as
    often" only when its interval lies above 1. Otherwise the sentence says which of these
    failed and prints the two churn rates with their n.
    """
    t = loc.text
    as_pct = pct(loc)
    if det is None or pro is None:
        return str(t["churn_ratio_suppressed"].format(min_n=min_n_text(loc, min_n)))
    shown = [is_shown(r["is_reportable"], r["active_at_start"], min_n) for r in (det, pro)]
    if not all(shown) or not (finite(det["churn_pct"]) and finite(pro["churn_pct"])):
        return str(t["churn_ratio_suppressed"].format(min_n=min_n_text(loc, min_n)))
    rates = {
        "det_rate": as_pct(det["churn_pct"]),
        "det_n": count(det["active_at_start"], loc),
        "det_lost": count(det["lost"], loc),
        "pro_rate": as_pct(pro["churn_pct"]),
        "pro_n": count(pro["active_at_start"], loc),
        "pro_lost": count(pro["lost"], loc),
    }
    if pro["lost"] == 0:
        return str(t["churn_ratio_no_promoter_lost"].format(**rates))
    ratio, low, high = (
        det["churn_ratio_vs_best_group"],
        det["churn_ratio_ci_low"],
        det["churn_ratio_ci_high"],
    )
    if not (det["churn_ratio_is_reportable"] and finite(ratio) and finite(low) and finite(high)):
        min_lost = count(get_settings().churn_ratio_min_lost, loc)
        return str(t["churn_ratio_few_lost"].format(min_lost=min_lost, **rates))
    numbers = loc.numbers
    claim = t["churn_ratio_finding"] if low > 1 else t["churn_ratio_not_significant"]
    return str(
        claim.format(
            ratio=format_number(ratio, DECIMALS, numbers),
            ci=t["ci_label"].format(interval=format_interval(low, high, DECIMALS, numbers)),
            **rates,
        )
    )
