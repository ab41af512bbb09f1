"""The leadership parts of a quarter page: executive summary, heat maps, drivers, pain points.

Every number comes from a mart row (or the NPS benchmark seed); Python only selects, orders
and formats. Sentences are locale templates filled with those formatted values, so no figure
in the prose exists anywhere but in a mart. A section whose mart is missing is left out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from reports.charts import RETENTION_SCALE, QuadrantPoint, heat_colours, quadrant_svg
from reports.formatting import format_int, format_number, format_signed
from reports.sections import ALL, LocaleLike, SectionData, _finite, _label, _pct, value_cell

if TYPE_CHECKING:
    from reports.render import MartData, Metric

Row = dict[str, Any]
MOVERS_SHOWN = 5
PAIN_POINTS_SHOWN = 3
PROPOSALS_SHOWN = 3
DECIMALS = 1


def _fmt(loc: LocaleLike, decimals: int = DECIMALS) -> Callable[[Any], str]:
    return lambda v: format_number(v, decimals, loc.numbers)


def _n(n: Any, loc: LocaleLike) -> str:
    return format_int(int(n), loc.numbers)


def cell_name(row: Row, loc: LocaleLike) -> str:
    """'All customers', 'Touchpoint support' or 'Segment smb' (a cut of one dimension)."""
    t = loc.text
    if row["segment"] == ALL and row["touchpoint"] == ALL:
        return t["all_customers"]
    if row["segment"] == ALL:
        return t["cell_touchpoint"].format(name=row["touchpoint"])
    if row["touchpoint"] == ALL:
        return t["cell_segment"].format(name=row["segment"])
    return t["cell_both"].format(segment=row["segment"], touchpoint=row["touchpoint"])


def _reportable(row: Row | None, metric: Metric, min_n: int) -> bool:
    if row is None:
        return False
    n = row[metric.n_col]
    return bool(row[metric.flag_col]) and n is not None and n >= min_n


# --- executive summary ------------------------------------------------------------------------


def movers(
    data: MartData, quarter: str, metrics: Sequence[Metric], loc: LocaleLike, min_n: int
) -> list[dict[str, Any]]:
    """Significant changes vs the previous quarter (every metric) and vs a year earlier (NPS).

    Candidates are the headline and the one-dimension cuts (a segment or a touchpoint); a
    change is shown only when both quarters' values may be shown. Largest |z| first.
    """
    t = loc.text
    found: list[tuple[float, dict[str, Any]]] = []
    for row in data.in_quarter(quarter):
        if row["segment"] != ALL and row["touchpoint"] != ALL:
            continue
        for metric in metrics:
            if not _reportable(row, metric, min_n):
                continue
            comparisons = [("", row.get("previous_quarter"))]
            if metric.key == "nps":
                comparisons.append(("yoy_", row.get("yoy_quarter")))
            for prefix, other_quarter in comparisons:
                z = row.get(metric.col(f"{prefix}change_z"))
                significant = row.get(metric.col(f"{prefix}is_significant_change"))
                if other_quarter is None or not significant:
                    continue
                other = data.get(other_quarter, row["segment"], row["touchpoint"])
                if not _reportable(other, metric, min_n) or not _finite(z):
                    continue
                change = row[metric.col(f"{prefix}change")]
                unit = t["unit_pct"] if metric.percent else t["unit_nps"]
                value = row[metric.value_col]
                text = t["mover_sentence"].format(
                    name=cell_name(row, loc),
                    metric=t["metrics"][metric.key]["name"],
                    verb=t["verb_up"] if change > 0 else t["verb_down"],
                    change=format_number(abs(change), DECIMALS, loc.numbers),
                    unit=unit,
                    quarter=other_quarter,
                    value=(_pct(loc) if metric.percent else _fmt(loc))(value),
                    n=_n(row[metric.n_col], loc),
                    z=format_number(z, 2, loc.numbers),
                )
                found.append(
                    (
                        abs(z),
                        {
                            "text": text,
                            "direction": "up" if change > 0 else "down",
                            "kind": "yoy" if prefix else "previous",
                            "segment": row["segment"],
                            "touchpoint": row["touchpoint"],
                            "metric": metric.key,
                        },
                    )
                )
    # One line per cell and comparison: NPS when it moved, else the score that moved most.
    best: dict[tuple[str, str, str], tuple[float, dict[str, Any]]] = {}
    for z, item in found:
        key = (item["segment"], item["touchpoint"], item["kind"])
        rank = (item["metric"] == "nps", z)
        if key not in best or rank > (best[key][1]["metric"] == "nps", best[key][0]):
            best[key] = (z, item)
    ordered = sorted(best.values(), key=lambda item: (-item[0], item[1]["text"]))
    return [item for _, item in ordered[:MOVERS_SHOWN]]


def headline_sentence(
    row: Row | None, nps: Metric, benchmarks: Sequence[Row] | None, loc: LocaleLike, min_n: int
) -> dict[str, str] | None:
    """NPS with interval, n, band and the benchmarks of the seed (industry, source, year)."""
    t = loc.text
    if not _reportable(row, nps, min_n) or row is None:
        return None
    text = t["summary_headline"].format(
        value=_fmt(loc)(row["nps"]),
        low=_fmt(loc)(row["nps_ci_low"]),
        high=_fmt(loc)(row["nps_ci_high"]),
        n=_n(row["n_nps"], loc),
        band=_label(loc, "nps_bands", row.get("nps_band")),
    )
    bench = ""
    if benchmarks:
        parts = [
            t["benchmark_item"].format(
                industry=b["industry"],
                nps=format_int(int(b["nps"]), loc.numbers),
                source=b["source"],
                year=b["year"],
            )  # fmt: skip
            for b in benchmarks
        ]
        bench = t["summary_benchmarks"].format(items="; ".join(parts))
    return {"text": text, "benchmarks": bench, "band": str(row.get("nps_band"))}


def pain_points(
    data: SectionData, quarter: str, loc: LocaleLike, min_n: int
) -> list[dict[str, Any]]:
    """The themes detractors raised most this quarter, where they raised them.

    A theme counts as a pain point in a cell (all touchpoints, or one touchpoint) where most of
    its mentions come from detractors and it has at least min n mentions; each theme is shown
    once, in its cell with the most detractor mentions. A wait that bothers only the support
    line is found there even when other touchpoints' neutral mentions dilute it overall.
    """
    t = loc.text
    labels = _theme_labels(data, loc)
    best: dict[str, Row] = {}
    for r in data.rows("themes", quarter) or []:
        if not (r["is_reportable"] and (r["n_mentions"] or 0) >= min_n):
            continue
        if not (_finite(r["detractor_share_pct"]) and r["detractor_share_pct"] >= 50.0):
            continue
        current = best.get(r["theme_id"])
        if current is None or (r["n_detractors"], r["touchpoint"] == ALL) > (
            current["n_detractors"],
            current["touchpoint"] == ALL,
        ):
            best[r["theme_id"]] = r
    ranked = sorted(best.values(), key=lambda r: (-r["n_detractors"], r["theme_id"]))
    out = []
    for r in ranked[:PAIN_POINTS_SHOWN]:
        change = r.get("share_change_pts")
        rising = bool(r.get("share_is_significant_change")) and _finite(change) and change > 0
        out.append(
            {
                "theme_id": r["theme_id"],
                "touchpoint": r["touchpoint"],
                "text": t["pain_point_sentence"].format(
                    theme=labels.get(r["theme_id"], r["theme_id"]),
                    where=t["all_touchpoints"]
                    if r["touchpoint"] == ALL
                    else t["where_touchpoint"].format(name=r["touchpoint"]),
                    share=_pct(loc)(r["share_of_comments_pct"]),
                    mentions=_n(r["n_mentions"], loc),
                    detractor_share=_pct(loc)(r["detractor_share_pct"]),
                    nps=_fmt(loc)(r["nps_of_theme"]) if _finite(r["nps_of_theme"]) else "–",
                )
                + (
                    " "
                    + t["pain_point_rising"].format(
                        change=format_number(change, DECIMALS, loc.numbers),
                        quarter=r.get("previous_quarter") or "",
                    )
                    if rising
                    else ""
                ),
            }
        )
    return out


def _theme_labels(data: SectionData, loc: LocaleLike) -> dict[str, str]:
    column = "label_fi" if loc.lang == "fi" else "label_en"
    return {r["theme_id"]: r[column] for r in data.rows("theme_labels") or []}


def _driver_label(loc: LocaleLike, driver: str) -> str:
    return _label(loc, "drivers", driver)


def _target_label(row: Row, loc: LocaleLike) -> str:
    kind, value = row["target_type"], row["target_value"]
    if kind == "touchpoint":
        return loc.text["cell_touchpoint"].format(name=value)
    if kind == "segment":
        return loc.text["cell_segment"].format(name=value)
    return loc.text["all_customers"]


def proposals(data: SectionData, quarter: str, loc: LocaleLike) -> list[dict[str, Any]]:
    """The top improvement proposals of the quarter, in the mart's rank order."""
    rows = sorted(data.rows("proposals", quarter) or [], key=lambda r: r["proposal_rank"])
    out = []
    for r in rows[:PROPOSALS_SHOWN]:
        out.append(
            {
                "proposal_id": r["proposal_id"],
                "rank": r["proposal_rank"],
                "text": loc.text["proposal_sentence"].format(
                    driver=_driver_label(loc, r["driver"]),
                    target=_target_label(r, loc),
                    weight=_pct(loc)(r["rescaled_weight_pct"]),
                    mean=format_number(r["driver_mean"], 2, loc.numbers),
                    gap=_pct(loc)(100.0 * r["performance_gap"]),
                    customers=_n(r["n_customers"], loc),
                    effect=format_number(r["expected_effect"], DECIMALS, loc.numbers),
                ),
            }
        )
    return out


