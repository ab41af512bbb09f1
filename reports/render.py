"""Render the quarterly CX reports (English and Finnish HTML) from the mart and publish them."""

from __future__ import annotations

import csv
import io
import logging
import math
import os
import re
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from reports.charts import Series, nps_trend_svg, sparkline_svg
from reports.coverage import Coverage, coverage_lines, coverage_of, restrict
from reports.formatting import (
    NumberStyle,
    format_int,
    format_interval,
    format_number,
    format_percent,
    format_signed,
)
from reports.insights import insights_context
from reports.sections import SectionData, load_sections, sections_context

logger = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
LOCALES_DIR = PACKAGE_DIR / "locales"
CSS_FILE = PACKAGE_DIR / "static" / "report.css"

MART = "marts.mart_cx_scores__quarter"
ALL = "all"
DEFAULT_MIN_N = 30
CHART_QUARTERS = 8
# The mart flags a change as significant at |z| ≥ 1.96; the footnote quotes the same rule.
Z_CRITICAL = 1.96
LANGUAGES: tuple[str, ...] = ("en", "fi")
# Layout: <out>/<lang>/<quarter>/index.html (+ the PDF), <out>/<lang>/index.html,
# <out>/<lang>/latest/index.html (a no-JavaScript redirect) and <out>/index.html.
PAGE = "index.html"
LATEST = "latest"
# Quarters become folder names, so anything but "YYYY-Qn" is refused rather than written.
_QUARTER_RE = re.compile(r"^\d{4}-Q[1-4]$")
_MARKERS: Mapping[str, str] = {"up": "▲", "down": "▼", "flat": "■"}
SCORE_DECIMALS = 1
TIMEZONE = "Europe/Helsinki"
MEAN_DECIMALS = 2


@dataclass(frozen=True)
class Metric:
    """Where one score lives in the mart; `key` is also its column prefix and locale key."""

    key: str
    value_col: str
    n_col: str
    flag_col: str
    percent: bool
    scale: tuple[int, int] | None

    def col(self, suffix: str) -> str:
        """Column `<key>_<suffix>`, e.g. `csat_ci_low`."""
        return f"{self.key}_{suffix}"


METRICS: tuple[Metric, ...] = (
    Metric("nps", "nps", "n_nps", "is_reportable", percent=False, scale=None),
    Metric("csat", "csat_pct", "n_csat", "csat_is_reportable", percent=True, scale=(1, 5)),
    Metric("ces", "ces_pct", "n_ces", "ces_is_reportable", percent=True, scale=(1, 7)),
    Metric("cls", "cls_pct", "n_cls", "cls_is_reportable", percent=True, scale=(1, 5)),
)
NPS = METRICS[0]


def _required_columns() -> list[str]:
    cols = [
        "quarter",
        "quarter_start",
        "segment",
        "touchpoint",
        "n_responses",
        "promoters",
        "passives",
        "detractors",
    ]
    for m in METRICS:
        cols += [m.n_col, m.value_col, m.col("ci_low"), m.col("ci_high"), m.flag_col]
        if m.scale is not None:
            cols.append(m.col("mean"))
        cols += [m.col("prev"), m.col("change"), m.col("change_z"), m.col("is_significant_change")]
    return list(dict.fromkeys(cols))


REQUIRED_COLUMNS: tuple[str, ...] = tuple(_required_columns())
# Read when the mart has them (an older build lacks them; the summary then says less).
OPTIONAL_COLUMNS: tuple[str, ...] = (
    "nps_band",
    "previous_quarter",
    "yoy_quarter",
    "yoy_n_nps",
    "nps_yoy_prev",
    "nps_yoy_change",
    "nps_yoy_change_z",
    "nps_yoy_is_significant_change",
)

Row = dict[str, Any]
Key = tuple[str, str, str]


@dataclass(frozen=True)
class Locale:
    """One language: its code, number style and label texts (a nested mapping)."""

    lang: str
    numbers: NumberStyle
    text: Mapping[str, Any]


