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


# A trend chart or sparkline shows at most this many quarters, ending at the report's quarter.
CHART_QUARTERS = 8


def chart_window(quarters: Sequence[str], quarter: str) -> Sequence[str]:
    """The last (up to) CHART_QUARTERS of `quarters` (oldest first) up to and with `quarter`."""
    end = list(quarters).index(quarter) + 1
    return quarters[max(0, end - CHART_QUARTERS) : end]


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


# --- small multiples: sparklines, heat-map colours, the importance–performance quadrant ----

# A diverging purple–orange scale (ColorBrewer PuOr, 6 classes): readable with the common
# colour-vision deficiencies and in greyscale print, where lightness carries the order.
HEAT_SCALE: tuple[tuple[float, str, str], ...] = (
    # (upper bound of the class, fill, text colour)
    (-30.0, "#b35806", "#ffffff"),
    (-10.0, "#f1a340", "#000000"),
    (10.0, "#fee0b6", "#000000"),
    (30.0, "#d8daeb", "#000000"),
    (50.0, "#998ec3", "#000000"),
    (float("inf"), "#542788", "#ffffff"),
)

# Sequential single-hue blues (ColorBrewer Blues) for retention %: darker = more customers
# kept, print-safe in greyscale.
RETENTION_SCALE: tuple[tuple[float, str, str], ...] = (
    (70.0, "#eff3ff", "#000000"),
    (80.0, "#c6dbef", "#000000"),
    (90.0, "#9ecae1", "#000000"),
    (95.0, "#6baed6", "#000000"),
    (98.0, "#3182bd", "#ffffff"),
    (float("inf"), "#08519c", "#ffffff"),
)


def heat_colours(
    value: float, scale: Sequence[tuple[float, str, str]] = HEAT_SCALE
) -> tuple[str, str]:
    """(fill, text colour) of the class a value falls in."""
    for upper, fill, text in scale:
        if value < upper:
            return fill, text
    return scale[-1][1], scale[-1][2]


