"""Mystery shopping (partials/mystery.html): item scores of our brand and the competitors."""

from __future__ import annotations

import math
from typing import Any

from reports.cells import by_name, label, missing_cell, pct, value_cell
from reports.data import SectionData
from reports.language import Locale


def mystery_section(
    data: SectionData, quarter: str, loc: Locale, min_n: int
) -> dict[str, Any] | None:
    rows = data.rows("mystery", quarter)
    if not rows:
        return None
    as_pct = pct(loc)
    ours = sorted({r["brand"] for r in rows if r["is_our_brand"]}, key=by_name)
    others = sorted({r["brand"] for r in rows if not r["is_our_brand"]}, key=by_name)
    brands = ours + others
    cells = {(r["brand"], r["item"]): r for r in rows}
    our_rows = {r["item"]: r for r in rows if r["is_our_brand"]}
    # Items in our weakness order (the mart's rank), then any item we were not scored on.
    items = sorted(
        {r["item"] for r in rows},
        key=lambda i: (our_rows[i]["weakness_rank"] if i in our_rows else math.inf, *by_name(i)),
    )
    weakest = None

    def score(r: dict[str, Any]) -> dict[str, Any]:
        return value_cell(
            r["score_pct"], r["n_visits"], r["is_reportable"], loc, min_n, as_pct,
            r["score_ci_low"], r["score_ci_high"],
        )  # fmt: skip

    for item, r in our_rows.items():
        cell = score(r)
        if r["weakness_rank"] == 1 and cell["state"] == "ok":
            weakest = {"item": item, "name": label(loc, "ms_items", item), **cell}
    table = []
    for item in items:
        row_cells = []
        for brand in brands:
            r = cells.get((brand, item))
            row_cells.append(missing_cell(loc) if r is None else score(r))
        table.append(
            {
                "name": label(loc, "ms_items", item),
                "weakest": weakest is not None and item == weakest["item"],
                "cells": row_cells,
            }
        )
    return {
        "brands": [{"name": b, "ours": b in ours} for b in brands],
        "rows": table,
        "weakest": (
            None
            if weakest is None
            else loc.text["ms_weakest_sentence"].format(
                item=weakest["name"],
                score=weakest["value"],
                detail=", ".join(p for p in (_ci_text(weakest["ci"], loc), weakest["n"]) if p),
            )
        ),
    }


def _ci_text(interval: str, loc: Locale) -> str:
    """'95% CI [a, b]' for a formatted interval, '' without one."""
    return loc.text["ci_label"].format(interval=interval) if interval else ""