@dataclass(frozen=True)
class MartData:
    """The mart's rows indexed by (quarter, segment, touchpoint); quarters oldest first."""

    quarters: tuple[str, ...]
    rows: Mapping[Key, Row]

    def get(self, quarter: str, segment: str, touchpoint: str) -> Row | None:
        """The row for one cell, or None when the mart has none."""
        return self.rows.get((quarter, segment, touchpoint))

    def in_quarter(self, quarter: str) -> list[Row]:
        """All rows of one quarter."""
        return [r for (q, _, _), r in self.rows.items() if q == quarter]

    def previous(self, quarter: str, segment: str, touchpoint: str) -> tuple[str, Row] | None:
        """The nearest earlier quarter's row for the same cell, if any."""
        index = self.quarters.index(quarter)
        for q in reversed(self.quarters[:index]):
            row = self.get(q, segment, touchpoint)
            if row is not None:
                return q, row
        return None


# --- loading -------------------------------------------------------------------------------


def load_locale(lang: str) -> Locale:
    """Read `locales/<lang>.yml`."""
    with (LOCALES_DIR / f"{lang}.yml").open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    return Locale(
        lang=data["lang"], numbers=NumberStyle.from_mapping(data["number"]), text=data["text"]
    )


def load_mart(warehouse: Path) -> MartData:
    """Read the quarter scores mart from a DuckDB file (read-only; closed before returning)."""
    if not warehouse.is_file():
        raise FileNotFoundError(f"warehouse not found: {warehouse}")
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        present = {
            name
            for (name,) in con.execute(
                "select column_name from information_schema.columns "
                "where table_schema = 'marts' and table_name = 'mart_cx_scores__quarter'"
            ).fetchall()
        }
        if not present:
            raise ValueError(f"{warehouse}: table {MART} not found")
        missing = [c for c in REQUIRED_COLUMNS if c not in present]
        if missing:
            raise ValueError(f"{warehouse}: {MART} lacks columns {', '.join(missing)}")
        columns = [*REQUIRED_COLUMNS, *(c for c in OPTIONAL_COLUMNS if c in present)]
        cursor = con.execute(
            f"select {', '.join(columns)} from {MART} "
            "order by quarter_start, quarter, segment, touchpoint"
        )
        names = [d[0] for d in cursor.description]
        records = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    finally:
        con.close()
    return _index_rows(records)


def _index_rows(records: Sequence[Row]) -> MartData:
    rows: dict[Key, Row] = {}
    starts: dict[str, Any] = {}
    for record in records:
        quarter = record["quarter"]
        if not isinstance(quarter, str) or not _QUARTER_RE.match(quarter):
            raise ValueError(f"{MART}: quarter {quarter!r} is not of the form YYYY-Qn")
        if not isinstance(record["segment"], str) or not isinstance(record["touchpoint"], str):
            raise ValueError(f"{MART}: {quarter} has a row with a null segment or touchpoint")
        key = (quarter, record["segment"], record["touchpoint"])
        if key in rows:
            raise ValueError(f"{MART}: duplicate row for {key}")
        if starts.setdefault(quarter, record["quarter_start"]) != record["quarter_start"]:
            raise ValueError(f"{MART}: quarter {quarter} has more than one quarter_start")
        rows[key] = record
    quarters = tuple(sorted(starts, key=lambda q: (starts[q], q)))
    return MartData(quarters=quarters, rows=rows)


def _warn_on_min_n_mismatch(data: MartData, min_n: int) -> None:
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


# --- cell logic ----------------------------------------------------------------------------


