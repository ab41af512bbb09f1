"""Inline SVG charts for the reports: pure functions from numbers and labels to SVG text."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

# Okabe-Ito: distinguishable with the common colour-vision deficiencies. Black goes to the
# headline; yellow (#F0E442) comes last because it is faint on white.
OKABE_ITO: tuple[str, ...] = (
    "#000000",
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
)
# Dash patterns separate series that reuse a colour once the palette runs out.
_DASHES: tuple[str, ...] = ("", "6 3", "2 3")

_WIDTH = 720
_PLOT_TOP = 20
_PLOT_HEIGHT = 240
_MARGIN_LEFT = 52
_MARGIN_RIGHT = 20
_AXIS_GAP = 34
_LEGEND_ROW = 20
_LEGEND_COL = 230
_LEGEND_MAX_CHARS = 30
_Y_MIN = -100.0
_Y_MAX = 100.0
_Y_TICKS: tuple[int, ...] = (-100, -50, 0, 50, 100)


@dataclass(frozen=True)
class Series:
    """One line: a label and one value per x label; None means "not drawn" (the line breaks)."""

    label: str
    values: Sequence[float | None]
    emphasis: bool = False


def _esc(text: str) -> str:
    return escape(text, quote=True)


def _short(label: str) -> str:
    # Long names would run into the next legend column; the full name stays in the tooltip.
    if len(label) <= _LEGEND_MAX_CHARS:
        return label
    return label[: _LEGEND_MAX_CHARS - 1] + "…"


def _fmt(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _style(index: int) -> tuple[str, str]:
    colour = OKABE_ITO[index % len(OKABE_ITO)]
    dash = _DASHES[(index // len(OKABE_ITO)) % len(_DASHES)]
    return colour, dash


def _segments(points: Sequence[tuple[float, float] | None]) -> list[list[tuple[float, float]]]:
    """Split a line at missing points so a gap is never bridged by a straight segment."""
    runs: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    for point in points:
        if point is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append(point)
    if current:
        runs.append(current)
    return runs


def nps_trend_svg(
    x_labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    desc: str,
    format_value: Callable[[float], str],
    format_tick: Callable[[float], str],
    chart_id: str = "nps-trend",
    y_range: tuple[float, float] = (_Y_MIN, _Y_MAX),
    y_ticks: Sequence[float] = _Y_TICKS,
) -> str:
    """Return an inline SVG line chart, by default on a fixed -100..100 axis with a zero line.

    `y_range` and `y_ticks` set another fixed axis (e.g. 0..10 for a churn %); values
    outside the range are clipped to its edge.

    Meant for embedding in HTML (no xmlns, no script). Every text is escaped here, so the
    result is safe to mark up as-is. A value of None is omitted and breaks its line.
    """
    for s in series:
        if len(s.values) != len(x_labels):
            raise ValueError(
                f"series {s.label!r} has {len(s.values)} values for {len(x_labels)} x labels"
            )

    plot_right = _WIDTH - _MARGIN_RIGHT
    plot_bottom = _PLOT_TOP + _PLOT_HEIGHT
    per_row = max(1, (_WIDTH - _MARGIN_LEFT) // _LEGEND_COL)
    legend_rows = -(-len(series) // per_row)
    legend_top = plot_bottom + _AXIS_GAP
    height = legend_top + legend_rows * _LEGEND_ROW + 8

    def x_at(i: int) -> float:
        if len(x_labels) == 1:
            return (_MARGIN_LEFT + plot_right) / 2
        inner_left, inner_right = _MARGIN_LEFT + 24, plot_right - 24
        return inner_left + i * (inner_right - inner_left) / (len(x_labels) - 1)

    y_min, y_max = y_range
    if not y_max > y_min:
        raise ValueError(f"y_range {y_range!r} is empty")

    def y_at(v: float) -> float:
        clipped = min(y_max, max(y_min, v))
        return _PLOT_TOP + (y_max - clipped) / (y_max - y_min) * _PLOT_HEIGHT

    out: list[str] = [
        f'<svg class="chart" role="img" viewBox="0 0 {_WIDTH} {height}" '
        f'aria-labelledby="{_esc(chart_id)}-title {_esc(chart_id)}-desc">',
        f'<title id="{_esc(chart_id)}-title">{_esc(title)}</title>',
        f'<desc id="{_esc(chart_id)}-desc">{_esc(desc)}</desc>',
        '<g class="grid">',
    ]
    for tick in y_ticks:
        y = _fmt(y_at(tick))
        cls = "zero" if tick == 0 else "tick"
        out.append(
            f'<line class="{cls}" x1="{_MARGIN_LEFT}" y1="{y}" x2="{plot_right}" y2="{y}"/>'
            f'<text class="y-label" x="{_MARGIN_LEFT - 6}" y="{y}" text-anchor="end" '
            f'dominant-baseline="middle">{_esc(format_tick(tick))}</text>'
        )
    for i, label in enumerate(x_labels):
        out.append(
            f'<text class="x-label" x="{_fmt(x_at(i))}" y="{plot_bottom + 18}" '
            f'text-anchor="middle">{_esc(label)}</text>'
        )
    out.append("</g>")

    # Drawn last-to-first so the emphasised headline (listed first) ends up on top.
    for index, s in reversed(list(enumerate(series))):
        colour, dash = _style(index)
        width = "3" if s.emphasis else "2"
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        points = [None if v is None else (x_at(i), y_at(v)) for i, v in enumerate(s.values)]
        out.append(f'<g class="series" data-series="{index}">')
        path = " ".join(
            "M" + " L".join(f"{_fmt(x)} {_fmt(y)}" for x, y in run)
            for run in _segments(points)
            if len(run) > 1
        )
        if path:
            out.append(
                f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="{width}"'
                f'{dash_attr} stroke-linejoin="round"/>'
            )
        for i, v in enumerate(s.values):
            if v is None:
                continue
            tip = f"{s.label}, {x_labels[i]}: {format_value(v)}"
            out.append(
                f'<circle cx="{_fmt(x_at(i))}" cy="{_fmt(y_at(v))}" r="{4 if s.emphasis else 3.5}" '
                f'fill="{colour}"><title>{_esc(tip)}</title></circle>'
            )
        out.append("</g>")

    out.append('<g class="legend">')
    for index, s in enumerate(series):
        colour, dash = _style(index)
        col, row = index % per_row, index // per_row
        lx = _MARGIN_LEFT + col * _LEGEND_COL
        ly = legend_top + row * _LEGEND_ROW + _LEGEND_ROW / 2
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(
            f'<line x1="{lx}" y1="{_fmt(ly)}" x2="{lx + 24}" y2="{_fmt(ly)}" stroke="{colour}" '
            f'stroke-width="{3 if s.emphasis else 2}"{dash_attr}/>'
            f'<text x="{lx + 30}" y="{_fmt(ly)}" dominant-baseline="middle">'
            f"{_esc(_short(s.label))}</text>"
        )
    out.append("</g></svg>")
    return "\n".join(out)