def summary_section(
    data: MartData,
    extra: SectionData,
    quarter: str,
    metrics: Sequence[Metric],
    loc: LocaleLike,
    min_n: int,
    churn_finding: str = "",
) -> dict[str, Any]:
    nps = metrics[0]
    return {
        "headline": headline_sentence(
            data.get(quarter, ALL, ALL), nps, extra.rows("benchmarks"), loc, min_n
        ),
        "movers": movers(data, quarter, metrics, loc, min_n),
        "pain_points": pain_points(extra, quarter, loc, min_n),
        "proposals": proposals(extra, quarter, loc),
        "churn": churn_finding,
    }


# --- heat maps -----------------------------------------------------------------------------


def _heat_cell(value: Any, n: Any, flag: Any, loc: LocaleLike, min_n: int,
               fmt: Callable[[Any], str], colour_of: Callable[[float], tuple[str, str]]
               ) -> dict[str, Any]:  # fmt: skip
    cell = value_cell(value, n, flag, loc, min_n, fmt)
    if cell["state"] == "ok":
        fill, text = colour_of(float(value))
        cell["style"] = f"background-color: {fill}; color: {text}"
    else:
        cell["style"] = ""
    return cell


def segment_touchpoint_heatmap(
    data: MartData, quarter: str, loc: LocaleLike, min_n: int
) -> dict[str, Any] | None:
    """NPS of every segment × touchpoint cell; small cells say "n < 30" instead of a colour."""
    rows = [r for r in data.in_quarter(quarter) if r["segment"] != ALL and r["touchpoint"] != ALL]
    if not rows:
        return None
    segments = sorted({r["segment"] for r in rows}, key=lambda s: (s.casefold(), s))
    touchpoints = sorted({r["touchpoint"] for r in rows}, key=lambda s: (s.casefold(), s))
    cells = {(r["segment"], r["touchpoint"]): r for r in rows}
    table = []
    for segment in segments:
        line = []
        for tp in touchpoints:
            r = cells.get((segment, tp))
            if r is None:
                missing = {"state": "missing", "value": loc.text["no_data"], "n": "", "style": ""}
                line.append(missing)
                continue
            line.append(
                _heat_cell(r["nps"], r["n_nps"], r["is_reportable"], loc, min_n, _fmt(loc),
                           heat_colours)
            )  # fmt: skip
        table.append({"name": segment, "cells": line})
    return {"columns": touchpoints, "rows": table}