def cell_state(row: Row | None, metric: Metric, min_n: int) -> str:
    """Classify a score cell as ok, suppressed (n below min n or flagged) or missing."""
    if row is None:
        return "missing"
    n = row[metric.n_col]
    # Both rules apply: the mart's flag and the renderer's min n; the stricter one wins.
    if row[metric.flag_col] is not True or n is None or n < min_n:
        return "suppressed"
    values = (row[metric.value_col], row[metric.col("ci_low")], row[metric.col("ci_high")])
    if any(v is None or not math.isfinite(v) for v in values):
        return "missing"
    return "ok"


def _fmt_score(value: float, metric: Metric, loc: Locale) -> str:
    if metric.percent:
        return format_percent(value, SCORE_DECIMALS, loc.numbers)
    return format_number(value, SCORE_DECIMALS, loc.numbers)


def _status_text(state: str, loc: Locale, min_n: int) -> str:
    if state == "suppressed":
        return loc.text["suppressed"].format(min_n=format_int(min_n, loc.numbers))
    return loc.text["no_data"]


def _score_cell(row: Row | None, metric: Metric, loc: Locale, min_n: int) -> dict[str, Any]:
    """Value, interval and n of one score, or only the status text when it may not be shown."""
    state = cell_state(row, metric, min_n)
    if state != "ok":
        return {
            "state": state,
            "value": _status_text(state, loc, min_n),
            "ci": "",
            "interval": "",
            "n": "",
        }
    assert row is not None  # state "ok" implies a row
    interval = format_interval(
        row[metric.col("ci_low")], row[metric.col("ci_high")], SCORE_DECIMALS, loc.numbers
    )
    return {
        "state": "ok",
        "value": _fmt_score(row[metric.value_col], metric, loc),
        "ci": loc.text["ci_label"].format(interval=interval),
        # tables name the 95 % level once in their note, so cells carry the bare interval
        "interval": interval,
        "n": loc.text["n_label"].format(n=format_int(row[metric.n_col], loc.numbers)),
    }


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
            "text": t["previous_suppressed"].format(min_n=format_int(min_n, loc.numbers)),
        }
    signed = format_signed(change, SCORE_DECIMALS, loc.numbers)
    zero = format_number(0, SCORE_DECIMALS, loc.numbers)
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


