"""The cohort retention heat map (partials/cohorts.html): share of each cohort still active."""

from __future__ import annotations

from typing import Any

from reports.cells import count, heat_cell, pct, value_cell
from reports.charts import RETENTION_SCALE, heat_colours
from reports.data import SectionData
from reports.language import Locale


def cohort_heatmap(
    data: SectionData, quarter: str, loc: Locale, min_n: int, max_cohorts: int = 8
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
            cell = value_cell(
                r["retention_pct"], r["cohort_size"], r["is_reportable"], loc, min_n, pct(loc),
                r["retention_ci_low"], r["retention_ci_high"],
            )  # fmt: skip
            line.append(
                heat_cell(cell, r["retention_pct"], lambda v: heat_colours(v, RETENTION_SCALE))
            )
        table.append(
            {"name": cohort, "size": "" if size is None else count(size, loc), "cells": line}
        )
    return {"columns": list(range(depth + 1)), "rows": table}