def sparkline_svg(
    values: Sequence[float | None],
    *,
    label: str,
    y_range: tuple[float, float],
    width: int = 160,
    height: int = 36,
) -> str:
    """A word-sized line of the last quarters; None breaks the line; the last point is marked.

    `label` becomes the accessible title (it should say what the line shows and its range).
    """
    y_min, y_max = y_range
    if not y_max > y_min:
        raise ValueError(f"y_range {y_range!r} is empty")
    pad = 4.0

    def x_at(i: int) -> float:
        if len(values) == 1:
            return width / 2
        return pad + i * (width - 2 * pad) / (len(values) - 1)

    def y_at(v: float) -> float:
        clipped = min(y_max, max(y_min, v))
        return pad + (y_max - clipped) / (y_max - y_min) * (height - 2 * pad)

    points = [None if v is None else (x_at(i), y_at(v)) for i, v in enumerate(values)]
    path = " ".join(
        "M" + " L".join(f"{_fmt(x)} {_fmt(y)}" for x, y in run)
        for run in _segments(points)
        if len(run) > 1
    )
    out = [
        f'<svg class="sparkline" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}"><title>{_esc(label)}</title>'
    ]
    if path:
        out.append(f'<path d="{path}" fill="none" stroke="#0072B2" stroke-width="1.5"/>')
    last = next(((i, p) for i, p in reversed(list(enumerate(points))) if p is not None), None)
    if last is not None:
        x, y = last[1]
        out.append(f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="2.5" fill="#000000"/>')
    out.append("</svg>")
    return "".join(out)


@dataclass(frozen=True)
class QuadrantPoint:
    """One driver: importance (share of R², %) on x, performance (mean score) on y."""

    label: str
    importance: float
    performance: float
    tooltip: str


def quadrant_svg(
    points: Sequence[QuadrantPoint],
    *,
    title: str,
    desc: str,
    x_split: float,
    y_split: float,
    x_label: str,
    y_label: str,
    quadrant_labels: tuple[str, str, str, str],
    y_range: tuple[float, float] = (1.0, 5.0),
    chart_id: str = "driver-quadrant",
) -> str:
    """Importance–performance scatter with the cell's split lines.

    quadrant_labels: (top-left, top-right, bottom-left, bottom-right) =
    (possible overkill, keep up, low priority, fix first).
    """
    width, height, left, right, top, bottom = 720, 360, 64, 20, 20, 50
    plot_w, plot_h = width - left - right, height - top - bottom
    x_max = max([100.0 / max(1, len(points)) * 2, *[p.importance * 1.15 for p in points]])
    y_min, y_max = y_range

    def x_at(v: float) -> float:
        return left + min(max(v, 0.0), x_max) / x_max * plot_w

    def y_at(v: float) -> float:
        return top + (y_max - min(max(v, y_min), y_max)) / (y_max - y_min) * plot_h

    out = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{_esc(title)}</title>',
        f'<desc id="{chart_id}-desc">{_esc(desc)}</desc>',
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" '
        'stroke="#999999"/>',
    ]
    xs, ys = _fmt(x_at(x_split)), _fmt(y_at(y_split))
    out.append(
        f'<line class="split" x1="{xs}" y1="{top}" x2="{xs}" y2="{top + plot_h}" '
        'stroke="#666666" stroke-dasharray="4 3"/>'
        f'<line class="split" x1="{left}" y1="{ys}" x2="{left + plot_w}" y2="{ys}" '
        'stroke="#666666" stroke-dasharray="4 3"/>'
    )
    corners = (
        (left + 6, top + 16, "start"),
        (left + plot_w - 6, top + 16, "end"),
        (left + 6, top + plot_h - 8, "start"),
        (left + plot_w - 6, top + plot_h - 8, "end"),
    )
    for (x, y, anchor), text in zip(corners, quadrant_labels, strict=True):
        out.append(
            f'<text class="quadrant-label" x="{x}" y="{y}" text-anchor="{anchor}">'
            f"{_esc(text)}</text>"
        )
    out.append(
        f'<text class="x-label" x="{left + plot_w / 2}" y="{height - 12}" text-anchor="middle">'
        f"{_esc(x_label)}</text>"
        f'<text class="y-label" x="14" y="{top + plot_h / 2}" text-anchor="middle" '
        f'transform="rotate(-90 14 {top + plot_h / 2})">{_esc(y_label)}</text>'
    )
    label_y: dict[int, float] = {}
    placed: list[tuple[float, float]] = []
    for index in sorted(range(len(points)), key=lambda i: y_at(points[i].performance)):
        x, y = x_at(points[index].importance), y_at(points[index].performance)
        while any(abs(x - px) < 120 and abs(y - py) < 14 for px, py in placed):
            y += 14
        placed.append((x, y))
        label_y[index] = y
    for index, p in enumerate(points):
        colour = OKABE_ITO[(index + 1) % len(OKABE_ITO)]
        x, y = _fmt(x_at(p.importance)), _fmt(y_at(p.performance))
        out.append(
            f'<g class="point"><circle cx="{x}" cy="{y}" r="6" fill="{colour}">'
            f"<title>{_esc(p.tooltip)}</title></circle>"
            # Labels right of the point, one line apart when points crowd at low importance.
            f'<text x="{_fmt(x_at(p.importance) + 10)}" y="{_fmt(label_y[index])}" '
            f'dominant-baseline="middle">{_esc(p.label)}</text></g>'
        )
    out.append("</svg>")
    return "\n".join(out)


@dataclass(frozen=True)
class DumbbellRow:
    """One driver × respondent group of the expectations chart: the stated importance
    (expectation) and today's performance rating, both means on 1–5 (today may be unknown)."""

    label: str  # the driver's display name
    group: str  # the respondent group's display name
    group_index: int  # its place among the groups: its colour
    expectation: float
    today: float | None
    tooltip: str


