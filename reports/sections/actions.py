"""Improvement proposals and actions (partials/actions.html): what was decided, its measured
effect so far, what is overdue, and the mart's ranked proposals not yet acted on."""

from __future__ import annotations

from typing import Any

from reports.cells import (
    DECIMALS,
    cell_name,
    count,
    dimension_name,
    finite,
    is_shown,
    label,
    min_n_text,
    pct,
)
from reports.data import ALL, Row, SectionData
from reports.formatting import format_interval, format_number, format_signed
from reports.language import Locale
from reports.sections.suggestions import suggestion_label
from reports.sections.themes import theme_labels

PROPOSALS_SHOWN = 3


def proposal_evidence(row: Row | None, loc: Locale) -> str:
    """What customers suggest for a proposal (mart_improvement_proposals__suggestions), or ''."""
    if row is None:
        return ""
    return loc.text["proposal_evidence"].format(
        theme=suggestion_label(row, loc),
        mentions=count(row["n_mentions"], loc),
        n=count(row["n_suggestions"], loc),
        share=pct(loc)(row["share_of_suggestions_pct"]),
        ci=format_interval(row["share_ci_low"], row["share_ci_high"], DECIMALS, loc.numbers),
        where=loc.text["proposal_evidence_all"]
        if row["evidence_touchpoint"] == ALL
        else cell_name(loc, ALL, row["evidence_touchpoint"]),
    )


def proposals(data: SectionData, quarter: str, loc: Locale) -> list[dict[str, Any]]:
    """The top improvement proposals of the quarter, in the mart's rank order, each with the
    customers' suggestion that supports it, if any."""
    rows = sorted(data.rows("proposals", quarter) or [], key=lambda r: r["proposal_rank"])
    evidence = {r["proposal_id"]: r for r in data.rows("proposal_suggestions", quarter) or []}
    out = []
    for r in rows[:PROPOSALS_SHOWN]:
        out.append(
            {
                "proposal_id": r["proposal_id"],
                "rank": r["proposal_rank"],
                "evidence": proposal_evidence(evidence.get(r["proposal_id"]), loc),
                "text": loc.text["proposal_sentence"].format(
                    driver=dimension_name(loc, "driver", r["driver"]),
                    target=_target_label(r, loc),
                    weight=pct(loc)(r["rescaled_weight_pct"]),
                    mean=format_number(r["driver_mean"], 2, loc.numbers),
                    gap=pct(loc)(100.0 * r["performance_gap"]),
                    customers=count(r["n_customers"], loc),
                    effect=format_number(r["expected_effect"], DECIMALS, loc.numbers),
                ),
            }
        )
    return out


def _target_value(row: Row, loc: Locale, themes: dict[str, str]) -> str:
    """An action's target as the reader calls it: a touchpoint's, segment's or driver's display
    name (seeds/dimensions.csv), a theme's label."""
    kind, value = row["target_type"], row["target_value"]
    if kind == "theme":
        return themes.get(value, str(value))
    if kind in ("touchpoint", "segment", "driver"):
        return dimension_name(loc, kind, value)
    return str(value)


def _target_label(row: Row, loc: Locale) -> str:
    kind, value = row["target_type"], row["target_value"]
    if kind == "touchpoint":
        return cell_name(loc, ALL, value)
    if kind == "segment":
        return cell_name(loc, value, ALL)
    return cell_name(loc, ALL, ALL)


_METRIC_DECIMALS = {"driver_mean": 2}


def _metric_value(metric: str, value: Any, loc: Locale) -> str:
    if metric in ("csat_pct", "ces_pct", "share_of_comments_pct"):
        return pct(loc)(value)
    return format_number(value, _METRIC_DECIMALS.get(metric, DECIMALS), loc.numbers)


def actions_section(
    data: SectionData, quarter: str, loc: Locale, min_n: int
) -> dict[str, Any] | None:
    """Actions decided by this quarter, their effect so far, overdue ones, proposals not acted on.

    "So far" means measured in quarters up to the report's quarter: an older edition shows
    what was known then.
    """
    rows = [r for r in data.rows("actions") or [] if r["decided_quarter"] <= quarter]
    if not rows:
        return None
    t = loc.text
    themes = theme_labels(data, loc)
    primary = [r for r in rows if r["is_primary_metric"]]
    by_action: dict[str, list[Row]] = {}
    for r in primary:
        by_action.setdefault(r["action_id"], []).append(r)
    actions = []
    for action_id in sorted(by_action):
        measures = sorted(by_action[action_id], key=lambda r: r["quarter"])
        head = measures[0]
        known = [r for r in measures if not r["is_baseline"] and r["quarter"] <= quarter]
        done = head["done_quarter"] is not None and head["done_quarter"] <= quarter
        latest = known[-1] if known else None
        metric_name = t["action_metrics"].get(head["metric"], head["metric"])
        if head["status"] == "dropped":
            effect, state = t["action_dropped"], "dropped"
        elif not done:
            effect, state = t["action_not_done"], "open"
        elif latest is None:
            effect, state = t["action_no_data_yet"], "open"
        elif latest["effect_status"] == "too_few_answers" or not is_shown(
            latest["is_reportable"], latest["n"], min_n
        ):
            effect = t["action_too_few"].format(min_n=min_n_text(loc, min_n))
            state = "suppressed"
        else:
            significant = bool(latest["is_significant"])
            effect = t["action_effect"].format(
                metric=metric_name,
                baseline_quarter=head["decided_quarter"],
                baseline=_metric_value(head["metric"], latest["baseline_value"], loc),
                quarter=latest["quarter"],
                value=_metric_value(head["metric"], latest["value"], loc),
                change=format_signed(
                    latest["change"], _METRIC_DECIMALS.get(head["metric"], DECIMALS), loc.numbers
                ),
                n=count(latest["n"], loc),
                z=format_number(latest["change_z"], 2, loc.numbers)
                if finite(latest["change_z"])
                else "–",
                verdict=t["significant"] if significant else t["not_significant"],
            )
            state = "significant" if significant else "not_significant"
        overdue = (
            not done
            and head["status"] in ("planned", "in_progress")
            and bool(head["is_overdue"])
            and quarter == max(r["quarter"] for r in data.rows("actions") or [])
        )
        actions.append(
            {
                "id": action_id,
                "description": head["description"] or "",
                "target": t["action_targets"][head["target_type"]].format(
                    value=_target_value(head, loc, themes)
                ),
                "owner": head["owner"] or "",
                "status": label(loc, "action_statuses", head["status"]),
                "decided": head["decided_quarter"],
                "done": head["done_quarter"] if done else "",
                "effect": effect,
                "state": state,
                "overdue": overdue,
            }
        )
    acted_on = {r["proposal_id"] for r in rows if r["proposal_id"]}
    open_proposals = [p for p in proposals(data, quarter, loc) if p["proposal_id"] not in acted_on]
    return {
        "actions": actions,
        "counts": t["actions_counts"].format(
            total=count(len(actions), loc),
            done=count(sum(1 for a in actions if a["done"]), loc),
            overdue=count(sum(1 for a in actions if a["overdue"]), loc),
        ),
        "open_proposals": open_proposals,
    }
