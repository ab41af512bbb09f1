"""Customer value (partials/value.html): revenue at risk by segment and mean CLV by segment,
with the model the CLV figures come from, and beside it the simple retention CLV with its
assumptions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reports.cells import dimension_name, dimension_order, eur, pct, value_cell
from reports.data import ALL, Row, SectionData
from reports.formatting import format_int, format_number, format_percent
from reports.language import Locale


def value_section(
    data: SectionData, quarter: str, loc: Locale, min_n: int
) -> dict[str, Any] | None:
    risk_rows = data.rows("risk", quarter)
    clv_rows = data.rows("clv")
    if not risk_rows and not clv_rows:
        return None
    as_eur, as_pct = eur(loc), pct(loc)

    def order(r: Row) -> tuple[bool, str, str]:
        return (r["segment"] != ALL, *dimension_order("segment")(r["segment"]))

    def seg_name(segment: Any) -> str:
        return dimension_name(loc, "segment", segment)

    risk = []
    for r in sorted(risk_rows or [], key=order):
        # The revenue summed is the customers at risk's: their count decides, as in the mart.
        n, flag = r["customers_at_risk"], r["is_reportable"]
        risk.append(
            {
                "name": seg_name(r["segment"]),
                "revenue": value_cell(r["revenue_at_risk"], n, flag, loc, min_n, as_eur),
                "share": value_cell(r["revenue_at_risk_pct"], n, flag, loc, min_n, as_pct),
                "at_risk": value_cell(r["customers_at_risk"], n, flag, loc, min_n,
                                      lambda v: format_int(int(v), loc.numbers)),
                "partial": r["has_full_trailing_year"] is False,
            }
        )  # fmt: skip
    # The simple formula's retention needs churn events: without them (the churn table is
    # dropped by reports/coverage.py) every customer would look retained, so it is left out.
    simple = data.rows("churn") is not None
    clv = [
        {
            "name": seg_name(r["segment"]),
            "clv": value_cell(
                r["mean_clv"], r["n_customers"], r["is_reportable"], loc, min_n, as_eur,
                r["clv_ci_low"], r["clv_ci_high"], ci_decimals=0,
            ),
            "simple": value_cell(
                r["simple_clv"], r["retention_n_customers"], r["simple_clv_is_reportable"], loc,
                min_n, as_eur, r["simple_clv_ci_low"], r["simple_clv_ci_high"], ci_decimals=0,
            ),
        }
        for r in sorted(clv_rows or [], key=order)
    ]  # fmt: skip
    horizon = next((r["horizon_months"] for r in clv_rows or [] if r["horizon_months"]), 12)
    months = format_int(int(horizon), loc.numbers)
    model = clv_model(clv_rows or [])
    caption = "clv_caption_historical" if model[0] == "historical" else "clv_caption"
    return {
        "risk": risk,
        "clv": clv,
        "clv_caption": loc.text[caption].format(months=months),
        "clv_model_note": clv_model_note(model, loc, months) if clv_rows else "",
        "show_simple": simple,
        "simple_note": simple_clv_note(clv_rows or [], loc, months) if simple else "",
    }


def simple_clv_note(rows: Sequence[Row], loc: Locale, months: str) -> str:
    """The simple retention CLV's formula and assumptions, with the all-customers inputs."""
    total = next((r for r in rows if r["segment"] == ALL), None)
    if total is None or total["simple_clv"] is None:
        return ""
    return str(loc.text["clv_simple_note"]).format(
        margin=format_number(total["clv_margin"], 2, loc.numbers),
        d=format_percent(100 * total["quarterly_discount_rate"], 2, loc.numbers),
        r=format_percent(total["quarterly_retention_pct"], 1, loc.numbers),
        m=eur(loc)(total["margin_per_customer_quarter"]),
        months=months,
    )


def clv_model(rows: Sequence[Row]) -> tuple[str, str | None]:
    """(value_model, fallback_reason) of the CLV rows: one fit values every customer."""
    total = next((r for r in rows if r["segment"] == ALL), rows[0] if rows else None)
    if total is None:
        return "gamma_gamma", None
    return str(total["value_model"] or "gamma_gamma"), total.get("fallback_reason")


def clv_model_note(model: tuple[str, str | None], loc: Locale, months: str) -> str:
    """Which model the CLV figures come from and, for a fallback, why (clv_model texts)."""
    value_model, reason = model
    t = loc.text
    texts = t["clv_model"]
    reasons = t["clv_reasons"]
    why = reasons.get(reason or "", reasons["other"].format(reason=reason))
    return str(texts.get(value_model, texts["other"])).format(
        reason=why, months=months, model=value_model
    )
