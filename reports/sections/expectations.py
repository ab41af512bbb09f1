"""Expectations vs today (partials/expectations.html): what current, former and potential
customers say matters to them (the stated importance of a driver, 1–5) against how they rate
it today (its performance rating, 1–5), from mart_expectations__quarter.

Every mean, interval, n, gap and significance flag is the mart's (docs/metrics.md,
"Expectations vs today"); the one rule of reports/cells.py decides whether a mean may be shown,
and a group whose stated importance may not be shown is left out of the chart and the findings.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from reports.cells import (
    DECIMALS,
    count,
    dimension_name,
    dimension_order,
    finite,
    is_shown,
    number,
    suppressed_text,
    value_cell,
)
from reports.charts import DumbbellRow, dumbbell_svg
from reports.data import Row, SectionData
from reports.formatting import format_interval, format_signed
from reports.language import Locale

GROUPS = ("current", "former", "potential")
# The largest significant gaps the summary names.
MAX_FINDINGS = 3


def _importance_shown(row: Row, min_n: int) -> bool:
    return is_shown(row["importance_is_reportable"], row["n_importance"], min_n)


def _performance_shown(row: Row, min_n: int) -> bool:
    return is_shown(row["performance_is_reportable"], row["n_performance"], min_n)


def _gap_text(value: float, low: Any, high: Any, loc: Locale) -> tuple[str, str]:
    interval = ""
    if finite(low) and finite(high):
        interval = format_interval(low, high, DECIMALS, loc.numbers)
    return format_signed(value, DECIMALS, loc.numbers), interval


def _largest_gaps(rows: list[Row], loc: Locale, min_n: int) -> list[str]:
    """The largest significant gaps between a group's expectation and its own rating today."""
    t = loc.text
    chosen = [
        r
        for r in rows
        if r["gap_is_significant"] is True
        and finite(r["gap"])
        and r["gap"] > 0
        and _importance_shown(r, min_n)
        and _performance_shown(r, min_n)
    ]
    chosen.sort(key=lambda r: (-float(r["gap"]), r["driver"], r["respondent_group"]))
    fmt = number(loc)
    lines = []
    for r in chosen[:MAX_FINDINGS]:
        gap, interval = _gap_text(r["gap"], r["gap_ci_low"], r["gap_ci_high"], loc)
        lines.append(
            t["exp_gap_item"].format(
                driver=dimension_name(loc, "driver", r["driver"]),
                group=dimension_name(loc, "respondent_group", r["respondent_group"]),
                importance=fmt(r["importance_mean"]),
                performance=fmt(r["performance_mean"]),
                gap=gap,
                interval=interval,
                n_importance=count(r["n_importance"], loc),
                n_performance=count(r["n_performance"], loc),
            )
        )
    return lines


def _not_got(rows: list[Row], loc: Locale, min_n: int) -> list[str]:
    """Where potential (or former) customers expect more than current customers get today."""
    t = loc.text
    chosen = [
        r
        for r in rows
        if r["respondent_group"] != "current"
        and r["gap_vs_current_is_significant"] is True
        and finite(r["gap_vs_current"])
        and r["gap_vs_current"] > 0
        and _importance_shown(r, min_n)
        and is_shown(True, r["current_n_performance"], min_n)
    ]
    # Potential customers first (the question), then the largest gap.
    chosen.sort(key=lambda r: (r["respondent_group"] != "potential", -float(r["gap_vs_current"])))
    fmt = number(loc)
    lines = []
    for r in chosen[:MAX_FINDINGS]:
        gap, interval = _gap_text(
            r["gap_vs_current"], r["gap_vs_current_ci_low"], r["gap_vs_current_ci_high"], loc
        )
        lines.append(
            t["exp_not_got_item"].format(
                group=dimension_name(loc, "respondent_group", r["respondent_group"]),
                driver=dimension_name(loc, "driver", r["driver"]),
                importance=fmt(r["importance_mean"]),
                n_importance=count(r["n_importance"], loc),
                current=dimension_name(loc, "respondent_group", "current"),
                performance=fmt(r["current_performance_mean"]),
                n_performance=count(r["current_n_performance"], loc),
                gap=gap,
                interval=interval,
            )
        )
    return lines


def expectations_section(
    data: SectionData, quarter: str, loc: Locale, min_n: int
) -> dict[str, Any] | None:
    """The section, or None (left out) when nobody stated an importance in the quarter."""
    rows = data.rows("expectations", quarter) or []
    if not rows:
        return None
    t = loc.text
    fmt = number(loc)
    group_rank = {g: i for i, g in enumerate(GROUPS)}
    rows = sorted(
        rows,
        key=lambda r: (
            dimension_order("driver")(r["driver"]),
            group_rank.get(r["respondent_group"], len(GROUPS)),
        ),
    )
    table, chart_rows = [], []
    for r in rows:
        driver = dimension_name(loc, "driver", r["driver"])
        group = dimension_name(loc, "respondent_group", r["respondent_group"])
        importance = value_cell(
            r["importance_mean"], r["n_importance"], r["importance_is_reportable"], loc, min_n,
            fmt, r["importance_ci_low"], r["importance_ci_high"],
        )  # fmt: skip
        performance = value_cell(
            r["performance_mean"], r["n_performance"], r["performance_is_reportable"], loc,
            min_n, fmt, r["performance_ci_low"], r["performance_ci_high"],
        )  # fmt: skip
        both = importance["state"] == "ok" and performance["state"] == "ok"
        gap = {"state": "suppressed", "value": "", "ci": "", "significant": False}
        if both and finite(r["gap"]):
            value, interval = _gap_text(r["gap"], r["gap_ci_low"], r["gap_ci_high"], loc)
            gap = {
                "state": "ok",
                "value": value,
                "ci": interval,
                "significant": r["gap_is_significant"] is True,
            }
        table.append(
            {
                "driver": driver,
                "group": group,
                "group_code": r["respondent_group"],
                "importance": importance,
                "performance": performance,
                "gap": gap,
            }
        )
        if importance["state"] == "ok":
            chart_rows.append(
                DumbbellRow(
                    label=driver,
                    group=group,
                    group_index=group_rank.get(r["respondent_group"], len(GROUPS)),
                    expectation=float(r["importance_mean"]),
                    today=float(r["performance_mean"])
                    if performance["state"] == "ok" and finite(r["performance_mean"])
                    else None,
                    tooltip=t["exp_tooltip"].format(
                        driver=driver,
                        group=group,
                        importance=importance["value"],
                        performance=performance["value"],
                    ),
                )
            )
    assumed = sum(int(r.get("n_importance_group_assumed") or 0) for r in rows)
    legend = [dimension_name(loc, "respondent_group", g) for g in GROUPS]
    return {
        # Our own SVG (every label escaped in reports/charts.py): markup, not text.
        "chart_svg": Markup(
            dumbbell_svg(
                chart_rows,
                title=t["exp_chart_title"].format(quarter=quarter),
                desc=t["exp_chart_desc"],
                expectation_label=t["exp_expectation"],
                today_label=t["exp_today"],
                group_labels=legend,
            )
        )
        if chart_rows
        else "",
        "gaps": _largest_gaps(rows, loc, min_n),
        "not_got": _not_got(rows, loc, min_n),
        "no_gap": t["exp_no_gap"],
        "fallback": t["exp_groups_assumed"] if assumed else "",
        "table": table,
        "suppressed_note": t["exp_note"].format(min_n=suppressed_text(loc, min_n)),
    }
