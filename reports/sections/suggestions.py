"""What customers suggest (partials/suggestions.html): the answers to "How could we exceed your
expectations?" themed by the suggestion lexicon, with counts, shares, intervals, the ideas
rising since the previous quarter, the most named idea per touchpoint and quoted suggestions.
"""

from __future__ import annotations

from typing import Any

from orchestration.lib import dimensions
from reports.cells import (
    DECIMALS,
    count,
    dimension_name,
    dimension_order,
    finite,
    is_shown,
    min_n_text,
    pct,
    suppressed_text,
    value_cell,
)
from reports.data import ALL, Row, SectionData
from reports.formatting import format_interval, format_signed
from reports.language import Locale

QUOTED_IDEAS = 3


def suggestion_label(row: Row, loc: Locale) -> str:
    """An idea's name in the page's language: the lexicon's `label_<lang>`, carried by the mart."""
    return str(row.get(f"label_{loc.lang}") or row["theme_id"])


def _share(r: Row, loc: Locale, min_n: int) -> dict[str, Any]:
    return value_cell(
        r["share_of_suggestions_pct"],
        r["n_suggestions"],
        r["is_reportable"],
        loc,
        min_n,
        pct(loc),
        r["share_ci_low"],
        r["share_ci_high"],
    )


def _share_text(r: Row, loc: Locale) -> str:
    """'41.2% [35.6–47.0] of 277 suggestions' for a sentence."""
    return loc.text["suggestion_share"].format(
        share=pct(loc)(r["share_of_suggestions_pct"]),
        ci=format_interval(r["share_ci_low"], r["share_ci_high"], DECIMALS, loc.numbers),
        n=count(r["n_suggestions"], loc),
    )


def suggestions_section(
    data: SectionData, quarter: str, loc: Locale, min_n: int
) -> dict[str, Any] | None:
    """None when the quarter has no answer to the question (the section is left out)."""
    rows = data.rows("suggestions", quarter) or []
    overall = [r for r in rows if r["touchpoint"] == ALL]
    if not overall or not any(r["n_suggestions"] for r in overall):
        return None
    t = loc.text
    head = overall[0]
    reportable = is_shown(head["is_reportable"], head["n_suggestions"], min_n)
    rate = value_cell(
        head["suggestion_rate_pct"],
        head["n_answers"],
        is_shown(True, head["n_answers"], min_n),
        loc,
        min_n,
        pct(loc),
        head["suggestion_rate_ci_low"],
        head["suggestion_rate_ci_high"],
    )
    intro = t["suggestions_intro"].format(
        suggestions=count(head["n_suggestions"], loc),
        answers=count(head["n_answers"], loc),
        rate=rate["value"] + (f" {rate['ci']}" if rate.get("ci") else ""),
    )
    named = sorted(
        (r for r in overall if r["n_mentions"]), key=lambda r: (-r["n_mentions"], r["theme_id"])
    )
    table = []
    for r in named:
        change = r.get("share_change_pts")
        significant = r.get("share_is_significant_change") is True
        table.append(
            {
                "theme_id": r["theme_id"],
                "name": suggestion_label(r, loc),
                "mentions": count(r["n_mentions"], loc),
                "share": _share(r, loc, min_n),
                "change": format_signed(change, DECIMALS, loc.numbers)
                if reportable and finite(change) and r.get("previous_quarter")
                else "–",
                "significant": significant,
            }
        )
    rising = []
    if reportable:
        for r in named:
            if r.get("share_is_significant_change") is True and (r["share_change_pts"] or 0) > 0:
                rising.append(
                    t["suggestions_rising_item"].format(
                        theme=suggestion_label(r, loc),
                        previous=pct(loc)(r["previous_share_of_suggestions_pct"]),
                        share=_share_text(r, loc),
                        previous_quarter=r["previous_quarter"],
                    )
                )
    by_touchpoint = []
    cells = [r for r in rows if r["touchpoint"] != ALL and r["theme_rank"] == 1]
    for r in sorted(cells, key=lambda r: dimension_order("touchpoint")(r["touchpoint"])):
        where = dimension_name(loc, "touchpoint", r["touchpoint"])
        if not is_shown(r["is_reportable"], r["n_suggestions"], min_n):
            text = t["suggestions_touchpoint_suppressed"].format(
                touchpoint=where, suppressed=suppressed_text(loc, min_n)
            )
        elif not r["n_mentions"]:
            continue
        else:
            text = t["suggestions_touchpoint_top"].format(
                touchpoint=where,
                theme=suggestion_label(r, loc),
                mentions=count(r["n_mentions"], loc),
                share=_share_text(r, loc),
            )
        by_touchpoint.append({"touchpoint": r["touchpoint"], "text": text})
    quotes = []
    if reportable:
        verbatims: dict[str, list[Row]] = {}
        for v in data.rows("suggestion_verbatims", quarter) or []:
            verbatims.setdefault(v["theme_id"], []).append(v)
        languages = dimensions.values("language")
        for r in named[:QUOTED_IDEAS]:
            found = sorted(verbatims.get(r["theme_id"], []), key=lambda v: v["verbatim_rank"])
            if not found:
                continue
            quotes.append(
                {
                    "theme": suggestion_label(r, loc),
                    "suggestions": [
                        {
                            "text": v["suggestion"],  # escaped by the template's autoescape
                            "where": dimension_name(loc, "touchpoint", v["touchpoint"]),
                            "lang": v["language"] if v["language"] in languages else "",
                        }
                        for v in found
                    ],
                }
            )
    return {
        "intro": intro,
        "reportable": reportable,
        "suppressed": "" if reportable else suppressed_text(loc, min_n),
        "rows": table if reportable else [],
        "rising": rising,
        "by_touchpoint": by_touchpoint,
        "quotes": quotes,
        "note": t["suggestions_note"].format(min_n=min_n_text(loc, min_n)),
    }
