"""The headline score cards (partials/cards.html): each score with its interval, n, change
against the previous quarter, NPS band, an eight-quarter sparkline and, where the CX team set an
all-customers target for the quarter, a red / green marker with its verdict."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup

from reports.cells import (
    DECIMALS,
    MEAN_DECIMALS,
    cell_state,
    format_score,
    min_n_text,
    score_cell,
    shown_value,
)
from reports.charts import chart_window, sparkline_svg
from reports.data import ALL, METRICS, NPS, MartData, Metric, Row, SectionData
from reports.formatting import format_number, format_percent, format_signed
from reports.language import Locale
from reports.sections.targets import card_target

_MARKERS: Mapping[str, str] = {"up": "▲", "down": "▼", "flat": "■"}


def cards_section(
    data: MartData,
    quarter: str,
    loc: Locale,
    min_n: int,
    sections: SectionData | None = None,
) -> list[dict[str, Any]]:
    """One card per headline score of the quarter (all customers, all touchpoints), each with
    its target's marker when the targets mart has one for the card's cell."""
    headline = data.get(quarter, ALL, ALL)
    extra = sections or SectionData()
    return [
        {
            **score_card(data, headline, m, loc, min_n),
            "target": card_target(extra, quarter, m.key, loc, min_n),
        }
        for m in METRICS
    ]


def score_card(
    data: MartData, row: Row | None, metric: Metric, loc: Locale, min_n: int
) -> dict[str, Any]:
    names = loc.text["metrics"][metric.key]
    card: dict[str, Any] = {
        "key": metric.key,
        "name": names["name"],
        "long": names["long"],
        "definition": names["definition"],
        **score_cell(row, metric, loc, min_n),
        "detail": "",
        "change": None,
        "sparkline": None,
        "band": "",
        "band_code": "",
    }
    if card["state"] != "ok":
        return card
    assert row is not None
    if metric.scale is not None and row[metric.col("mean")] is not None:
        low, high = metric.scale
        card["detail"] = loc.text["mean_label"].format(
            mean=format_number(row[metric.col("mean")], MEAN_DECIMALS, loc.numbers),
            low=low,
            high=high,
        )
    elif metric is NPS:
        card["detail"] = _nps_mix(row, loc)
    card["change"] = _change(data, row, metric, loc, min_n)
    card["sparkline"] = _sparkline(data, row, metric, loc, min_n)
    if metric is NPS and row.get("nps_band"):
        card["band_code"] = row["nps_band"]
        card["band"] = loc.text["band_label"].format(
            band=loc.text["nps_bands"].get(row["nps_band"], row["nps_band"])
        )
    return card


def _change(data: MartData, row: Row, metric: Metric, loc: Locale, min_n: int) -> dict[str, Any]:
    """The change against the previous quarter, hidden when that quarter's value is hidden.

    prev = this - change, so showing a change next to a suppressed previous value would
    disclose the suppressed number.
    """
    t = loc.text
    change = row[metric.col("change")]
    if row[metric.col("prev")] is None or change is None:
        return {"state": "none", "text": t["no_previous"]}
    previous = data.previous(row["quarter"], row["segment"], row["touchpoint"])
    if previous is None or cell_state(previous[1], metric, min_n) != "ok":
        return {
            "state": "prev_suppressed",
            "text": t["previous_suppressed"].format(min_n=min_n_text(loc, min_n)),
        }
    signed = format_signed(change, DECIMALS, loc.numbers)
    zero = format_number(0, DECIMALS, loc.numbers)
    direction = "flat" if signed == zero else ("up" if change > 0 else "down")
    unit = t["unit_pct"] if metric.percent else t["unit_nps"]
    significant = row[metric.col("is_significant_change")]
    z = row[metric.col("change_z")]
    z_text = "" if z is None else t["z_label"].format(z=format_number(z, 2, loc.numbers))
    return {
        "state": "ok",
        "text": t["change_label"].format(change=signed, unit=unit, quarter=previous[0]),
        "direction": direction,
        "marker": _MARKERS[direction],
        "significant": significant,
        "significance_text": (
            "" if significant is None else t["significant"] if significant else t["not_significant"]
        ),
        "z": z_text,
    }


def _sparkline(data: MartData, row: Row, metric: Metric, loc: Locale, min_n: int) -> Markup:
    """The last (up to) eight quarters of one headline score; hidden values break the line."""
    window = chart_window(data.quarters, row["quarter"])
    values = [
        shown_value(data.get(q, row["segment"], row["touchpoint"]), metric, min_n) for q in window
    ]
    shown = [v for v in values if v is not None]
    label = loc.text["sparkline_label"].format(
        metric=loc.text["metrics"][metric.key]["name"],
        first=window[0],
        last=window[-1],
        low=format_score(min(shown), metric, loc) if shown else "",
        high=format_score(max(shown), metric, loc) if shown else "",
    )
    # The line's own range (padded), so a quarter-to-quarter move is visible at word size.
    y_range = (min(shown) - 5.0, max(shown) + 5.0) if shown else (0.0, 100.0)
    # sparkline_svg escapes the label it writes.
    return Markup(sparkline_svg(values, label=label, y_range=y_range))


def _nps_mix(row: Row, loc: Locale) -> str:
    """Shares of promoters, passives and detractors among the NPS answers (the mart's)."""
    shares = {g: row[f"{g}_pct"] for g in ("promoters", "passives", "detractors")}
    if any(v is None for v in shares.values()):
        return ""
    return loc.text["nps_mix"].format(
        **{g: format_percent(v, DECIMALS, loc.numbers) for g, v in shares.items()}
    )
