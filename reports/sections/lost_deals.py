"""Lost deals (partials/lost_deals.html): how often "price" was not the real reason, and the
stated × real reason matrix."""

from __future__ import annotations

from typing import Any

from reports.cells import by_name, label, pct, value_cell
from reports.data import SectionData
from reports.formatting import format_int
from reports.language import Locale


def lost_deals_section(
    data: SectionData, quarter: str, loc: Locale, min_n: int
) -> dict[str, Any] | None:
    claims = data.rows("price_claims", quarter)
    reasons = data.rows("reasons", quarter)
    if not claims and not reasons:
        return None
    t = loc.text
    share = None
    if claims:
        r = claims[0]
        cell = value_cell(
            r["price_not_real_pct"], r["n_stated_price_interviewed"], r["is_reportable"], loc,
            min_n, pct(loc), r["price_not_real_ci_low"], r["price_not_real_ci_high"],
        )  # fmt: skip
        if cell["state"] == "ok":
            text = t["ld_price_share"].format(share=cell["value"], n=cell["n"], interval=cell["ci"])
        else:
            text = t["ld_price_suppressed"].format(status=cell["value"])
        share = {"state": cell["state"], "text": text}
    matrix = None
    if reasons:
        stated_n = {r["stated_reason"]: r for r in reasons}
        real = sorted({r["real_reason"] for r in reasons}, key=by_name)
        counts = {(r["stated_reason"], r["real_reason"]): r["n_deals"] for r in reasons}
        rows = []
        for stated, r in sorted(stated_n.items(), key=lambda kv: (-kv[1]["n_stated"], kv[0])):
            head = value_cell(r["n_stated"], r["n_stated"], r["is_reportable"], loc, min_n,
                              lambda v: format_int(int(v), loc.numbers))  # fmt: skip
            rows.append(
                {
                    "name": label(loc, "ld_reasons", stated),
                    "state": head["state"],
                    "total": head["value"],
                    "counts": [
                        format_int(int(counts.get((stated, x), 0)), loc.numbers) for x in real
                    ],
                }
            )
        matrix = {"columns": [label(loc, "ld_reasons", x) for x in real], "rows": rows}
    return {"share": share, "matrix": matrix}
