"""The segment × touchpoint heat map (partials/heatmap.html): NPS of every cross cell."""

from __future__ import annotations

from typing import Any

from reports.cells import (
    dimension_name,
    dimension_order,
    heat_cell,
    missing_cell,
    number,
    value_cell,
)
from reports.charts import heat_colours
from reports.data import ALL, MartData
from reports.language import Locale


def segment_touchpoint_heatmap(
    data: MartData, quarter: str, loc: Locale, min_n: int
) -> dict[str, Any] | None:
    """NPS of every segment × touchpoint cell; small cells say "n < 30" instead of a colour."""
    rows = [r for r in data.in_quarter(quarter) if r["segment"] != ALL and r["touchpoint"] != ALL]
    if not rows:
        return None
    segments = sorted({r["segment"] for r in rows}, key=dimension_order("segment"))
    touchpoints = sorted({r["touchpoint"] for r in rows}, key=dimension_order("touchpoint"))
    cells = {(r["segment"], r["touchpoint"]): r for r in rows}
    table = []
    for segment in segments:
        line = []
        for tp in touchpoints:
            r = cells.get((segment, tp))
            if r is None:
                line.append(missing_cell(loc))
                continue
            cell = value_cell(r["nps"], r["n_nps"], r["is_reportable"], loc, min_n, number(loc))
            line.append(heat_cell(cell, r["nps"], heat_colours))
        table.append({"name": dimension_name(loc, "segment", segment), "cells": line})
    return {
        "columns": [dimension_name(loc, "touchpoint", tp) for tp in touchpoints],
        "rows": table,
    }
