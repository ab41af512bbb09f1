"""The year in NPS (partials/year.html), in the Q4 report only: the annual NPS pooled over the
year's answers with its interval, and beside it the mean of the four quarterly NPS, which is
given only when all four quarters are reportable (mart_cx_scores__year decides)."""

from __future__ import annotations

from typing import Any

from reports.cells import (
    dimension_name,
    dimension_order,
    finite,
    min_n_text,
    n_text,
    number,
    value_cell,
)
from reports.data import ALL, Row, SectionData
from reports.formatting import format_int, format_interval
from reports.language import Locale

QUARTERS_IN_YEAR = 4


def _mean_cell(row: Row, loc: Locale, min_n: int) -> dict[str, Any]:
    """The mean of the four quarterly NPS, or why it is not given."""
    t = loc.text
    mean = row["nps_quarterly_mean"]
    if row["nps_quarterly_mean_is_reportable"] is True and finite(mean):
        return {"state": "ok", "value": number(loc)(mean), "n": "", "ci": ""}
    reportable = int(row["n_reportable_quarters"] or 0)
    return {
        "state": "suppressed",
        "value": t["year_mean_not_given"].format(
            k=format_int(reportable, loc.numbers), min_n=min_n_text(loc, min_n)
        ),
        "n": "",
        "ci": "",
    }


def year_section(data: SectionData, quarter: str, loc: Locale, min_n: int) -> dict[str, Any] | None:
    """Only in a year's fourth quarter, when the year mart has that year."""
    if not quarter.endswith(f"-Q{QUARTERS_IN_YEAR}"):
        return None
    year = int(quarter[:4])
    rows = [r for r in data.rows("year") or [] if r["year"] == year]
    headline = next((r for r in rows if r["segment"] == ALL and r["touchpoint"] == ALL), None)
    if headline is None:
        return None
    t = loc.text

    def line(row: Row, name: str, kind: str) -> dict[str, Any]:
        pooled = value_cell(
            row["nps"], row["n_nps"], row["is_reportable"], loc, min_n, number(loc),
            row["nps_ci_low"], row["nps_ci_high"],
        )  # fmt: skip
        return {"name": name, "kind": kind, "pooled": pooled, "mean": _mean_cell(row, loc, min_n)}

    lines = [line(headline, t["all_customers"], "all")]
    segments = [r for r in rows if r["segment"] != ALL and r["touchpoint"] == ALL]
    touchpoints = [r for r in rows if r["segment"] == ALL and r["touchpoint"] != ALL]
    lines += [
        line(r, dimension_name(loc, "segment", r["segment"]), "segment")
        for r in sorted(segments, key=lambda r: dimension_order("segment")(r["segment"]))
    ]
    lines += [
        line(r, dimension_name(loc, "touchpoint", r["touchpoint"]), "touchpoint")
        for r in sorted(touchpoints, key=lambda r: dimension_order("touchpoint")(r["touchpoint"]))
    ]
    pooled, mean = lines[0]["pooled"], lines[0]["mean"]
    finding = ""
    if pooled["state"] == "ok":
        finding = t["year_finding"].format(
            year=year,
            nps=pooled["value"],
            interval=format_interval(
                headline["nps_ci_low"], headline["nps_ci_high"], 1, loc.numbers
            ),
            n=n_text(headline["n_nps"], loc),
        )
        if mean["state"] == "ok":
            finding += " " + t["year_finding_mean"].format(mean=mean["value"])
        else:
            finding += " " + t["year_finding_no_mean"].format(
                k=format_int(int(headline["n_reportable_quarters"] or 0), loc.numbers),
                min_n=min_n_text(loc, min_n),
            )
    return {
        "heading": t["year_heading"].format(year=year),
        "lines": lines,
        "finding": finding,
        "note": t["year_note"].format(min_n=min_n_text(loc, min_n)),
    }
