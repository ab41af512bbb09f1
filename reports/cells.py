"""One shown number: whether it may be shown, and how it is written.

Every section asks this module whether a figure may be shown and gets back a cell (the
formatted value with its n and interval, or only the suppression / no-data text). Number
formats come from reports/formatting.py in the locale's style.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any

from orchestration.lib import dimensions
from reports.data import ALL, METRICS, MartData, Metric, Row
from reports.formatting import (
    format_int,
    format_interval,
    format_number,
    format_percent,
)
from reports.language import Locale

logger = logging.getLogger(__name__)

# Decimals of a score, a percentage, a change and a ratio; means of a 1–5 or 1–7 scale get two.
DECIMALS = 1
MEAN_DECIMALS = 2
# The reporting minimum n when the caller names none (the dbt var min_reportable_n's default).
DEFAULT_MIN_N = 30


def finite(value: Any) -> bool:
    """True for a number that can be written (not None, NaN or infinite)."""
    return value is not None and math.isfinite(float(value))


def min_n_text(loc: Locale, min_n: int) -> str:
    """The reporting minimum as the page writes it (footnotes, notes, 'n < 30')."""
    return format_int(min_n, loc.numbers)


def suppressed_text(loc: Locale, min_n: int) -> str:
    """'n < 30': what a cell says instead of a value it may not show."""
    return loc.text["suppressed"].format(min_n=min_n_text(loc, min_n))


def n_text(n: int, loc: Locale) -> str:
    """'n = 1 234'."""
    return loc.text["n_label"].format(n=format_int(n, loc.numbers))


def count(n: Any, loc: Locale) -> str:
    """A count with the locale's grouping."""
    return format_int(int(n), loc.numbers)


def number(loc: Locale, decimals: int = DECIMALS) -> Callable[[Any], str]:
    """A formatter of plain numbers (NPS, a change, a ratio)."""
    return lambda v: format_number(v, decimals, loc.numbers)


def pct(loc: Locale) -> Callable[[Any], str]:
    """A formatter of percentages (0..100)."""
    return lambda v: format_percent(v, DECIMALS, loc.numbers)


def eur(loc: Locale) -> Callable[[Any], str]:
    """A formatter of whole euros."""
    return lambda v: loc.text["eur_pattern"].format(value=format_number(v, 0, loc.numbers))


def label(loc: Locale, group: str, code: Any) -> str:
    """The locale's name for a code (a driver, a reason, a band), else the code itself."""
    labels = loc.text.get(group) or {}
    return str(labels.get(code, code))


def dimension_name(loc: Locale, dimension: str, value: Any) -> str:
    """A dimension value as the reader calls it: its display name in the report's language
    (seeds/dimensions.csv), 'all customers' for the rollup, the locale's word for unknown."""
    if value == ALL:
        return str(loc.text["all_customers"])
    if value is None or value == "unknown":
        return str(loc.text["unknown_value"])
    if value == "anonymous":  # the segment of answers without a customer id
        return str(loc.text["anonymous_value"])
    return dimensions.display(dimension, value, loc.lang)


def dimension_order(dimension: str) -> Callable[[Any], tuple[int, str, str]]:
    """Sort key of a dimension's values: the seed's order (a touchpoint's place along the
    customer journey), undeclared values after it by name."""
    return lambda value: dimensions.order(dimension, value)


def cell_name(loc: Locale, segment: Any, touchpoint: Any) -> str:
    """'All customers', 'Customer support (touchpoint)', 'Consumers (segment)' or both."""
    t = loc.text
    if segment == ALL and touchpoint == ALL:
        return str(t["all_customers"])
    if segment == ALL:
        return str(t["cell_touchpoint"].format(name=dimension_name(loc, "touchpoint", touchpoint)))
    if touchpoint == ALL:
        return str(t["cell_segment"].format(name=dimension_name(loc, "segment", segment)))
    return str(
        t["cell_both"].format(
            segment=dimension_name(loc, "segment", segment),
            touchpoint=dimension_name(loc, "touchpoint", touchpoint),
        )
    )


def by_name(value: Any) -> tuple[str, str]:
    """Sort key: case-insensitive, then exact."""
    return (str(value).casefold(), str(value))


# --- the reporting rule ----------------------------------------------------------------------


