"""Locale-aware number formatting for reports (decimal mark, grouping, minus sign, patterns)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class NumberStyle:
    """How one locale writes numbers; loaded from the `number:` block of a locale file."""

    decimal_sep: str
    group_sep: str
    minus_sign: str
    plus_sign: str
    percent_pattern: str
    interval_pattern: str

    @classmethod
    def from_mapping(cls, spec: Mapping[str, str]) -> NumberStyle:
        """Build a style from a locale's `number:` mapping (all keys required)."""
        return cls(
            decimal_sep=spec["decimal_sep"],
            group_sep=spec["group_sep"],
            minus_sign=spec["minus_sign"],
            plus_sign=spec["plus_sign"],
            percent_pattern=spec["percent_pattern"],
            interval_pattern=spec["interval_pattern"],
        )


def _to_decimal(value: float | int) -> Decimal:
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number to format")
    if isinstance(value, int):
        return Decimal(value)
    if not math.isfinite(value):
        raise ValueError(f"cannot format non-finite number {value!r}")
    # repr() gives the shortest decimal that round-trips, so 0.05 rounds half-up to 0.1
    # the way a reader rounding by hand would, not to 0.0 as the binary value would.
    return Decimal(repr(float(value)))


def _group(digits: str, sep: str) -> str:
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return sep.join(parts)


def _round(value: float | int, decimals: int) -> Decimal:
    return _to_decimal(value).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def format_number(value: float | int, decimals: int, style: NumberStyle) -> str:
    """Round half-up to `decimals` places and write with the locale's separators and minus."""
    rounded = _round(value, decimals)
    # A value that rounds to zero is shown unsigned: a minus zero would suggest a direction.
    negative = rounded < 0 and rounded != 0
    int_part, _, frac_part = f"{abs(rounded):f}".partition(".")
    text = _group(int_part, style.group_sep)
    if decimals > 0:
        text = f"{text}{style.decimal_sep}{frac_part}"
    return f"{style.minus_sign}{text}" if negative else text


def format_int(value: int, style: NumberStyle) -> str:
    """Write a count with the locale's thousands separator."""
    return format_number(value, 0, style)


def format_signed(value: float | int, decimals: int, style: NumberStyle) -> str:
    """Write a change with an explicit sign; a change that rounds to zero gets no sign."""
    text = format_number(value, decimals, style)
    return f"{style.plus_sign}{text}" if _round(value, decimals) > 0 else text


def format_percent(value: float | int, decimals: int, style: NumberStyle) -> str:
    """Write a percentage (0..100) with the locale's percent pattern."""
    return style.percent_pattern.format(value=format_number(value, decimals, style))


def format_interval(low: float | int, high: float | int, decimals: int, style: NumberStyle) -> str:
    """Write a confidence interval with the locale's interval pattern."""
    return style.interval_pattern.format(
        low=format_number(low, decimals, style), high=format_number(high, decimals, style)
    )
