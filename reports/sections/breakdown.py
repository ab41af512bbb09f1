"""The breakdown tables (partials/breakdown.html): every score by segment and by touchpoint."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reports.cells import dimension_name, dimension_order, score_cell
from reports.data import ALL, METRICS, MartData, Row
from reports.formatting import format_int
from reports.language import Locale


def breakdown_section(
    data: MartData, quarter: str, loc: Locale, min_n: int
) -> dict[str, list[dict[str, Any]]]:
    """The one-dimension cuts of the quarter: segments (all touchpoints) and touchpoints."""
    rows = data.in_quarter(quarter)
    return {
        "segments": _breakdown(
            [r for r in rows if r["touchpoint"] == ALL and r["segment"] != ALL],
            "segment",
            loc,
            min_n,
        ),
        "touchpoints": _breakdown(
            [r for r in rows if r["segment"] == ALL and r["touchpoint"] != ALL],
            "touchpoint",
            loc,
            min_n,
        ),
    }


def _breakdown(rows: Sequence[Row], name_col: str, loc: Locale, min_n: int) -> list[dict[str, Any]]:
    return [
        {
            "name": dimension_name(loc, name_col, row[name_col]),
            "n": (
                loc.text["no_data"]
                if row["n_responses"] is None
                else format_int(row["n_responses"], loc.numbers)
            ),
            "cells": [score_cell(row, m, loc, min_n) for m in METRICS],
        }
        for row in sorted(rows, key=lambda r: dimension_order(name_col)(r[name_col]))
    ]