def is_shown(flag: Any, n: Any, min_n: int) -> bool:
    """May a figure be shown? The one rule of every section.

    The mart decides (its is_reportable flag, n ≥ the dbt var min_reportable_n); the renderer's
    own min n can only be stricter. A missing flag or n is not reportable.
    """
    return flag is True and n is not None and n >= min_n


# --- cells of the extra tables ---------------------------------------------------------------


def value_cell(
    value: Any,
    n: Any,
    flag: Any,
    loc: Locale,
    min_n: int,
    fmt: Callable[[Any], str],
    low: Any = None,
    high: Any = None,
    ci_decimals: int = DECIMALS,
) -> dict[str, Any]:
    """One shown number with its n (and interval), or only the suppression / no-data text."""
    if not is_shown(flag, n, min_n):
        return {"state": "suppressed", "value": suppressed_text(loc, min_n), "n": "", "ci": ""}
    if not finite(value):
        return missing_cell(loc)
    ci = ""
    if finite(low) and finite(high):
        ci = format_interval(low, high, ci_decimals, loc.numbers)
    return {"state": "ok", "value": fmt(value), "n": n_text(n, loc), "ci": ci}


def heat_cell(
    cell: dict[str, Any], value: Any, colour_of: Callable[[float], tuple[str, str]]
) -> dict[str, Any]:
    """A value cell coloured by its value; a cell that may not be shown has no colour."""
    style = ""
    if cell["state"] == "ok":
        fill, text = colour_of(float(value))
        style = f"background-color: {fill}; color: {text}"
    return {**cell, "style": style}


def missing_cell(loc: Locale) -> dict[str, Any]:
    """The cell of a row the table has no data for."""
    return {"state": "missing", "value": loc.text["no_data"], "n": "", "ci": "", "style": ""}


# --- cells of the scores mart ----------------------------------------------------------------


def reportable(row: Row | None, metric: Metric, min_n: int) -> bool:
    """The mart flags the score reportable and its n reaches the renderer's min n."""
    return row is not None and is_shown(row[metric.flag_col], row[metric.n_col], min_n)


def cell_state(row: Row | None, metric: Metric, min_n: int) -> str:
    """Classify a score cell as ok, suppressed (n below min n or flagged) or missing."""
    if row is None:
        return "missing"
    if not reportable(row, metric, min_n):
        return "suppressed"
    values = (row[metric.value_col], row[metric.col("ci_low")], row[metric.col("ci_high")])
    if any(v is None or not math.isfinite(v) for v in values):
        return "missing"
    return "ok"


def format_score(value: float, metric: Metric, loc: Locale) -> str:
    """A score as the metric writes it: a percentage or a plain NPS."""
    if metric.percent:
        return format_percent(value, DECIMALS, loc.numbers)
    return format_number(value, DECIMALS, loc.numbers)


def score_cell(row: Row | None, metric: Metric, loc: Locale, min_n: int) -> dict[str, Any]:
    """Value, interval and n of one score, or only the status text when it may not be shown."""
    state = cell_state(row, metric, min_n)
    if state != "ok":
        status = suppressed_text(loc, min_n) if state == "suppressed" else loc.text["no_data"]
        return {"state": state, "value": status, "ci": "", "interval": "", "n": ""}
    assert row is not None  # state "ok" implies a row
    interval = format_interval(
        row[metric.col("ci_low")], row[metric.col("ci_high")], DECIMALS, loc.numbers
    )
    return {
        "state": "ok",
        "value": format_score(row[metric.value_col], metric, loc),
        "ci": loc.text["ci_label"].format(interval=interval),
        # tables name the 95 % level once in their note, so cells carry the bare interval
        "interval": interval,
        "n": n_text(row[metric.n_col], loc),
    }


def shown_value(row: Row | None, metric: Metric, min_n: int) -> float | None:
    """The score when it may be shown (a chart's point), else None (the line breaks)."""
    if row is None or cell_state(row, metric, min_n) != "ok":
        return None
    return row[metric.value_col]


def warn_on_min_n_mismatch(data: MartData, min_n: int) -> None:
    """Log once when the mart's reportable flags were built with another min n than ours."""
    mismatched = 0
    for row in data.rows.values():
        for m in METRICS:
            n, flag = row[m.n_col], row[m.flag_col]
            if n is not None and flag is not None and bool(flag) != (n >= min_n):
                mismatched += 1
    if mismatched:
        logger.warning(
            "%d cells have is_reportable flags that disagree with min_n=%d; "
            "check that the dbt var and the renderer use the same min n",
            mismatched,
            min_n,
        )