def cohort_heatmap(
    data: SectionData, quarter: str, loc: LocaleLike, min_n: int, max_cohorts: int = 8
) -> dict[str, Any] | None:
    """Cohort (quarter of first order) × quarters since start → share still active (%).

    Only what was known at the end of the report's quarter, the last `max_cohorts` cohorts.
    """
    rows = data.rows("cohorts")
    if not rows:
        return None
    known = [r for r in rows if r["activity_quarter"] <= quarter and r["cohort"] <= quarter]
    if not known:
        return None
    cohorts = sorted({r["cohort"] for r in known})[-max_cohorts:]
    depth = max(r["quarters_since_start"] for r in known if r["cohort"] in cohorts)
    cells = {(r["cohort"], r["quarters_since_start"]): r for r in known}
    table = []
    for cohort in cohorts:
        line = []
        size = None
        for k in range(depth + 1):
            r = cells.get((cohort, k))
            if r is None:
                line.append({"state": "empty", "value": "", "n": "", "style": ""})
                continue
            size = r["cohort_size"]
            line.append(
                _heat_cell(r["retention_pct"], r["cohort_size"], r["is_reportable"], loc, min_n,
                           _pct(loc), lambda v: heat_colours(v, RETENTION_SCALE))
            )  # fmt: skip
        table.append({"name": cohort, "size": "" if size is None else _n(size, loc), "cells": line})
    return {"columns": list(range(depth + 1)), "rows": table}


