"""Render the quarterly CX reports (HTML in every language of LANGUAGES) from the marts.

Only wiring: load the data (reports/data.py), decide what it covers (reports/coverage.py), ask
each section module (reports/sections/) for its context, fill the templates and publish
(reports/publish.py).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
from collections.abc import Collection, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from reports.cells import DEFAULT_MIN_N, score_cell, warn_on_min_n_mismatch
from reports.coverage import Coverage, coverage_lines, coverage_of, restrict
from reports.data import (
    ALL,
    METRICS,
    NPS,
    QUARTER_RE,
    MartData,
    SectionData,
    load_mart,
    load_sections,
)
from reports.language import LANGUAGES, Locale, editions, load_locale, other_editions
from reports.publish import (
    LATEST,
    PAGE,
    is_published,
    pdf_name,
    proposals_csv,
    proposals_name,
    publish_quarter,
    published_pdfs,
    published_quarters,
    write_atomic,
)
from reports.sections.actions import actions_section
from reports.sections.breakdown import breakdown_section
from reports.sections.cards import cards_section
from reports.sections.churn import churn_section
from reports.sections.cohorts import cohort_heatmap
from reports.sections.drivers import drivers_section
from reports.sections.expectations import expectations_section
from reports.sections.heatmap import segment_touchpoint_heatmap
from reports.sections.lost_deals import lost_deals_section
from reports.sections.methodology import freshness_note, methodology_section
from reports.sections.mystery import mystery_section
from reports.sections.suggestions import suggestions_section
from reports.sections.summary import summary_section
from reports.sections.themes import themes_section
from reports.sections.trend import trend_section
from reports.sections.value import value_section
from reports.sections.year import year_section

logger = logging.getLogger(__name__)


class ReportSettingsError(ValueError):
    """A report setting that cannot be followed; the message names it and what it accepts."""


PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
CSS_FILE = PACKAGE_DIR / "static" / "report.css"


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
    pdf: bool = False,
) -> dict[str, Any]:
    """Everything quarter.html shows, as ready-formatted strings: one entry per section.

    `coverage` (reports/coverage.py) says which sources the data stands on; its lines fill the
    "What this report covers" block. The data passed in is already restricted to it.
    """
    t = loc.text
    extra = sections or SectionData()
    churn = churn_section(extra, quarter, loc, min_n)
    return {
        **_common(loc, css),
        "title": t["report_title"].format(quarter=quarter),
        "quarter": quarter,
        "nav": {
            "index_href": f"../{PAGE}",
            "others": [
                {"lang": e.lang, "href": f"../../{e.lang}/{quarter}/{PAGE}", "text": e.link}
                for e in other_editions(loc.lang)
            ],
        },
        # The edition's PDF, linked only when it is made (CX_REPORTS_PDF, _LANGUAGES).
        "pdf_href": pdf_name(quarter, loc.lang) if pdf else None,
        "proposals_href": proposals_name(quarter),
        "summary": summary_section(
            data, extra, quarter, loc, min_n, churn_finding=(churn or {}).get("finding", "")
        ),
        "coverage": [] if coverage is None else coverage_lines(coverage, loc),
        # No known segment anywhere: the segment table is left out, not shown empty.
        "show_segments": coverage is None or coverage.has_segments,
        "cards": cards_section(data, quarter, loc, min_n, extra),
        "year": year_section(extra, quarter, loc, min_n),
        "breakdown": {
            "metric_names": [t["metrics"][m.key]["name"] for m in METRICS],
            **breakdown_section(data, quarter, loc, min_n),
        },
        "heatmap": segment_touchpoint_heatmap(data, quarter, loc, min_n),
        "trend": trend_section(data, quarter, loc, min_n),
        "drivers": drivers_section(extra, quarter, loc, min_n),
        "expectations": expectations_section(extra, quarter, loc, min_n),
        "themes": themes_section(extra, quarter, loc, min_n),
        "suggestions": suggestions_section(extra, quarter, loc, min_n),
        "actions": actions_section(extra, quarter, loc, min_n),
        "churn": churn,
        "cohorts": cohort_heatmap(extra, quarter, loc, min_n),
        "value": value_section(extra, quarter, loc, min_n),
        "mystery": mystery_section(extra, quarter, loc, min_n),
        "lost_deals": lost_deals_section(extra, quarter, loc, min_n),
        "footnotes": methodology_section(sections, loc, min_n),
        "freshness": freshness_note(sections, loc),
    }


def index_context(
    data: MartData,
    loc: Locale,
    css: Markup,
    min_n: int,
    published: Sequence[str] | None = None,
    pdfs: frozenset[tuple[str, str]] = frozenset(),
) -> dict[str, Any]:
    """One language's list of published quarters, newest first, with every edition and PDF.

    `published` are the quarters that have pages on disk (default: every mart quarter);
    `pdfs` holds (lang, quarter) pairs whose PDF exists.
    """
    t = loc.text
    shown = set(data.quarters if published is None else published)
    newest_first = [q for q in reversed(data.quarters) if q in shown]
    entries = []
    for i, quarter in enumerate(newest_first):
        cell = score_cell(data.get(quarter, ALL, ALL), NPS, loc, min_n)
        links = [
            {
                "lang": e.lang,
                "label": e.name,
                "href": f"{quarter}/{PAGE}"
                if e.lang == loc.lang
                else f"../{e.lang}/{quarter}/{PAGE}",
            }
            for e in editions()
        ]
        if (loc.lang, quarter) in pdfs:
            links.append(
                {
                    "lang": loc.lang,
                    "label": t["edition_pdf"],
                    "href": f"{quarter}/{pdf_name(quarter, loc.lang)}",
                }
            )
        entries.append({"quarter": quarter, "is_latest": i == 0, "nps": cell, "editions": links})
    latest = newest_first[0] if newest_first else None
    return {
        **_common(loc, css),
        "title": t["index_title"],
        "nav": {
            "others": [
                {"lang": e.lang, "href": f"../{e.lang}/{PAGE}", "text": e.link}
                for e in other_editions(loc.lang)
            ]
        },
        "quarters": entries,
        "latest": None
        if latest is None
        else {"text": t["latest_link"].format(quarter=latest), "href": f"{LATEST}/{PAGE}"},
        "latest_quarter": latest,
    }


# --- rendering -------------------------------------------------------------------------------


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
    unchanged: list[str] = field(default_factory=list)  # "<lang>/<quarter>" left as published


def _render_indexes(
    env: Environment,
    data: MartData,
    out_dir: Path,
    css: Markup,
    min_n: int,
    locales: Mapping[str, Locale],
) -> list[Path]:
    """Per-language index, its 'latest' redirect and the landing page listing every language."""
    written: list[Path] = []
    latest: dict[str, str | None] = {}
    for lang, loc in locales.items():
        published = published_quarters(out_dir, lang)
        pdfs = published_pdfs(out_dir, lang, published)
        context = index_context(data, loc, css, min_n, published, pdfs)
        if write_atomic(out_dir / lang / PAGE, env.get_template("index.html").render(context)):
            written.append(Path(lang) / PAGE)
        latest[lang] = context["latest_quarter"]
        if latest[lang] is not None:
            redirect = env.get_template("latest.html").render(
                {**_common(loc, css), "title": context["latest"]["text"],
                 "href": f"../{latest[lang]}/{PAGE}", "text": context["latest"]["text"]}
            )  # fmt: skip
            if write_atomic(out_dir / lang / LATEST / PAGE, redirect):
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
    if write_atomic(out_dir / PAGE, root):
        written.append(Path(PAGE))
    return written


def _publish_editions(
    editions: list[tuple[Path, str, str, str, bool, dict[str, str]]], workers: int | None
) -> list[list[Path]]:
    """publish_quarter for each edition, in order; the ones that need a new PDF in parallel.

    A PDF is WeasyPrint laying out ~18 A4 pages in Python, ~1.5 s of one CPU each, and editions
    are independent: a pool of processes makes them side by side (spawned, not forked — the
    Dagster process that calls this runs threads). Editions already published as they are, and
    pages without a PDF, cost milliseconds and are published here.
    """
    if workers is None:
        workers = len(os.sched_getaffinity(0))
    costly = [
        i
        for i, (out_dir, lang, quarter, html, pdf, attachments) in enumerate(editions)
        if pdf
        and not is_published(out_dir / lang / quarter, html, pdf_name(quarter, lang), attachments)
    ]
    done: dict[int, list[Path]] = {}
    if workers > 1 and len(costly) > 1:
        context = multiprocessing.get_context("spawn")
        try:
            with ProcessPoolExecutor(min(workers, len(costly)), mp_context=context) as pool:
                futures = {i: pool.submit(publish_quarter, *editions[i]) for i in costly}
                for i, future in futures.items():
                    done[i] = future.result()
        except BrokenProcessPool as broken:
            # A worker died (killed, out of memory), or the calling script has no
            # `if __name__ == "__main__":` guard, which spawned workers need: make the rest here.
            logger.warning(
                "the PDF worker processes stopped (%s): making the remaining %d editions in this "
                "process",
                broken,
                len(costly) - len(done),
            )
            for out_dir, lang, quarter, *_ in editions:
                for stale in (out_dir / lang).glob(f".{quarter}.tmp-*"):
                    shutil.rmtree(stale, ignore_errors=True)
    return [done[i] if i in done else publish_quarter(*e) for i, e in enumerate(editions)]


def render_reports(
    warehouse: Path,
    out_dir: Path,
    *,
    min_n: int = DEFAULT_MIN_N,
    quarters: Sequence[str] | None = None,
    pdf: bool = False,
    pdf_languages: Collection[str] = (),
    pdf_workers: int | None = None,
) -> RenderResult:
    """Render quarters (default: every quarter in the mart) in every language, then the indexes.

    Each quarter's edition is published atomically on its own (render beside, rename), so a
    quarter rendered earlier stays in place when another one is rendered; a quarter asked for
    that the mart does not have is skipped and reported. Returns the files written. With `pdf`,
    the editions in `pdf_languages` (all when empty) get their PDF and link to it; the PDFs
    are laid out in `pdf_workers` processes (default: one per CPU this process may use).
    """
    if min_n < 1:
        raise ValueError(f"min_n must be at least 1, got {min_n}")
    unknown = sorted(set(pdf_languages) - set(LANGUAGES))
    if unknown:
        raise ReportSettingsError(
            f"CX_REPORTS_PDF_LANGUAGES names {', '.join(unknown)}, not a language of the report "
            f"({', '.join(LANGUAGES)}): leave it empty for every language, or name some of them"
        )
    pdf_for = {lang: pdf and (not pdf_languages or lang in pdf_languages) for lang in LANGUAGES}
    warehouse, out_dir = Path(warehouse), Path(out_dir)
    data = load_mart(warehouse)
    warn_on_min_n_mismatch(data, min_n)
    sections = load_sections(warehouse)
    coverage = coverage_of(data, sections)
    data, sections = restrict(coverage, data, sections)
    wanted = list(data.quarters) if quarters is None else list(dict.fromkeys(quarters))
    for quarter in wanted:
        if not QUARTER_RE.match(quarter):
            raise ValueError(f"quarter {quarter!r} is not of the form YYYY-Qn")
    rendered = [q for q in wanted if q in data.quarters]
    skipped = [q for q in wanted if q not in data.quarters]
    out_dir.mkdir(parents=True, exist_ok=True)
    env = make_environment()
    # The CSS is our own file; inlining it keeps each page self-contained (no network).
    css = Markup(CSS_FILE.read_text(encoding="utf-8"))
    template = env.get_template("quarter.html")
    locales = {lang: load_locale(lang) for lang in LANGUAGES}
    pages: list[tuple[Path, str, str, str, bool, dict[str, str]]] = []
    for quarter in rendered:
        table = proposals_csv(sections, quarter)
        attachments = {} if table is None else {proposals_name(quarter): table}
        for lang in LANGUAGES:
            context = quarter_context(
                data, quarter, locales[lang], css, min_n, sections, coverage, pdf_for[lang]
            )
            html = template.render(context)
            pages.append((out_dir, lang, quarter, html, pdf_for[lang], attachments))
    relative: list[Path] = []
    unchanged: list[str] = []
    for (_, lang, quarter, *_), files in zip(
        pages, _publish_editions(pages, pdf_workers), strict=True
    ):
        relative += files
        if not files:
            unchanged.append(f"{lang}/{quarter}")
    relative += _render_indexes(env, data, out_dir, css, min_n, locales)
    logger.info(
        "published %d report files for %d quarters to %s (%d editions unchanged, left as they "
        "were; skipped, no data: %s)",
        len(relative),
        len(rendered),
        out_dir,
        len(unchanged),
        ", ".join(skipped) or "none",
    )
    return RenderResult([out_dir / rel for rel in relative], rendered, skipped, unchanged)