def _score_card(
    data: MartData, row: Row | None, metric: Metric, loc: Locale, min_n: int
) -> dict[str, Any]:
    names = loc.text["metrics"][metric.key]
    card: dict[str, Any] = {
        "key": metric.key,
        "name": names["name"],
        "long": names["long"],
        "definition": names["definition"],
        **_score_cell(row, metric, loc, min_n),
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


def _sparkline(data: MartData, row: Row, metric: Metric, loc: Locale, min_n: int) -> Markup:
    """The last (up to) eight quarters of one headline score; hidden values break the line."""
    end = data.quarters.index(row["quarter"]) + 1
    window = data.quarters[max(0, end - CHART_QUARTERS) : end]
    values: list[float | None] = []
    for q in window:
        cell = data.get(q, row["segment"], row["touchpoint"])
        ok = cell_state(cell, metric, min_n) == "ok"
        values.append(cell[metric.value_col] if ok and cell is not None else None)
    shown = [v for v in values if v is not None]
    label = loc.text["sparkline_label"].format(
        metric=loc.text["metrics"][metric.key]["name"],
        first=window[0],
        last=window[-1],
        low=_fmt_score(min(shown), metric, loc) if shown else "",
        high=_fmt_score(max(shown), metric, loc) if shown else "",
    )
    # The line's own range (padded), so a quarter-to-quarter move is visible at word size.
    y_range = (min(shown) - 5.0, max(shown) + 5.0) if shown else (0.0, 100.0)
    # sparkline_svg escapes the label it writes.
    return Markup(sparkline_svg(values, label=label, y_range=y_range))


def _nps_mix(row: Row, loc: Locale) -> str:
    """Shares of promoters, passives and detractors among the NPS answers."""
    groups = ("promoters", "passives", "detractors")
    if not row["n_nps"] or any(row[g] is None for g in groups):
        return ""
    shares = {
        g: format_percent(100 * row[g] / row["n_nps"], SCORE_DECIMALS, loc.numbers) for g in groups
    }
    return loc.text["nps_mix"].format(**shares)


def _breakdown(rows: Sequence[Row], name_col: str, loc: Locale, min_n: int) -> list[dict[str, Any]]:
    return [
        {
            "name": row[name_col],
            "n": (
                loc.text["no_data"]
                if row["n_responses"] is None
                else format_int(row["n_responses"], loc.numbers)
            ),
            "cells": [_score_cell(row, m, loc, min_n) for m in METRICS],
        }
        for row in sorted(rows, key=lambda r: (str(r[name_col]).casefold(), str(r[name_col])))
    ]


def _chart(data: MartData, quarter: str, loc: Locale, min_n: int) -> Markup:
    """NPS per quarter for the headline and each touchpoint, up to this quarter (≤ 8)."""
    t = loc.text
    end = data.quarters.index(quarter) + 1
    window = data.quarters[max(0, end - CHART_QUARTERS) : end]

    def values(segment: str, touchpoint: str) -> list[float | None]:
        out: list[float | None] = []
        for q in window:
            row = data.get(q, segment, touchpoint)
            out.append(row[NPS.value_col] if cell_state(row, NPS, min_n) == "ok" else None)
        return out

    touchpoints = sorted(
        {tp for (q, seg, tp) in data.rows if q in window and seg == ALL and tp != ALL},
        key=lambda tp: (tp.casefold(), tp),
    )
    series = [Series(t["headline_series"], values(ALL, ALL), emphasis=True)]
    series += [Series(tp, values(ALL, tp)) for tp in touchpoints]
    min_n_text = format_int(min_n, loc.numbers)
    svg = nps_trend_svg(
        window,
        series,
        title=t["chart_title"].format(first=window[0], last=window[-1]),
        desc=t["chart_desc"].format(min_n=min_n_text),
        format_value=lambda v: format_number(v, SCORE_DECIMALS, loc.numbers),
        format_tick=lambda v: format_number(v, 0, loc.numbers),
    )
    # nps_trend_svg escapes every text it writes, so its output is trusted markup.
    return Markup(svg)


# --- page contexts -------------------------------------------------------------------------


def _common(loc: Locale, css: Markup) -> dict[str, Any]:
    return {
        "lang": loc.lang,
        "t": loc.text,
        "css": css,
    }


def quarter_context(
    data: MartData,
    quarter: str,
    loc: Locale,
    css: Markup,
    min_n: int,
    sections: SectionData | None = None,
    coverage: Coverage | None = None,
) -> dict[str, Any]:
    """Everything quarter.html shows, as ready-formatted strings.

    `coverage` (reports/coverage.py) says which sources the data stands on; its lines fill the
    "What this report covers" block. The data passed in is already restricted to it.
    """
    t = loc.text
    other = "fi" if loc.lang == "en" else "en"
    headline = data.get(quarter, ALL, ALL)
    rows = data.in_quarter(quarter)
    numbers = loc.numbers
    extra = sections_context(sections, quarter, loc, min_n)
    return {
        **_common(loc, css),
        "title": t["report_title"].format(quarter=quarter),
        "quarter": quarter,
        "nav": {
            "index_href": f"../{PAGE}",
            "other_href": f"../../{other}/{quarter}/{PAGE}",
            "other_lang": other,
        },
        "pdf_href": pdf_name(quarter, loc.lang),
        "proposals_href": proposals_name(quarter),
        "cards": [_score_card(data, headline, m, loc, min_n) for m in METRICS],
        "metric_names": [t["metrics"][m.key]["name"] for m in METRICS],
        "segments": _breakdown(
            [r for r in rows if r["touchpoint"] == ALL and r["segment"] != ALL],
            "segment",
            loc,
            min_n,
        ),
        "touchpoints": _breakdown(
            [r for r in rows if r["segment"] == ALL and r["touchpoint"] != ALL],
            "touchpoint",
            loc,
            min_n,
        ),
        "chart_svg": _chart(data, quarter, loc, min_n),
        "chart_note": t["chart_note"].format(min_n=format_int(min_n, numbers)),
        "sections": extra,
        "coverage": [] if coverage is None else coverage_lines(coverage, loc),
        # No known segment anywhere: the segment table is left out, not shown empty.
        "show_segments": coverage is None or coverage.has_segments,
        "insights": insights_context(
            data,
            sections or SectionData(),
            quarter,
            METRICS,
            loc,
            min_n,
            churn_finding=(extra["churn"] or {}).get("finding", ""),
        ),
        "footnotes": [
            note.format(
                min_n=format_int(min_n, numbers), z_crit=format_number(Z_CRITICAL, 2, numbers)
            )
            for note in t["footnotes"]
        ]
        + list(t["footnotes_method"])
        + _freshness_notes(sections, loc),
    }


def _freshness_notes(sections: SectionData | None, loc: Locale) -> list[str]:
    """Data freshness and quarantine counts from mart_pipeline__loads (all sources)."""
    rows = (sections or SectionData()).rows("loads") or []
    total = next((r for r in rows if r["source"] == ALL), None)
    if total is None or total["last_loaded_at"] is None:
        return []
    when = total["last_loaded_at"].astimezone(ZoneInfo(TIMEZONE))
    return [
        loc.text["footnote_freshness"].format(
            when=when.strftime("%Y-%m-%d %H:%M"),
            files=format_int(total["files_loaded"], loc.numbers),
            rejected=format_int(total["files_rejected"], loc.numbers),
            read=format_int(total["rows_read"], loc.numbers),
            loaded=format_int(total["rows_loaded"], loc.numbers),
            quarantined=format_int(total["rows_quarantined"], loc.numbers),
        )
    ]


def pdf_name(quarter: str, lang: str) -> str:
    """The PDF edition's file name inside the quarter folder."""
    return f"kokemus-{quarter}-{lang}.pdf"


def index_context(
    data: MartData,
    loc: Locale,
    css: Markup,
    min_n: int,
    published: Sequence[str] | None = None,
    pdfs: frozenset[tuple[str, str]] = frozenset(),
) -> dict[str, Any]:
    """One language's list of published quarters, newest first, with both editions and PDFs.

    `published` are the quarters that have pages on disk (default: every mart quarter);
    `pdfs` holds (lang, quarter) pairs whose PDF exists.
    """
    t = loc.text
    other = "fi" if loc.lang == "en" else "en"
    shown = set(data.quarters if published is None else published)
    newest_first = [q for q in reversed(data.quarters) if q in shown]
    entries = []
    for i, quarter in enumerate(newest_first):
        cell = _score_cell(data.get(quarter, ALL, ALL), NPS, loc, min_n)
        editions = [
            {
                "lang": lang,
                "label": t[f"edition_{lang}"],
                "href": f"{quarter}/{PAGE}" if lang == loc.lang else f"../{lang}/{quarter}/{PAGE}",
            }
            for lang in LANGUAGES
        ]
        if (loc.lang, quarter) in pdfs:
            editions.append(
                {
                    "lang": loc.lang,
                    "label": t["edition_pdf"],
                    "href": f"{quarter}/{pdf_name(quarter, loc.lang)}",
                }
            )
        entries.append({"quarter": quarter, "is_latest": i == 0, "nps": cell, "editions": editions})
    latest = newest_first[0] if newest_first else None
    return {
        **_common(loc, css),
        "title": t["index_title"],
        "nav": {"other_href": f"../{other}/{PAGE}", "other_lang": other},
        "quarters": entries,
        "latest": None
        if latest is None
        else {"text": t["latest_link"].format(quarter=latest), "href": f"{LATEST}/{PAGE}"},
        "latest_quarter": latest,
    }


# --- rendering and publishing ----------------------------------------------------------------


def make_environment() -> Environment:
    """Jinja2 environment: autoescape on for HTML (and strings), undefined names are errors."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(
            enabled_extensions=("html",), default_for_string=True, default=True
        ),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@dataclass(frozen=True)
class RenderResult:
    """What one render call published: files under out_dir, and the quarters it skipped."""

    files: list[Path]
    rendered: list[str]
    skipped: list[str]


def _write_atomic(path: Path, text: str) -> None:
    """Write beside, then rename: a reader sees the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _swap_into_place(staging: Path, out_dir: Path) -> None:
    """Replace `out_dir` by `staging` with two renames, so readers see old or new, never half."""
    old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
    if old.exists():
        shutil.rmtree(old)
    had_old = out_dir.exists()
    if had_old:
        os.replace(out_dir, old)
    try:
        os.replace(staging, out_dir)
    except OSError:
        if had_old:
            os.replace(old, out_dir)
        raise
    if had_old:
        # The new report is live; a leftover old copy is untidy, not a failed publish.
        shutil.rmtree(old, ignore_errors=True)


def write_pdf(html: str, base_dir: Path, target: Path) -> None:
    """The print edition: WeasyPrint lays the page out with the print CSS (A4)."""
    from weasyprint import HTML  # imported lazily: the HTML path does not need it

    HTML(string=html, base_url=str(base_dir)).write_pdf(str(target))


PROPOSAL_COLUMNS: tuple[str, ...] = (
    "proposal_id",
    "proposal_rank",
    "quarter",
    "target_type",
    "target_value",
    "driver",
    "quadrant",
    "rescaled_weight_pct",
    "driver_mean",
    "performance_gap",
    "n_answers",
    "n_customers",
    "expected_effect",
    "target_nps",
    "target_n_nps",
)


def proposals_name(quarter: str) -> str:
    """The CSV of every ranked proposal of a quarter, beside its report."""
    return f"kokemus-{quarter}-proposals.csv"


def proposals_csv(sections: SectionData | None, quarter: str) -> str | None:
    """All of the quarter's proposals in rank order, for a CX team to turn into actions."""
    rows = (sections or SectionData()).rows("proposals", quarter)
    if not rows:
        return None
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(PROPOSAL_COLUMNS)
    for row in sorted(rows, key=lambda r: r["proposal_rank"]):
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in PROPOSAL_COLUMNS])
    return buffer.getvalue()