# --- key drivers ---------------------------------------------------------------------------


def drivers_section(
    data: SectionData, quarter: str, loc: LocaleLike, min_n: int
) -> dict[str, Any] | None:
    """Relative weights of the drivers on NPS (all customers) and the quadrant chart."""
    rows = [
        r
        for r in data.rows("drivers", quarter) or []
        if r["segment"] == ALL and r["touchpoint"] == ALL
    ]
    if not rows:
        return None
    t = loc.text
    fitted = [r for r in rows if r["is_reportable"] and _finite(r["rescaled_weight_pct"])]
    if not fitted:
        return {"suppressed": drivers_not_estimated(rows, quarter, loc, min_n)}
    fitted.sort(key=lambda r: (r["weight_rank"], r["driver"]))
    table = [
        {
            "name": _driver_label(loc, r["driver"]),
            "weight": _pct(loc)(r["rescaled_weight_pct"]),
            "bar": max(0.0, min(100.0, float(r["rescaled_weight_pct"]))),
            "mean": format_number(r["driver_mean"], 2, loc.numbers),
            "change": (
                format_signed(r["rescaled_weight_change"], DECIMALS, loc.numbers)
                if _finite(r.get("rescaled_weight_change"))
                else "–"
            ),
            "quadrant": _label(loc, "quadrants", r["quadrant"]),
            "fix_first": r["quadrant"] == "fix_first",
        }
        for r in fitted
    ]
    split_x = 100.0 / len(fitted)
    means = [float(r["driver_mean"]) for r in fitted]
    points = [
        QuadrantPoint(
            label=_driver_label(loc, r["driver"]),
            importance=float(r["rescaled_weight_pct"]),
            performance=float(r["driver_mean"]),
            tooltip=f"{_driver_label(loc, r['driver'])}: {_pct(loc)(r['rescaled_weight_pct'])}, "
            f"{format_number(r['driver_mean'], 2, loc.numbers)} / 5",
        )
        for r in fitted
    ]
    q = t["quadrants"]
    svg = quadrant_svg(
        points,
        title=t["quadrant_title"].format(quarter=quarter),
        desc=t["quadrant_desc"],
        x_split=split_x,
        y_split=sum(means) / len(means),
        x_label=t["quadrant_x"],
        y_label=t["quadrant_y"],
        quadrant_labels=(q["possible_overkill"], q["keep_up"], q["low_priority"], q["fix_first"]),
    )
    top = fitted[0]
    return {
        "suppressed": None,
        "rows": table,
        "chart_svg": Markup(svg),  # quadrant_svg escapes every text it writes
        "r2": t["drivers_r2"].format(
            r2=format_number(top["r_squared"], 2, loc.numbers), n=_n(top["n"], loc)
        ),
        "top_sentence": t["drivers_top"].format(
            driver=_driver_label(loc, top["driver"]),
            weight=_pct(loc)(top["rescaled_weight_pct"]),
        ),
    }


def drivers_not_estimated(rows: Sequence[Row], quarter: str, loc: LocaleLike, min_n: int) -> str:
    """Why the drivers of a quarter's headline cell could not be estimated (its fit_status)."""
    t = loc.text
    status = str(rows[0]["fit_status"])
    if status == "fitted":  # fitted but below the reporting minimum
        return str(t["drivers_suppressed"].format(min_n=format_int(min_n, loc.numbers)))
    reasons = t["drivers_reasons"]
    reason = reasons.get(status, reasons["other"]).format(
        n=_n(rows[0]["n"] or 0, loc), drivers=_n(len(rows), loc), status=status
    )
    return str(t["drivers_not_estimated"].format(quarter=quarter, reason=reason))


# --- pain points and verbatims -------------------------------------------------------------


