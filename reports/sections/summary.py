"""The executive summary (partials/summary.html): the headline NPS against benchmarks, the
significant movers, the pain points, the top proposals and the churn finding."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reports.cells import DECIMALS, count, finite, is_shown, label, number, pct, reportable
from reports.data import ALL, METRICS, NPS, MartData, Row, SectionData
from reports.formatting import format_int, format_number
from reports.language import Locale
from reports.sections.actions import proposals
from reports.sections.themes import theme_labels

MOVERS_SHOWN = 5
PAIN_POINTS_SHOWN = 3


def cell_name(row: Row, loc: Locale) -> str:
    """'All customers', 'Touchpoint support' or 'Segment smb' (a cut of one dimension)."""
    t = loc.text
    if row["segment"] == ALL and row["touchpoint"] == ALL:
        return t["all_customers"]
    if row["segment"] == ALL:
        return t["cell_touchpoint"].format(name=row["touchpoint"])
    if row["touchpoint"] == ALL:
        return t["cell_segment"].format(name=row["segment"])
    return t["cell_both"].format(segment=row["segment"], touchpoint=row["touchpoint"])


def movers(data: MartData, quarter: str, loc: Locale, min_n: int) -> list[dict[str, Any]]:
    """Significant changes vs the previous quarter (every metric) and vs a year earlier (NPS).

    Candidates are the headline and the one-dimension cuts (a segment or a touchpoint); a
    change is shown only when both quarters' values may be shown. Largest |z| first.
    """
    t = loc.text
    found: list[tuple[float, dict[str, Any]]] = []
    for row in data.in_quarter(quarter):
        if row["segment"] != ALL and row["touchpoint"] != ALL:
            continue
        for metric in METRICS:
            if not reportable(row, metric, min_n):
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
                if not reportable(other, metric, min_n) or not finite(z):
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
                    value=(pct(loc) if metric.percent else number(loc))(value),
                    n=count(row[metric.n_col], loc),
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
    row: Row | None, benchmarks: Sequence[Row] | None, loc: Locale, min_n: int
) -> dict[str, str] | None:
    """NPS with interval, n, band and the benchmarks of the seed (industry, source, year)."""
    t = loc.text
    if not reportable(row, NPS, min_n) or row is None:
        return None
    text = t["summary_headline"].format(
        value=number(loc)(row["nps"]),
        low=number(loc)(row["nps_ci_low"]),
        high=number(loc)(row["nps_ci_high"]),
        n=count(row["n_nps"], loc),
        band=label(loc, "nps_bands", row.get("nps_band")),
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


def pain_points(data: SectionData, quarter: str, loc: Locale, min_n: int) -> list[dict[str, Any]]:
    """The themes detractors raised most this quarter, where they raised them.

    A theme counts as a pain point in a cell (all touchpoints, or one touchpoint) where most of
    its mentions come from detractors and it has at least min n mentions; each theme is shown
    once, in its cell with the most detractor mentions. A wait that bothers only the support
    line is found there even when other touchpoints' neutral mentions dilute it overall.
    """
    t = loc.text
    labels = theme_labels(data, loc)
    best: dict[str, Row] = {}
    for r in data.rows("themes", quarter) or []:
        if not is_shown(r["is_reportable"], r["n_mentions"], min_n):
            continue
        if not (finite(r["detractor_share_pct"]) and r["detractor_share_pct"] >= 50.0):
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
        rising = bool(r.get("share_is_significant_change")) and finite(change) and change > 0
        out.append(
            {
                "theme_id": r["theme_id"],
                "touchpoint": r["touchpoint"],
                "text": t["pain_point_sentence"].format(
                    theme=labels.get(r["theme_id"], r["theme_id"]),
                    where=t["all_touchpoints"]
                    if r["touchpoint"] == ALL
                    else t["where_touchpoint"].format(name=r["touchpoint"]),
                    share=pct(loc)(r["share_of_comments_pct"]),
                    mentions=count(r["n_mentions"], loc),
                    detractor_share=pct(loc)(r["detractor_share_pct"]),
                    nps=number(loc)(r["nps_of_theme"]) if finite(r["nps_of_theme"]) else "–",
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


def summary_section(
    data: MartData,
    extra: SectionData,
    quarter: str,
    loc: Locale,
    min_n: int,
    churn_finding: str = "",
) -> dict[str, Any]:
    """The summary's parts; `churn_finding` is the churn section's sentence, repeated here."""
    return {
        "headline": headline_sentence(
            data.get(quarter, ALL, ALL), extra.rows("benchmarks"), loc, min_n
        ),
        "movers": movers(data, quarter, loc, min_n),
        "pain_points": pain_points(extra, quarter, loc, min_n),
        "proposals": proposals(extra, quarter, loc),
        "churn": churn_finding,
    }