def dumbbell_svg(
    rows: Sequence[DumbbellRow],
    *,
    title: str,
    desc: str,
    expectation_label: str,
    today_label: str,
    group_labels: Sequence[str],
    scale: tuple[float, float] = (1.0, 5.0),
    chart_id: str = "expectations-dumbbell",
) -> str:
    """Expectation against today per driver and respondent group: a ring at the expectation,
    a dot at today's rating, a bar between them (its length is the gap). Rows of one driver
    sit together under its name; a colour per respondent group."""
    width, left, right, top, row_h, gap_h = 720, 260, 24, 50, 18, 6
    drivers: list[str] = []
    for r in rows:
        if r.label not in drivers:
            drivers.append(r.label)
    # Each driver: a heading line and a gap, then one line per group.
    height = top + (len(rows) + len(drivers)) * row_h + len(drivers) * gap_h + 30
    plot_w = width - left - right
    lo, hi = scale

    def x_at(v: float) -> float:
        return left + (min(max(v, lo), hi) - lo) / (hi - lo) * plot_w

    out = [
        # The font size is the chart's own: the labels' room is measured for it (PDF too).
        f'<svg class="chart dumbbell" role="img" viewBox="0 0 {width} {height}" font-size="11" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{_esc(title)}</title>',
        f'<desc id="{chart_id}-desc">{_esc(desc)}</desc>',
    ]
    # Legend: the two markers, then a colour per group.
    out.append(
        f'<g class="legend"><circle cx="{left}" cy="14" r="5" fill="#ffffff" stroke="#000000" '
        f'stroke-width="2"/><text x="{left + 10}" y="14" dominant-baseline="middle">'
        f"{_esc(expectation_label)}</text>"
        f'<circle cx="{left + 170}" cy="14" r="5" fill="#000000"/>'
        f'<text x="{left + 180}" y="14" dominant-baseline="middle">{_esc(today_label)}</text>'
    )
    for i, name in enumerate(group_labels):
        x = 8 + i * 236
        colour = OKABE_ITO[(i + 1) % len(OKABE_ITO)]
        out.append(
            f'<rect x="{x}" y="{30 - 5}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14}" y="30" dominant-baseline="middle">{_esc(name)}</text>'
        )
    out.append("</g>")
    bottom_y = height - 30
    for tick in range(int(lo), int(hi) + 1):
        x = _fmt(x_at(tick))
        out.append(
            f'<line class="grid" x1="{x}" y1="{top - 6}" x2="{x}" y2="{bottom_y}" '
            'stroke="#dddddd"/>'
            f'<text class="tick" x="{x}" y="{bottom_y + 16}" text-anchor="middle">{tick}</text>'
        )
    y = float(top)
    current = None
    for r in rows:
        if r.label != current:
            if current is not None:
                y += gap_h
            current = r.label
            out.append(
                f'<text class="driver-label" x="8" y="{_fmt(y + row_h / 2)}" '
                f'dominant-baseline="middle" font-weight="bold">{_esc(r.label)}</text>'
            )
            y += row_h
        cy = _fmt(y + row_h / 2)
        colour = OKABE_ITO[(r.group_index + 1) % len(OKABE_ITO)]
        parts = [
            f'<g class="dumbbell-row"><title>{_esc(r.tooltip)}</title>',
            f'<text class="group-label" x="{left - 8}" y="{cy}" text-anchor="end" '
            f'dominant-baseline="middle">{_esc(r.group)}</text>',
        ]
        if r.today is not None:
            parts.append(
                f'<line x1="{_fmt(x_at(r.today))}" y1="{cy}" x2="{_fmt(x_at(r.expectation))}" '
                f'y2="{cy}" stroke="{colour}" stroke-width="4" stroke-opacity="0.6"/>'
                f'<circle class="today" cx="{_fmt(x_at(r.today))}" cy="{cy}" r="5" '
                f'fill="{colour}"/>'
            )
        parts.append(
            f'<circle class="expectation" cx="{_fmt(x_at(r.expectation))}" cy="{cy}" r="5" '
            f'fill="#ffffff" stroke="{colour}" stroke-width="2"/></g>'
        )
        out.append("".join(parts))
        y += row_h
    out.append("</svg>")
    return "\n".join(out)
