"""The CX team's targets for the quarter (mart_cx_targets__quarter): the Targets block at the
top of the leadership summary (partials/summary.html) and the red / green marker of a score
card whose cell has a target (partials/cards.html).

Every score, interval, n and verdict is the mart's (docs/metrics.md, "Targets"); the one rule
of reports/cells.py decides whether a score may be shown, and a score that may not be shown
has no verdict here either: 'not measurable', never 'met' or 'missed'.
"""

from __future__ import annotations

from typing import Any

from reports.cells import DECIMALS, cell_name, count, format_score, is_shown, suppressed_text
from reports.data import ALL, METRICS, Row, SectionData
from reports.formatting import format_interval
from reports.language import Locale

_METRICS = {m.key: m for m in METRICS}
_SCOPE_ORDER = {"all": 0, "segment": 1, "touchpoint": 2}


def quarter_targets(data: SectionData, quarter: str) -> list[Row]:
    """The targets judged in this quarter: quarter targets and year targets to date, ordered
    by scope (all customers first), then the scores in the cards' order."""
    rows = data.rows("targets", quarter) or []
    order = {m.key: i for i, m in enumerate(METRICS)}
    return sorted(
        rows,
        key=lambda r: (
            r["evaluated_on"] != "quarter",
            _SCOPE_ORDER.get(r["scope_type"], 9),
            r["scope_value"] or "",
            order.get(r["metric"], 9),
        ),
    )


def verdict(row: Row, min_n: int) -> str:
    """met / missed / missed_beyond / not_measurable: the mart's, unless the score may not be
    shown here (the renderer's min n may only be stricter)."""
    if not is_shown(row["is_reportable"], row["n"], min_n):
        return "not_measurable"
    if row["verdict"] == "missed" and row["missed_beyond_interval"]:
        return "missed_beyond"
    return str(row["verdict"])


def target_item(row: Row, loc: Locale, min_n: int) -> dict[str, Any]:
    """One line of the Targets block: what, the target, the score with n and interval, verdict."""
    t = loc.text
    metric = _METRICS[row["metric"]]
    code = verdict(row, min_n)
    name = t["target_name"].format(
        metric=t["metrics"][metric.key]["name"],
        where=cell_name(loc, row["segment"], row["touchpoint"]),
    )
    if row["evaluated_on"] == "year_to_date":
        name += " " + t["target_year_to_date"].format(year=row["period"], quarter=row["quarter"])
    if code == "not_measurable":
        score = suppressed_text(loc, min_n) if row["n"] else t["no_data"]
    else:
        score = t["target_score"].format(
            value=format_score(row["score"], metric, loc),
            interval=format_interval(row["ci_low"], row["ci_high"], DECIMALS, loc.numbers),
            n=count(row["n"], loc),
        )
    return {
        "metric": metric.key,
        "segment": row["segment"],
        "touchpoint": row["touchpoint"],
        "period": row["period"],
        "verdict": code,
        "name": name,
        "target": format_score(row["target"], metric, loc),
        "score": score,
        "verdict_text": t["target_verdicts"][code],
    }


def targets_block(data: SectionData, quarter: str, loc: Locale, min_n: int) -> list[dict[str, Any]]:
    """The summary's Targets block; empty (left out) when no target applies to the quarter."""
    return [target_item(r, loc, min_n) for r in quarter_targets(data, quarter)]


def card_target(
    data: SectionData, quarter: str, metric_key: str, loc: Locale, min_n: int
) -> dict[str, str] | None:
    """The marker of a headline card: the all-customers target of this quarter for the score,
    if the CX team set one (a year target is judged on the year, not on a card's quarter)."""
    for r in data.rows("targets", quarter) or []:
        if (
            r["metric"] == metric_key
            and r["evaluated_on"] == "quarter"
            and r["segment"] == ALL
            and r["touchpoint"] == ALL
        ):
            item = target_item(r, loc, min_n)
            return {
                "verdict": item["verdict"],
                "text": loc.text["card_target"].format(
                    target=item["target"], verdict=item["verdict_text"]
                ),
            }
    return None
