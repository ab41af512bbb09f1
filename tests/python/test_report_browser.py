"""The published report in a real browser: headless Chromium renders it to PNG and PDF.

Chromium is the Debian package `chromium` (.ci/run installs it). These tests open the pages
the pipeline published, check that the picture is not blank, that the page the browser built
shows the mart's headline numbers, that no console message appeared (the pages carry no
script, so any message means something injected or broken), and that hostile comments from
the XSS corpus stay text.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
from PIL import Image
from test_reports import _fixture_rows, _write_warehouse, visible_text

from reports.formatting import format_int, format_number
from reports.language import LANGUAGES, load_locale
from reports.render import render_reports

QUARTER = "2025-Q2"
XSS_CORPUS = Path(__file__).resolve().parents[1] / "data" / "xss" / "comments.txt"


def chromium_binary() -> str:
    found = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if not found:
        pytest.fail(
            "headless Chromium not found: install the Debian package (as root: "
            "apt-get install -y chromium; .ci/run does this) or set CHROMIUM=/path/to/chromium"
        )
    return found


def run_chromium(page: Path, tmp: Path, *action: str) -> subprocess.CompletedProcess[str]:
    """One headless Chromium run on a local page, console messages logged to stderr."""
    args = [
        chromium_binary(),
        "--headless",
        "--no-sandbox",  # CI runs as root
        "--disable-gpu",
        "--hide-scrollbars",
        f"--user-data-dir={tmp / 'profile'}",
        "--enable-logging=stderr",
        "--v=0",
        "--window-size=1280,2000",
        *action,
        page.resolve().as_uri(),
    ]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def console_messages(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def not_blank(png: bytes) -> tuple[float, int]:
    """(share of pixels that are not white, number of distinct colours) of a screenshot."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    small = image.resize((image.width // 4, image.height // 4))
    pixels = list(small.getdata())
    inked = sum(1 for p in pixels if sum(p) < 720)
    return inked / len(pixels), len(set(pixels))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_chromium_renders_quarter_to_png_and_pdf(pipeline, mart, tmp_path: Path, lang) -> None:
    page = pipeline.reports / lang / QUARTER / "index.html"
    png = tmp_path / "page.png"
    shot = run_chromium(page, tmp_path, f"--screenshot={png}")
    share, colours = not_blank(png.read_bytes())
    assert share > 0.05, f"screenshot is nearly blank: {share:.3f} of pixels inked"
    assert colours > 50
    assert Image.open(png).size == (1280, 2000)

    pdf = tmp_path / "page.pdf"
    printed = run_chromium(page, tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}")
    data = pdf.read_bytes()
    assert data[:5] == b"%PDF-"
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    assert 3 <= pages <= 20, pages

    dom = run_chromium(page, tmp_path, "--dump-dom")
    # The sample asks relationship and transactional surveys: each type is headlined.
    headlines = mart.execute(
        "select nps, nps_ci_low, nps_ci_high, n_nps from marts.mart_cx_scores__survey_quarter "
        "where quarter = ? and survey = 'all' and survey_type <> 'all'",
        [QUARTER],
    ).fetchall()
    assert len(headlines) == 2
    loc = load_locale(lang)
    text = visible_text(dom.stdout)
    summary = text[: text.index(loc.text["headline_heading"])]
    for nps, low, high, n in headlines:
        for value in (nps, low, high):
            assert format_number(value, 1, loc.numbers) in summary
        assert format_int(n, loc.numbers) in summary
    assert f'<html lang="{lang}">' in dom.stdout
    # Every section of the leadership report reached the browser's DOM, in reading order.
    sections = re.findall(r'<h2 id="([\w-]+)"', dom.stdout)
    assert sections == [
        "summary", "headline", "breakdown", "heatmap", "trend", "drivers", "expectations",
        "themes", "suggestions", "actions", "churn", "cohorts", "value", "mystery",
        "lost-deals", "methodology",
    ]  # fmt: skip
    for run in (shot, printed, dom):
        assert console_messages(run.stderr) == []


def _corpus() -> list[str]:
    lines = XSS_CORPUS.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line and not line.startswith("#")]


def _add_comment_marts(warehouse: Path, comments: list[str]) -> None:
    """Theme and verbatim marts holding the hostile comments, beside the fixture's scores."""
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("create schema if not exists seeds")
        con.execute(
            "create or replace table seeds.verbatim_themes as select * from (values "
            "('price', 'Hinta <i>', 'Price <i>', 'Pris <i>')) "
            "as t(theme_id, label_fi, label_en, label_sv)"
        )
        con.execute(
            "create or replace table marts.mart_themes__quarter as select * from (values "
            "('2025-Q2', 'all', 'price', 120, 400, 30.0, 80, 66.7, -35.0, 12.5, true, "
            "25.7, 34.7, 120, 58.0, 74.4, -48.1, -20.2, true)) "
            "as t(quarter, touchpoint, theme_id, n_mentions, n_comments, "
            "share_of_comments_pct, n_detractors, detractor_share_pct, nps_of_theme, "
            "share_change_pts, is_reportable, share_ci_low, share_ci_high, n_nps_mentions, "
            "detractor_share_ci_low, detractor_share_ci_high, nps_of_theme_ci_low, "
            "nps_of_theme_ci_high, nps_of_theme_is_reportable)"
        )
        con.execute(
            "create or replace table marts.mart_verbatims__quarter (quarter varchar, "
            "theme_id varchar, verbatim_rank integer, response_id varchar, touchpoint varchar, "
            "segment varchar, language varchar, nps_score integer, nps_group varchar, "
            "comment varchar)"
        )
        con.executemany(
            "insert into marts.mart_verbatims__quarter values "
            "('2025-Q2', 'price', ?, ?, 'web', 'smb', 'fi', 3, 'detractor', ?)",
            [[i + 1, f"R{i}", c] for i, c in enumerate(comments)],
        )
    finally:
        con.close()


def test_xss_corpus_renders_as_text(tmp_path: Path) -> None:
    comments = _corpus()
    assert len(comments) == 12
    warehouse = _write_warehouse(tmp_path / "warehouse.duckdb", _fixture_rows())
    _add_comment_marts(warehouse, comments)
    out = tmp_path / "site"
    render_reports(warehouse, out, quarters=[QUARTER])
    page = out / "en" / QUARTER / "index.html"
    html = page.read_text(encoding="utf-8")
    quotes = html[html.index('class="verbatims"') :]
    quotes = quotes[: quotes.index("</section>")]
    # Every comment is in the page as text, exactly as written; no markup came through.
    shown = visible_text(quotes)
    for comment in comments:
        assert comment.strip() in shown, comment
    for tag in ("<script", "<img", "<svg", "<iframe", "<style", "<math", "<a "):
        assert tag not in quotes.lower(), tag
    assert "Price &lt;i&gt;" in html

    dom = run_chromium(page, tmp_path, "--dump-dom")
    assert console_messages(dom.stderr) == []
    body = dom.stdout[dom.stdout.index("<body") :]
    for element in ("<script", "<img", "<iframe", "<math", "<mglyph"):
        assert element not in body.lower(), element
    assert body.count("<style") == 0  # the page's own CSS is in <head>
    assert "XSS script" in visible_text(dom.stdout)