def themes_section(
    data: SectionData, quarter: str, loc: LocaleLike, min_n: int
) -> dict[str, Any] | None:
    rows = [r for r in data.rows("themes", quarter) or [] if r["touchpoint"] == ALL]
    if not rows:
        return None
    labels = _theme_labels(data, loc)
    pct = _pct(loc)
    table = []
    for r in sorted(rows, key=lambda r: (-(r["n_mentions"] or 0), r["theme_id"])):
        ok = bool(r["is_reportable"]) and (r["n_mentions"] or 0) >= min_n
        change = r.get("share_change_pts")
        table.append(
            {
                "name": labels.get(r["theme_id"], r["theme_id"]),
                "state": "ok" if ok else "suppressed",
                "mentions": _n(r["n_mentions"], loc),
                "share": pct(r["share_of_comments_pct"]) if ok else "",
                "detractors": pct(r["detractor_share_pct"]) if ok else "",
                "nps": _fmt(loc)(r["nps_of_theme"]) if ok and _finite(r["nps_of_theme"]) else "",
                "change": format_signed(change, DECIMALS, loc.numbers)
                if ok and _finite(change)
                else "–",
                "suppressed": "" if ok else loc.text["suppressed"].format(min_n=min_n),
            }
        )
    verbatims: dict[str, list[Row]] = {}
    for v in data.rows("verbatims", quarter) or []:
        verbatims.setdefault(v["theme_id"], []).append(v)
    quotes = []
    for r in sorted(rows, key=lambda r: (-(r["n_detractors"] or 0), r["theme_id"])):
        found = sorted(verbatims.get(r["theme_id"], []), key=lambda v: v["verbatim_rank"])
        if not found or (r["n_mentions"] or 0) < min_n:
            continue
        quotes.append(
            {
                "theme": labels.get(r["theme_id"], r["theme_id"]),
                "comments": [
                    {
                        "comment": v["comment"],  # escaped by the template's autoescape
                        "score": loc.text["verbatim_score"].format(
                            score=v["nps_score"], touchpoint=v["touchpoint"]
                        )
                        if v["nps_score"] is not None
                        else loc.text["verbatim_no_score"].format(touchpoint=v["touchpoint"]),
                        "lang": v["language"] if v["language"] in ("fi", "sv", "en") else "",
                    }
                    for v in found
                ],
            }
        )
    return {"rows": table, "quotes": quotes[:6]}


# --- improvement actions and their effect --------------------------------------------------

_METRIC_DECIMALS = {"driver_mean": 2}


def _metric_value(metric: str, value: Any, loc: LocaleLike) -> str:
    if metric in ("csat_pct", "ces_pct", "share_of_comments_pct"):
        return _pct(loc)(value)
    return format_number(value, _METRIC_DECIMALS.get(metric, DECIMALS), loc.numbers)


def actions_section(
    data: SectionData, quarter: str, loc: LocaleLike, min_n: int
) -> dict[str, Any] | None:
    """Actions decided by this quarter, their effect so far, overdue ones, proposals not acted on.

    "So far" means measured in quarters up to the report's quarter: an older edition shows
    what was known then.
    """
    rows = [r for r in data.rows("actions") or [] if r["decided_quarter"] <= quarter]
    if not rows:
        return None
    t = loc.text
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
        elif latest["effect_status"] == "too_few_answers" or not latest["is_reportable"]:
            effect = t["action_too_few"].format(min_n=format_int(min_n, loc.numbers))
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
                n=_n(latest["n"], loc),
                z=format_number(latest["change_z"], 2, loc.numbers)
                if _finite(latest["change_z"])
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
                    value=head["target_value"]
                ),
                "owner": head["owner"] or "",
                "status": _label(loc, "action_statuses", head["status"]),
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
            total=_n(len(actions), loc),
            done=_n(sum(1 for a in actions if a["done"]), loc),
            overdue=_n(sum(1 for a in actions if a["overdue"]), loc),
        ),
        "open_proposals": open_proposals,
    }


def insights_context(
    data: MartData,
    extra: SectionData,
    quarter: str,
    metrics: Sequence[Metric],
    loc: LocaleLike,
    min_n: int,
    churn_finding: str = "",
) -> Mapping[str, Any]:
    return {
        "summary": summary_section(data, extra, quarter, metrics, loc, min_n, churn_finding),
        "heatmap": segment_touchpoint_heatmap(data, quarter, loc, min_n),
        "cohorts": cohort_heatmap(extra, quarter, loc, min_n),
        "drivers": drivers_section(extra, quarter, loc, min_n),
        "themes": themes_section(extra, quarter, loc, min_n),
        "actions": actions_section(extra, quarter, loc, min_n),
    }
