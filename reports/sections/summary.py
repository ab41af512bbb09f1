"""The executive summary (partials/summary.html): the CX team's targets for the quarter, the
headline NPS against benchmarks, the significant movers, the pain points, the top proposals
and the churn finding."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from orchestration.lib.dimensions import SURVEY_TYPES
from reports.cells import (
    DECIMALS,
    cell_name,
    count,
    dimension_name,
    dimension_order,
    finite,
    is_shown,
    label,
    number,
    pct,
    reportable,
)
from reports.data import ALL, METRICS, NPS, MartData, Row, SectionData
from reports.formatting import format_int, format_number
from reports.language import Locale
from reports.sections.actions import proposals
from reports.sections.drivers import low_r2_cells, low_r2_note, min_r2_text
from reports.sections.targets import targets_block
from reports.sections.themes import theme_labels

MOVERS_SHOWN = 5
PAIN_POINTS_SHOWN = 3


def movers(
    data: MartData, extra: SectionData, quarter: str, loc: Locale, min_n: int
) -> tuple[list[dict[str, Any]], bool]:
    """The quarter's significant changes, and whether any change could be tested at all.

    The candidates and their verdicts are mart_cx_movers__quarter's: one family of tests per
    quarter, Holm-adjusted (the all-customers NPS change is its own pre-declared test). A
    change is listed when its adjusted test is significant and both of its cells may be shown
    here; one line per cell and comparison (NPS when it moved, else the score that moved
    most), largest |z| first.
    """
    t = loc.text
    metrics = {m.key: m for m in METRICS}
    candidates = extra.rows("movers", quarter) or []
    found: list[tuple[float, dict[str, Any]]] = []
    for r in candidates:
        metric = metrics[r["metric"]]
        row = _mover_cell(data, extra, quarter, r)
        other = _mover_cell(data, extra, r["other_quarter"], r)
        if not (r["is_significant"] and finite(r["change_z"])):
            continue
        if not (reportable(row, metric, min_n) and reportable(other, metric, min_n)):
            continue
        assert row is not None
        change, z = r["change"], r["change_z"]
        text = t["mover_sentence"].format(
            name=_mover_name(loc, r),
            metric=t["metrics"][metric.key]["name"],
            verb=t["verb_up"] if change > 0 else t["verb_down"],
            change=format_number(abs(change), DECIMALS, loc.numbers),
            unit=t["unit_pct"] if metric.percent else t["unit_nps"],
            quarter=r["other_quarter"],
            value=(pct(loc) if metric.percent else number(loc))(r["value"]),
            n=count(r["n"], loc),
            z=format_number(z, 2, loc.numbers),
        )
        kind = "yoy" if r["comparison"] == "year_earlier" else "previous"
        found.append(
            (
                abs(z),
                {
                    "text": text,
                    "direction": "up" if change > 0 else "down",
                    "kind": kind,
                    "segment": r["segment"],
                    "touchpoint": r["touchpoint"],
                    "survey_type": _survey_of(r)[0],
                    "survey": _survey_of(r)[1],
                    "metric": metric.key,
                },
            )
        )
    best: dict[tuple[str, ...], tuple[float, dict[str, Any]]] = {}
    for z, item in found:
        key = tuple(item[k] for k in ("segment", "touchpoint", "survey_type", "survey", "kind"))
        rank = (item["metric"] == "nps", z)
        if key not in best or rank > (best[key][1]["metric"] == "nps", best[key][0]):
            best[key] = (z, item)
    ordered = sorted(best.values(), key=lambda item: (-item[0], item[1]["text"]))
    return [item for _, item in ordered[:MOVERS_SHOWN]], bool(candidates)


def _in_language(row: Row, column: str, loc: Locale) -> Any:
    """A seed row's text in the report's language (`<column>_<lang>`), else its English one."""
    return row.get(f"{column}_{loc.lang}") or row.get(f"{column}_en")


def _survey_of(mover: Row) -> tuple[str, str]:
    """The mover's survey type and programme ('all' for a segment or touchpoint cell)."""
    return (mover.get("survey_type") or ALL, mover.get("survey") or ALL)


def _mover_cell(data: MartData, extra: SectionData, quarter: str, mover: Row) -> Row | None:
    """The score row a mover compares: a segment or touchpoint cell of mart_cx_scores__quarter,
    or a survey type or programme of mart_cx_scores__survey_quarter."""
    survey_type, survey = _survey_of(mover)
    if survey_type == ALL:
        return data.get(quarter, mover["segment"], mover["touchpoint"])
    rows = extra.rows("survey_scores", quarter) or []
    wanted = (survey_type, survey)
    return next((r for r in rows if (r["survey_type"], r["survey"]) == wanted), None)


