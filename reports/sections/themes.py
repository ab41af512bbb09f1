"""Comment themes and verbatims (partials/themes.html): what customers wrote about, quoted."""

from __future__ import annotations

from typing import Any

from reports.cells import DECIMALS, count, finite, is_shown, number, pct, suppressed_text
from reports.data import ALL, Row, SectionData
from reports.formatting import format_signed
from reports.language import Locale


def theme_labels(data: SectionData, loc: Locale) -> dict[str, str]:
    column = "label_fi" if loc.lang == "fi" else "label_en"
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
        ok = is_shown(r["is_reportable"], r["n_mentions"], min_n)
        change = r.get("share_change_pts")
        table.append(
            {
                "name": labels.get(r["theme_id"], r["theme_id"]),
                "state": "ok" if ok else "suppressed",
                "mentions": count(r["n_mentions"], loc),
                "share": as_pct(r["share_of_comments_pct"]) if ok else "",
                "detractors": as_pct(r["detractor_share_pct"]) if ok else "",
                "nps": number(loc)(r["nps_of_theme"]) if ok and finite(r["nps_of_theme"]) else "",
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
                            score=v["nps_score"], touchpoint=v["touchpoint"]
                        )
                        if v["nps_score"] is not None
                        else loc.text["verbatim_no_score"].format(touchpoint=v["touchpoint"]),
                        "lang": v["language"] if v["language"] in ("fi", "sv", "en") else "",
                    }
                    for v in found
                ],
            }
        )
    return {"rows": table, "quotes": quotes[:6]}
