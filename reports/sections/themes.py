"""Comment themes and verbatims (partials/themes.html): what customers wrote about, quoted."""

from __future__ import annotations

from typing import Any

from orchestration.lib import dimensions
from reports.cells import (
    DECIMALS,
    count,
    dimension_name,
    finite,
    is_shown,
    min_n_text,
    number,
    pct,
    suppressed_text,
    value_cell,
)
from reports.data import ALL, Row, SectionData
from reports.formatting import format_signed
from reports.language import Locale


def theme_labels(data: SectionData, loc: Locale) -> dict[str, str]:
    """Theme names in the page's language: the lexicon's column `label_<lang>`."""
    column = f"label_{loc.lang}"
    return {r["theme_id"]: r[column] for r in data.rows("theme_labels") or []}


def themes_section(
    data: SectionData, quarter: str, loc: Locale, min_n: int
) -> dict[str, Any] | None:
    rows = [r for r in data.rows("themes", quarter) or [] if r["touchpoint"] == ALL]
    if not rows:
        return None
    labels = theme_labels(data, loc)
    as_pct = pct(loc)
    table = []
    for r in sorted(rows, key=lambda r: (-(r["n_mentions"] or 0), r["theme_id"])):
        # The share is reportable on its denominator (n_comments); the theme's NPS and its
        # detractor share on the mentions with an NPS answer (n_nps_mentions), in the mart.
        ok = is_shown(r["is_reportable"], r["n_comments"], min_n)
        nps_flag, nps_n = r["nps_of_theme_is_reportable"], r["n_nps_mentions"]
        change = r.get("share_change_pts")
        table.append(
            {
                "name": labels.get(r["theme_id"], r["theme_id"]),
                "state": "ok" if ok else "suppressed",
                "mentions": count(r["n_mentions"], loc),
                "share": value_cell(
                    r["share_of_comments_pct"],
                    r["n_comments"],
                    r["is_reportable"],
                    loc,
                    min_n,
                    as_pct,
                    r["share_ci_low"],
                    r["share_ci_high"],
                ),
                "detractors": value_cell(
                    r["detractor_share_pct"],
                    nps_n,
                    nps_flag,
                    loc,
                    min_n,
                    as_pct,
                    r["detractor_share_ci_low"],
                    r["detractor_share_ci_high"],
                ),
                "nps": value_cell(
                    r["nps_of_theme"],
                    nps_n,
                    nps_flag,
                    loc,
                    min_n,
                    number(loc),
                    r["nps_of_theme_ci_low"],
                    r["nps_of_theme_ci_high"],
                ),
                "change": format_signed(change, DECIMALS, loc.numbers)
                if ok and finite(change)
                else "–",
                "suppressed": "" if ok else suppressed_text(loc, min_n),
            }
        )
    verbatims: dict[str, list[Row]] = {}
    for v in data.rows("verbatims", quarter) or []:
        verbatims.setdefault(v["theme_id"], []).append(v)
    quotes = []
    languages = dimensions.values("language")
    for r in sorted(rows, key=lambda r: (-(r["n_detractors"] or 0), r["theme_id"])):
        found = sorted(verbatims.get(r["theme_id"], []), key=lambda v: v["verbatim_rank"])
        if not found or not is_shown(r["is_reportable"], r["n_mentions"], min_n):
            continue
        quotes.append(
            {
                "theme": labels.get(r["theme_id"], r["theme_id"]),
                "comments": [
                    {
                        "comment": v["comment"],  # escaped by the template's autoescape
                        "score": loc.text["verbatim_score"].format(
                            score=v["nps_score"],
                            touchpoint=dimension_name(loc, "touchpoint", v["touchpoint"]),
                        )
                        if v["nps_score"] is not None
                        else loc.text["verbatim_no_score"].format(
                            touchpoint=dimension_name(loc, "touchpoint", v["touchpoint"])
                        ),
                        # The page marks the comment's language (from the dimensions seed).
                        "lang": v["language"] if v["language"] in languages else "",
                    }
                    for v in found
                ],
            }
        )
    return {
        "rows": table,
        "quotes": quotes[:6],
        "note": loc.text["themes_note"].format(min_n=min_n_text(loc, min_n)),
    }
