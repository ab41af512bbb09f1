"""The NPS trend chart (partials/trend.html): the headline and each touchpoint, ≤ 8 quarters."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from reports.cells import DECIMALS, dimension_name, dimension_order, min_n_text, shown_value
from reports.charts import Series, chart_window, nps_trend_svg
from reports.data import ALL, NPS, MartData
from reports.formatting import format_number
from reports.language import Locale


def trend_section(data: MartData, quarter: str, loc: Locale, min_n: int) -> dict[str, Any]:
    """The chart and its note."""
    return {
        "chart_svg": _chart(data, quarter, loc, min_n),
        "chart_note": loc.text["chart_note"].format(min_n=min_n_text(loc, min_n)),
    }


def _chart(data: MartData, quarter: str, loc: Locale, min_n: int) -> Markup:
    """NPS per quarter for the headline and each touchpoint, up to this quarter (≤ 8)."""
    t = loc.text
    window = chart_window(data.quarters, quarter)

    def values(segment: str, touchpoint: str) -> list[float | None]:
        return [shown_value(data.get(q, segment, touchpoint), NPS, min_n) for q in window]

    touchpoints = sorted(
        {tp for (q, seg, tp) in data.rows if q in window and seg == ALL and tp != ALL},
        key=dimension_order("touchpoint"),
    )
    series = [Series(t["headline_series"], values(ALL, ALL), emphasis=True)]
    series += [Series(dimension_name(loc, "touchpoint", tp), values(ALL, tp)) for tp in touchpoints]
    svg = nps_trend_svg(
        window,
        series,
        title=t["chart_title"].format(first=window[0], last=window[-1]),
        desc=t["chart_desc"].format(min_n=min_n_text(loc, min_n)),
        format_value=lambda v: format_number(v, DECIMALS, loc.numbers),
        format_tick=lambda v: format_number(v, 0, loc.numbers),
    )
    # nps_trend_svg escapes every text it writes, so its output is trusted markup.
    return Markup(svg)