def _publish_quarter(
    out_dir: Path,
    lang: str,
    quarter: str,
    html: str,
    pdf: bool,
    attachments: Mapping[str, str] | None = None,
) -> list[Path]:
    """Render one edition into a hidden sibling folder, then swap it in as <lang>/<quarter>."""
    target = out_dir / lang / quarter
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{quarter}.tmp-{os.getpid()}")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir()
    try:
        (staging / PAGE).write_text(html, encoding="utf-8")
        written = [Path(lang) / quarter / PAGE]
        for name, text in (attachments or {}).items():
            (staging / name).write_text(text, encoding="utf-8")
            written.append(Path(lang) / quarter / name)
        if pdf:
            write_pdf(html, staging, staging / pdf_name(quarter, lang))
            written.append(Path(lang) / quarter / pdf_name(quarter, lang))
        _swap_into_place(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return written


def published_quarters(out_dir: Path, lang: str) -> list[str]:
    """Quarters of one language that have a page on disk."""
    folder = out_dir / lang
    if not folder.is_dir():
        return []
    return sorted(
        p.name for p in folder.iterdir() if _QUARTER_RE.match(p.name) and (p / PAGE).is_file()
    )


def _render_indexes(
    env: Environment,
    data: MartData,
    out_dir: Path,
    css: Markup,
    min_n: int,
    locales: Mapping[str, Locale],
) -> list[Path]:
    """Per-language index, its 'latest' redirect and the bilingual landing page."""
    written: list[Path] = []
    latest: dict[str, str | None] = {}
    for lang, loc in locales.items():
        published = published_quarters(out_dir, lang)
        pdfs = frozenset(
            (lang, q) for q in published if (out_dir / lang / q / pdf_name(q, lang)).is_file()
        )
        context = index_context(data, loc, css, min_n, published, pdfs)
        _write_atomic(out_dir / lang / PAGE, env.get_template("index.html").render(context))
        written.append(Path(lang) / PAGE)
        latest[lang] = context["latest_quarter"]
        if latest[lang] is not None:
            redirect = env.get_template("latest.html").render(
                {**_common(loc, css), "title": context["latest"]["text"],
                 "href": f"../{latest[lang]}/{PAGE}", "text": context["latest"]["text"]}
            )  # fmt: skip
            _write_atomic(out_dir / lang / LATEST / PAGE, redirect)
            written.append(Path(lang) / LATEST / PAGE)
    root = env.get_template("root.html").render(
        {
            "css": css,
            "editions": [
                {
                    "lang": lang,
                    "t": loc.text,
                    "index_href": f"{lang}/{PAGE}",
                    "latest_href": None if latest[lang] is None else f"{lang}/{LATEST}/{PAGE}",
                    "latest_text": None
                    if latest[lang] is None
                    else loc.text["latest_link"].format(quarter=latest[lang]),
                }
                for lang, loc in locales.items()
            ],
        }
    )
    _write_atomic(out_dir / PAGE, root)
    written.append(Path(PAGE))
    return written


def render_reports(
    warehouse: Path,
    out_dir: Path,
    *,
    min_n: int = DEFAULT_MIN_N,
    quarters: Sequence[str] | None = None,
    pdf: bool = False,
) -> RenderResult:
    """Render quarters (default: every quarter in the mart) in en + fi, then the indexes.

    Each quarter's edition is published atomically on its own (render beside, rename), so a
    quarter rendered earlier stays in place when another one is rendered; a quarter asked for
    that the mart does not have is skipped and reported. Returns the files written.
    """
    if min_n < 1:
        raise ValueError(f"min_n must be at least 1, got {min_n}")
    warehouse, out_dir = Path(warehouse), Path(out_dir)
    data = load_mart(warehouse)
    _warn_on_min_n_mismatch(data, min_n)
    sections = load_sections(warehouse)
    coverage = coverage_of(data, sections)
    data, sections = restrict(coverage, data, sections)
    wanted = list(data.quarters) if quarters is None else list(dict.fromkeys(quarters))
    for quarter in wanted:
        if not _QUARTER_RE.match(quarter):
            raise ValueError(f"quarter {quarter!r} is not of the form YYYY-Qn")
    rendered = [q for q in wanted if q in data.quarters]
    skipped = [q for q in wanted if q not in data.quarters]
    out_dir.mkdir(parents=True, exist_ok=True)
    env = make_environment()
    # The CSS is our own file; inlining it keeps each page self-contained (no network).
    css = Markup(CSS_FILE.read_text(encoding="utf-8"))
    template = env.get_template("quarter.html")
    locales = {lang: load_locale(lang) for lang in LANGUAGES}
    relative: list[Path] = []
    for quarter in rendered:
        table = proposals_csv(sections, quarter)
        attachments = {} if table is None else {proposals_name(quarter): table}
        for lang in LANGUAGES:
            context = quarter_context(data, quarter, locales[lang], css, min_n, sections, coverage)
            html = template.render(context)
            relative += _publish_quarter(out_dir, lang, quarter, html, pdf, attachments)
    relative += _render_indexes(env, data, out_dir, css, min_n, locales)
    logger.info(
        "published %d report files for %d quarters to %s (skipped, no data: %s)",
        len(relative),
        len(rendered),
        out_dir,
        ", ".join(skipped) or "none",
    )
    return RenderResult([out_dir / rel for rel in relative], rendered, skipped)