def _mover_name(loc: Locale, mover: Row) -> str:
    """'Customer support (touchpoint)', 'Transactional surveys' or 'Post-service survey'."""
    survey_type, survey = _survey_of(mover)
    if survey_type == ALL:
        return cell_name(loc, mover["segment"], mover["touchpoint"])
    if survey == ALL:
        return label(loc, "survey_types", survey_type)
    return dimension_name(loc, "survey", survey)


def headline_sentence(
    row: Row | None, benchmarks: Sequence[Row] | None, loc: Locale, min_n: int
) -> dict[str, str] | None:
    """NPS with interval, n, band and the benchmarks of the seed (industry, source, year)."""
    t = loc.text
    if not reportable(row, NPS, min_n) or row is None:
        return None
    text = t["summary_headline"].format(**_nps_fields(row, loc))
    bench = ""
    if benchmarks:
        parts = [
            t["benchmark_item"].format(
                industry=_in_language(b, "label", loc) or b["industry"],
                nps=format_int(int(b["nps"]), loc.numbers),
                source=_in_language(b, "source", loc) or b["source"],
                year=b["year"],
            )  # fmt: skip
            for b in benchmarks
        ]
        bench = t["summary_benchmarks"].format(items="; ".join(parts))
    return {"text": text, "benchmarks": bench, "band": str(row.get("nps_band"))}


def programme_headlines(
    data: SectionData, quarter: str, loc: Locale, min_n: int
) -> list[dict[str, Any]] | None:
    """One headline per survey type (relationship first), with its programmes below it, when the
    quarter's NPS answers come from more than one type; None when they do not (the pooled
    headline stands). Relationship and transactional NPS answer different questions: where both
    exist they are never pooled into one headline (mart_cx_scores__survey_quarter)."""
    rows = data.rows("survey_scores", quarter) or []
    types = [r for r in rows if r["survey_type"] != ALL and r["survey"] == ALL and r["n_nps"]]
    if len(types) < 2:
        return None
    order = {kind: i for i, kind in enumerate(SURVEY_TYPES)}
    out = []
    for head in sorted(
        types, key=lambda r: (order.get(r["survey_type"], len(order)), r["survey_type"])
    ):
        programmes = [
            r
            for r in rows
            if r["survey_type"] == head["survey_type"] and r["survey"] != ALL and r["n_nps"]
        ]
        name = label(loc, "survey_types", head["survey_type"])
        out.append(
            {
                "survey_type": head["survey_type"],
                "text": _programme_text(head, name, loc, min_n),
                "programmes": [
                    {
                        "survey": r["survey"],
                        "text": _programme_text(
                            r, dimension_name(loc, "survey", r["survey"]), loc, min_n
                        ),
                    }
                    for r in sorted(
                        programmes, key=lambda r: dimension_order("survey")(r["survey"])
                    )
                ]
                if len(programmes) > 1
                else [],
            }
        )
    return out


def _programme_text(row: Row, name: str, loc: Locale, min_n: int) -> str:
    t = loc.text
    if not reportable(row, NPS, min_n):
        return str(t["summary_programme_suppressed"].format(name=name, n=count(row["n_nps"], loc)))
    return str(t["summary_programme"].format(name=name, **_nps_fields(row, loc)))


def _nps_fields(row: Row, loc: Locale) -> dict[str, str]:
    """A headline's NPS, interval bounds, n and band, formatted for the locale's sentences."""
    return {
        "value": number(loc)(row["nps"]),
        "low": number(loc)(row["nps_ci_low"]),
        "high": number(loc)(row["nps_ci_high"]),
        "n": count(row["n_nps"], loc),
        "band": label(loc, "nps_bands", row.get("nps_band")),
    }


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
                    else t["where_touchpoint"].format(
                        name=dimension_name(loc, "touchpoint", r["touchpoint"])
                    ),
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
    listed, tested = movers(data, extra, quarter, loc, min_n)
    programmes = programme_headlines(extra, quarter, loc, min_n)
    headline = headline_sentence(data.get(quarter, ALL, ALL), extra.rows("benchmarks"), loc, min_n)
    return {
        # "Start from the goal": the targets judged this quarter (left out when none applies).
        "targets": targets_block(extra, quarter, loc, min_n),
        # Answers of relationship and transactional surveys: a headline per type, not pooled.
        "headline": headline if programmes is None else None,
        "programmes": programmes,
        "benchmarks": headline["benchmarks"] if headline else "",
        "movers": listed,
        # No candidate at all: nothing could be compared, which is not "no change".
        "movers_tested": tested,
        "pain_points": pain_points(extra, quarter, loc, min_n),
        "proposals": proposals(extra, quarter, loc),
        # Why cells are missing from the proposals: their drivers explain too little of NPS.
        "proposals_r2_note": low_r2_note(extra, quarter, loc),
        "no_proposals": (
            loc.text["summary_no_proposals_r2"].format(min_r2=min_r2_text(loc))
            if low_r2_cells(extra, quarter)
            else loc.text["summary_no_proposals"]
        ),
        "churn": churn_finding,
    }
