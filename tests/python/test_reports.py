"""Tests for the quarterly report renderer: formatting, suppression, escaping, chart, publish."""

from __future__ import annotations

import logging
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from report_tables import complete_report_tables

from reports.charts import Series, nps_trend_svg
from reports.data import ReportDataError
from reports.formatting import (
    NumberStyle,
    format_interval,
    format_number,
    format_percent,
    format_signed,
)
from reports.language import LANGUAGES, LOCALES_DIR, load_locale
from reports.render import render_reports
from reports.sections import trend as trend_module

NBSP = "\u00a0"
MINUS = "\u2212"
EVIL = "<script>alert(1)</script>"
ODD_TOUCHPOINT = 'chat <b>&</b> "bot"'

COLUMNS: dict[str, str] = {
    "quarter": "varchar",
    "quarter_start": "date",
    "segment": "varchar",
    "touchpoint": "varchar",
    "n_responses": "bigint",
    "n_nps": "bigint",
    "promoters": "bigint",
    "passives": "bigint",
    "detractors": "bigint",
    "promoters_pct": "double",
    "passives_pct": "double",
    "detractors_pct": "double",
    "nps": "double",
    "nps_ci_low": "double",
    "nps_ci_high": "double",
    "is_reportable": "boolean",
    **{
        f"{col}": typ
        for m in ("csat", "ces", "cls")
        for col, typ in (
            (f"n_{m}", "bigint"),
            (f"{m}_pct", "double"),
            (f"{m}_mean", "double"),
            (f"{m}_ci_low", "double"),
            (f"{m}_ci_high", "double"),
            (f"{m}_is_reportable", "boolean"),
        )
    },
    **{
        f"{m}_{suffix}": typ
        for m in ("nps", "csat", "ces", "cls")
        for suffix, typ in (
            ("prev", "double"),
            ("change", "double"),
            ("change_z", "double"),
            ("is_significant_change", "boolean"),
        )
    },
}

QUARTER_STARTS = {"2025-Q1": "2025-01-01", "2025-Q2": "2025-04-01", "2025-Q3": "2025-07-01"}


def _row(quarter: str, segment: str, touchpoint: str, **values: Any) -> dict[str, Any]:
    """A mart row with plausible defaults; tests override the cells they assert on."""
    row: dict[str, Any] = dict.fromkeys(COLUMNS)
    row.update(
        quarter=quarter,
        quarter_start=QUARTER_STARTS.get(quarter),
        segment=segment,
        touchpoint=touchpoint,
        n_responses=260,
        n_nps=200,
        promoters=100,
        passives=60,
        detractors=40,
        nps=30.0,
        nps_ci_low=18.82,
        nps_ci_high=40.30,
        is_reportable=True,
        n_csat=107,
        csat_pct=69.16,
        csat_mean=3.91,
        csat_ci_low=59.87,
        csat_ci_high=77.12,
        csat_is_reportable=True,
        n_ces=101,
        ces_pct=55.45,
        ces_mean=4.81,
        ces_ci_low=45.73,
        ces_ci_high=64.79,
        ces_is_reportable=True,
        n_cls=102,
        cls_pct=62.75,
        cls_mean=3.66,
        cls_ci_low=53.06,
        cls_ci_high=71.51,
        cls_is_reportable=True,
    )
    row.update(values)
    # The mart's shares of the NPS answers (macros/metrics.sql pct), from the counts above.
    for group in ("promoters", "passives", "detractors"):
        if f"{group}_pct" not in values:
            count, n = row[group], row["n_nps"]
            row[f"{group}_pct"] = None if count is None or not n else 100e0 * count / n
    return row


def _suppressed(**values: Any) -> dict[str, Any]:
    """Every score of a small cell: values present, all flags false (as the mart keeps them)."""
    small = {
        "n_responses": 14,
        "n_nps": 12,
        "promoters": 11,
        "passives": 1,
        "detractors": 0,
        "nps": 87.5,
        "nps_ci_low": 61.23,
        "nps_ci_high": 98.76,
        "is_reportable": False,
        "n_csat": 12,
        "csat_pct": 91.67,
        "csat_ci_low": 64.61,
        "csat_ci_high": 98.51,
        "csat_is_reportable": False,
        "n_ces": 12,
        "ces_pct": 83.33,
        "ces_ci_low": 55.2,
        "ces_ci_high": 95.3,
        "ces_is_reportable": False,
        "n_cls": 12,
        "cls_pct": 75.0,
        "cls_ci_low": 46.77,
        "cls_ci_high": 91.11,
        "cls_is_reportable": False,
    }
    small.update(values)
    return small


def _change(metric: str, prev: float, change: float, z: float, sig: bool) -> dict[str, Any]:
    return {
        f"{metric}_prev": prev,
        f"{metric}_change": change,
        f"{metric}_change_z": z,
        f"{metric}_is_significant_change": sig,
    }


def _fixture_rows() -> list[dict[str, Any]]:
    q1, q2, q3 = "2025-Q1", "2025-Q2", "2025-Q3"
    return [
        # 2025-Q1: the first quarter, so no changes.
        _row(
            q1,
            "all",
            "all",
            n_nps=150,
            promoters=60,
            passives=45,
            detractors=45,
            nps=10.0,
            nps_ci_low=-3.33,
            nps_ci_high=22.94,
        ),
        _row(q1, "b2b", "all", nps=21.0),
        _row(q1, EVIL, "all", nps=22.0),
        _row(q1, "all", "web", nps=5.0),
        _row(q1, "all", "store", nps=12.0),
        # 2025-Q2: docs/metrics.md reference (n 200, P 100, D 40 → 30.0, adj. CI [18.82, 40.30])
        # against Q1 (n 150, P 60, D 45): Δ 19.75 on adjusted values, z 2.28 → significant.
        _row(
            q2,
            "all",
            "all",
            **_change("nps", 10.0, 20.0, 2.28, True),
            **_change("csat", 68.0, 1.16, 0.21, False),
            **_change("ces", 57.0, -1.55, -0.31, False),
            **_change("cls", 62.75, 0.0, 0.0, False),
        ),
        _row(
            q2,
            "b2b",
            "all",
            n_nps=40,
            nps=-12.25,
            nps_ci_low=-40.0,
            nps_ci_high=17.5,
            n_csat=20,
            csat_pct=77.7,
            csat_ci_low=52.13,
            csat_ci_high=93.37,
            csat_is_reportable=False,
        ),
        _row(q2, EVIL, "all", nps=24.0),
        _row(q2, "b2b", "web", nps=13.7),  # a cross cell: not part of any report table
        _row(q2, "all", "web", nps=33.0, **_change("nps", 5.0, 28.0, 3.1, True)),
        _row(q2, "all", "store", **_suppressed(), **_change("nps", 12.0, 75.5, 4.0, True)),
        # 2025-Q3: headline n in the thousands; store is back but its previous was suppressed.
        _row(
            q3,
            "all",
            "all",
            n_responses=1502,
            n_nps=1234,
            nps=31.0,
            nps_ci_low=26.1,
            nps_ci_high=35.8,
            **_change("nps", 30.0, 1.0, 0.18, False),
        ),
        _row(q3, "b2b", "all", nps=25.0),
        _row(q3, "all", "web", nps=36.0),
        _row(q3, "all", "store", nps=40.0, **_change("nps", 87.5, -47.5, -2.5, True)),
        _row(q3, "all", ODD_TOUCHPOINT, nps=-20.0),
    ]


def _write_warehouse(path: Path, rows: list[dict[str, Any]]) -> Path:
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema marts")
        columns = ", ".join(f"{name} {typ}" for name, typ in COLUMNS.items())
        con.execute(f"create table marts.mart_cx_scores__quarter ({columns})")
        names = list(COLUMNS)
        placeholders = ", ".join("?" for _ in names)
        con.executemany(
            f"insert into marts.mart_cx_scores__quarter ({', '.join(names)}) "
            f"values ({placeholders})",
            [[row[name] for name in names] for row in rows],
        )
    finally:
        con.close()
    # Every other table the report reads, empty: the sources behind them were not loaded.
    return complete_report_tables(path)


class _TextExtractor(HTMLParser):
    """Collects what a reader sees (entities decoded), skipping the inlined CSS."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_style = self._in_style or tag == "style"

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if not self._in_style:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _TextExtractor()
    parser.feed(html)
    return re.sub(r"[ \t\r\n]+", " ", "".join(parser.parts))


def _between(html: str, start: str, end: str) -> str:
    begin = html.index(start)
    return html[begin : html.index(end, begin)]


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return _write_warehouse(tmp_path / "warehouse.duckdb", _fixture_rows())


@pytest.fixture
def site(warehouse: Path, tmp_path: Path) -> Path:
    out = tmp_path / "published"
    render_reports(warehouse, out)
    return out


def _read(site: Path, rel: str) -> str:
    return (site / rel).read_text(encoding="utf-8")


# --- formatting --------------------------------------------------------------------------


def test_finnish_and_english_number_formats() -> None:
    fi = load_locale("fi").numbers
    en = load_locale("en").numbers
    assert format_number(1234.5, 1, fi) == f"1{NBSP}234,5"
    assert format_number(1234.5, 1, en) == "1,234.5"
    assert format_number(30, 1, fi) == "30,0"
    assert format_number(1234567, 0, en) == "1,234,567"
    assert format_number(-12.25, 1, en) == f"{MINUS}12.3"  # half-up, not half-even
    assert format_number(0.05, 1, en) == "0.1"
    assert format_number(-0.04, 1, fi) == "0,0"  # no minus zero
    assert format_percent(69.16, 1, fi) == f"69,2{NBSP}%"
    assert format_percent(69.16, 1, en) == "69.2%"
    assert format_signed(19.75, 1, en) == "+19.8"
    assert format_signed(-1.55, 1, fi) == f"{MINUS}1,6"
    assert format_signed(0.04, 1, en) == "0.0"
    assert format_interval(-3.33, 22.94, 1, fi) == f"[{MINUS}3,3; 22,9]"
    assert format_interval(18.82, 40.30, 1, en) == "[18.8, 40.3]"


def test_swedish_number_formats() -> None:
    """Swedish as written in Finland and Sweden: decimal comma, a no-break space between
    thousands and before the per cent sign, the true minus sign."""
    sv = load_locale("sv").numbers
    assert format_number(1234.5, 1, sv) == f"1{NBSP}234,5"
    assert format_number(1234567, 0, sv) == f"1{NBSP}234{NBSP}567"
    assert format_number(-12.25, 1, sv) == f"{MINUS}12,3"
    assert format_percent(69.16, 1, sv) == f"69,2{NBSP}%"
    assert format_signed(19.75, 1, sv) == "+19,8"
    assert format_interval(-3.33, 22.94, 1, sv) == f"[{MINUS}3,3; 22,9]"


def test_formatting_refuses_non_finite() -> None:
    style = NumberStyle(".", ",", "-", "+", "{value}%", "[{low}, {high}]")
    with pytest.raises(ValueError, match="non-finite"):
        format_number(float("nan"), 1, style)


def _key_paths(node: Any, prefix: str = "") -> set[str]:
    if isinstance(node, dict):
        return set().union(*(_key_paths(v, f"{prefix}.{k}") for k, v in node.items()))
    if isinstance(node, list):
        return {f"{prefix}[{len(node)}]"}
    return {prefix}


def test_locales_define_the_same_labels() -> None:
    """Every language's file has exactly en.yml's keys (and lists of the same length), and
    every locale file is an edition the renderer publishes."""
    assert sorted(p.stem for p in LOCALES_DIR.glob("*.yml")) == sorted(LANGUAGES)
    en = yaml.safe_load((LOCALES_DIR / "en.yml").read_text(encoding="utf-8"))
    assert len(en["text"]["footnotes"]) == 5
    for lang in LANGUAGES:
        other = yaml.safe_load((LOCALES_DIR / f"{lang}.yml").read_text(encoding="utf-8"))
        assert other["lang"] == lang
        assert _key_paths(other) == _key_paths(en), lang


# --- pages ---------------------------------------------------------------------------------


def test_render_writes_an_edition_per_language_and_quarter_and_an_index_per_language(
    warehouse: Path, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    result = render_reports(warehouse, out, quarters=["2025-Q1", "2025-Q2", "2025-Q3", "2026-Q1"])
    files = result.files
    assert (result.rendered, result.skipped) == (["2025-Q1", "2025-Q2", "2025-Q3"], ["2026-Q1"])
    assert sorted(p.relative_to(out).as_posix() for p in files) == [
        "en/2025-Q1/index.html",
        "en/2025-Q2/index.html",
        "en/2025-Q3/index.html",
        "en/index.html",
        "en/latest/index.html",
        "fi/2025-Q1/index.html",
        "fi/2025-Q2/index.html",
        "fi/2025-Q3/index.html",
        "fi/index.html",
        "fi/latest/index.html",
        "index.html",
        "sv/2025-Q1/index.html",
        "sv/2025-Q2/index.html",
        "sv/2025-Q3/index.html",
        "sv/index.html",
        "sv/latest/index.html",
    ]
    assert all(p.is_file() for p in files)
    with pytest.raises(ValueError, match="'2025-5' is not of the form YYYY-Qn"):
        render_reports(warehouse, out, quarters=["2025-5"])


def test_headline_nps_n_and_interval_per_language(site: Path) -> None:
    en = _read(site, "en/2025-Q2/index.html")
    fi = _read(site, "fi/2025-Q2/index.html")
    en_card = visible_text(_between(en, 'id="card-nps"', "</article>"))
    fi_card = visible_text(_between(fi, 'id="card-nps"', "</article>"))
    sv_card = visible_text(
        _between(_read(site, "sv/2025-Q2/index.html"), 'id="card-nps"', "</article>")
    )
    assert "30.0" in en_card
    assert "30,0" in fi_card
    assert "30,0" in sv_card
    assert "n = 200" in en_card
    assert "n = 200" in fi_card
    assert "n = 200" in sv_card
    assert "95% CI [18.8, 40.3]" in en_card
    assert f"95{NBSP}%:n LV [18,8; 40,3]" in fi_card
    assert f"95{NBSP}% KI [18,8; 40,3]" in sv_card
    assert "rekommendatörer 50,0\u00a0% · passiva 30,0\u00a0% · kritiker 20,0\u00a0%" in sv_card
    # the promoter/passive/detractor mix is computed in Python: 100/200, 60/200, 40/200
    assert "promoters 50.0% · passives 30.0% · detractors 20.0%" in en_card
    csat_card = visible_text(_between(en, 'id="card-csat"', "</article>"))
    assert "69.2%" in csat_card
    assert "[59.9, 77.1]" in csat_card
    assert "mean 3.91 on 1\u20135" in csat_card


def test_thousands_separator_in_n(site: Path) -> None:
    en_card = visible_text(
        _between(_read(site, "en/2025-Q3/index.html"), 'id="card-nps"', "</article>")
    )
    fi_card = visible_text(
        _between(_read(site, "fi/2025-Q3/index.html"), 'id="card-nps"', "</article>")
    )
    assert "n = 1,234" in en_card
    assert f"n = 1{NBSP}234" in fi_card


def test_significant_change_is_marked(site: Path) -> None:
    en = _read(site, "en/2025-Q2/index.html")
    nps_card = _between(en, 'id="card-nps"', "</article>")
    assert "+20.0 pts vs 2025-Q1" in visible_text(nps_card)
    assert "▲" in nps_card
    assert nps_card.count('class="badge badge-sig"') == 1
    # only the headline NPS change is significant among the four cards
    cards = _between(en, 'class="cards"', "</section>")
    assert cards.count('class="badge badge-sig"') == 1
    assert cards.count('class="badge badge-nosig"') == 3
    ces_card = visible_text(_between(en, 'id="card-ces"', "</article>"))
    assert f"{MINUS}1.6 pp vs 2025-Q1" in ces_card
    fi_nps = visible_text(
        _between(_read(site, "fi/2025-Q2/index.html"), 'id="card-nps"', "</article>")
    )
    assert "+20,0 pist. vs. 2025-Q1 merkitsevä (z = 2,28)" in fi_nps


def test_first_quarter_says_no_previous_quarter(site: Path) -> None:
    en = visible_text(_read(site, "en/2025-Q1/index.html"))
    fi = visible_text(_read(site, "fi/2025-Q1/index.html"))
    assert en.count("no previous quarter") == 4
    assert fi.count("ei edellistä neljännestä") == 4


def test_suppressed_cells_show_n_below_min_and_never_their_value(site: Path) -> None:
    en = _read(site, "en/2025-Q2/index.html")
    store_row = visible_text(_between(en, '<th scope="row">Store</th>', "</tr>"))
    assert store_row.count("n < 30") == 4
    # b2b: NPS (n 40) shown, CSAT (n 20, flagged) suppressed in its own cell only
    b2b_row = visible_text(_between(en, '<th scope="row">b2b</th>', "</tr>"))
    assert f"{MINUS}12.3" in b2b_row
    assert b2b_row.count("n < 30") == 1
    for path in site.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for hidden in (
            "87.5",
            "87,5",
            "61.2",
            "61,2",
            "98.8",
            "98,8",
            "91.7",
            "91,7",
            "77.7",
            "77,7",
            "52.1",
            "93.4",
        ):
            assert hidden not in text, (path, hidden)


def test_change_is_hidden_when_previous_quarter_was_suppressed(site: Path) -> None:
    en = _read(site, "en/2025-Q3/index.html")
    store_row = visible_text(_between(en, '<th scope="row">Store</th>', "</tr>"))
    assert "40.0" in store_row
    for path in site.rglob("*.html"):
        assert "47.5" not in path.read_text(encoding="utf-8")
        assert "47,5" not in path.read_text(encoding="utf-8")


def test_cross_cells_appear_only_in_the_heat_map(site: Path) -> None:
    en = _read(site, "en/2025-Q2/index.html")
    segments = _between(en, "<caption>By customer segment</caption>", "</table>")
    assert segments.count('<th scope="row">') == 2
    heatmap = _between(en, 'id="heatmap"', "</section>")
    assert en.count("13.7") == heatmap.count("13.7") == 1


def test_min_n_parameter_drives_suppression_and_label(
    warehouse: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out = tmp_path / "strict"
    with caplog.at_level(logging.WARNING, logger="reports.render"):
        render_reports(warehouse, tmp_path / "default")
        assert caplog.records == []
        render_reports(warehouse, out, min_n=50)
    # one cell (b2b NPS, n 40) is flagged reportable by the mart but is below 50
    assert [r.getMessage()[:46] for r in caplog.records] == [
        "1 cells have is_reportable flags that disagree"
    ]
    en = _read(out, "en/2025-Q2/index.html")
    b2b_row = visible_text(_between(en, '<th scope="row">b2b</th>', "</tr>"))
    # b2b NPS has n 40: flagged reportable by the mart but below the renderer's 50
    assert b2b_row.count("n < 50") == 2
    assert f"{MINUS}12.3" not in en
    assert "fewer than 50 answers" in visible_text(en)


def test_script_in_segment_name_is_escaped(site: Path) -> None:
    en = _read(site, "en/2025-Q2/index.html")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in en
    assert EVIL in visible_text(en)
    q3 = _read(site, "en/2025-Q3/index.html")
    assert "chat &lt;b&gt;&amp;&lt;/b&gt; &#34;bot&#34;" in q3  # breakdown table (Jinja)
    assert "chat &lt;b&gt;&amp;&lt;/b&gt; &quot;bot&quot;" in q3  # chart legend (charts.py)
    assert "<b>" not in q3


def test_output_is_self_contained(site: Path) -> None:
    files = sorted(site.rglob("*"))
    # 3 languages × (3 quarters + index + latest) + the landing page
    assert len([f for f in files if f.is_file()]) == 3 * (3 + 2) + 1
    for path in files:
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        for forbidden in ("http://", "https://", "<script", "url(", "@import", " src="):
            assert forbidden not in text.lower(), (path, forbidden)
        if path.parent.name == "latest":  # a bare redirect page, nothing to print
            assert '<meta http-equiv="refresh" content="0; url=../2025-Q3/index.html">' in text
            continue
        assert text.count("<style>") == 1, path
        for required in ("@media print", "size: A4"):
            assert required in text, (path, required)


def test_pages_declare_language_and_link_to_each_other(site: Path) -> None:
    en = _read(site, "en/2025-Q2/index.html")
    fi = _read(site, "fi/2025-Q2/index.html")
    sv = _read(site, "sv/2025-Q2/index.html")
    assert en.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert fi.startswith('<!DOCTYPE html>\n<html lang="fi">')
    assert sv.startswith('<!DOCTYPE html>\n<html lang="sv">')
    assert '<meta charset="utf-8">' in en
    # The language switcher: each page links to the other two, each link in its own language.
    links = {"en": "In English", "fi": "Suomeksi", "sv": "På svenska"}
    for lang, page in (("en", en), ("fi", fi), ("sv", sv)):
        nav = _between(page, "<nav", "</nav>")
        for other, text in links.items():
            link = f'<a href="../../{other}/2025-Q2/index.html" hreflang="{other}" lang="{other}">'
            assert (f"{link}{text}</a>" in nav) == (other != lang), (lang, other)
            alternate = f'<link rel="alternate" hreflang="{other}"'
            assert (alternate in page) == (other != lang), (lang, other)
        assert 'href="../index.html"' in page
        # Rendered without PDFs: no page links one (the pipeline test checks the links).
        assert f"kokemus-2025-Q2-{lang}.pdf" not in page and "pdf-link" not in page
    assert "<title>Customer experience report 2025-Q2</title>" in en
    assert "<title>Asiakaskokemusraportti 2025-Q2</title>" in fi
    assert "<title>Kundupplevelserapport 2025-Q2</title>" in sv


def test_methodology_footnote(site: Path) -> None:
    en = visible_text(_between(_read(site, "en/2025-Q2/index.html"), 'id="methodology"', "</ol>"))
    fi = visible_text(_between(_read(site, "fi/2025-Q2/index.html"), 'id="methodology"', "</ol>"))
    assert "only the answers to the NPS question" in en
    assert "adjusted-Wald" in en
    assert "Wilson" in en
    assert "“n < 30”" in en
    assert "|z| ≥ 1.96" in en
    assert "|z| ≥ 1,96" in fi
    assert "Wilsonin" in fi


def test_index_lists_every_quarter_newest_first(site: Path) -> None:
    for lang in LANGUAGES:
        index = _read(site, f"{lang}/index.html")
        positions = [
            index.index(f'href="{q}/index.html"') for q in ("2025-Q3", "2025-Q2", "2025-Q1")
        ]
        assert positions == sorted(positions)
        for other in LANGUAGES:
            if other != lang:
                assert index.count(f'href="../{other}/2025-Q2/index.html" hreflang="{other}"') == 1
                # the switcher to the other language's index
                assert f'href="../{other}/index.html" hreflang="{other}"' in index
        # every quarter's row names each edition in its own language
        assert index.count('hreflang="fi" lang="fi">Suomi</a>') == 3
        assert index.count('hreflang="en" lang="en">English</a>') == 3
        assert index.count('hreflang="sv" lang="sv">Svenska</a>') == 3
        latest = _between(index, '<p class="latest">', "</p>")
        assert 'href="latest/index.html"' in latest
        assert "../2025-Q3/index.html" in _read(site, f"{lang}/latest/index.html")
    root = _read(site, "index.html")
    for lang in LANGUAGES:
        assert root.count(f'href="{lang}/latest/index.html"') == 1
        assert f'<section lang="{lang}" class="edition">' in root
    assert "Kundupplevelserapporter" in root
    en_text = visible_text(_read(site, "en/index.html"))
    assert "Latest report: 2025-Q3" in en_text
    assert en_text.count("latest") == 1
    # the headline NPS column follows the same formatting as the pages
    assert "31.0" in en_text
    assert "10.0" in en_text
    assert "31,0" in visible_text(_read(site, "fi/index.html"))
    sv_text = visible_text(_read(site, "sv/index.html"))
    assert "Senaste rapporten: 2025-Q3" in sv_text
    assert "31,0" in sv_text


# --- chart ---------------------------------------------------------------------------------


def _circles(html: str) -> int:
    """Points of the NPS trend chart (a page's card sparklines have their own)."""
    if 'id="trend"' in html:
        html = _between(html, 'id="trend"', "</section>")
    return html.count("<circle")


def test_chart_points_equal_reportable_values(site: Path, warehouse: Path) -> None:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        (expected,) = con.execute(
            "select count(*) from marts.mart_cx_scores__quarter "
            "where segment = 'all' and is_reportable and n_nps >= 30"
        ).fetchone()
    finally:
        con.close()
    q3 = _read(site, "en/2025-Q3/index.html")
    # headline 3 + web 3 + store 2 (Q2 suppressed) + the odd touchpoint 1 (Q3 only)
    assert expected == 9
    assert _circles(q3) == expected
    svg = _between(_between(q3, 'id="trend"', "</section>"), "<svg", "</svg>")
    assert 'role="img"' in svg
    assert '<title id="nps-trend-title">NPS by quarter, 2025-Q1 to 2025-Q3</title>' in svg
    assert svg.count('class="zero"') == 1
    assert _circles(_read(site, "en/2025-Q1/index.html")) == 3
    assert _circles(_read(site, "fi/2025-Q2/index.html")) == 5


def test_chart_breaks_line_at_missing_values_and_escapes() -> None:
    svg = nps_trend_svg(
        ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"],
        [
            Series("all", [10.0, 20.0, None, 30.0], emphasis=True),
            Series("<b>web</b>", [None, -5.0, 0.0, 5.0]),
        ],
        title="NPS & trend",
        desc="desc",
        format_value=lambda v: f"{v:.1f}",
        format_tick=lambda v: f"{v:.0f}",
    )
    assert svg.count("<circle") == 6
    assert len(re.findall(r"<path ", svg)) == 2
    paths = [
        re.search(r'<path d="([^"]+)"', _between(svg, f'data-series="{i}"', "</g>")).group(1)
        for i in (0, 1)
    ]
    assert paths[0].count("M") == 1  # Q4 stands alone after the gap: a point, no segment
    assert paths[1].count("M") == 1
    assert paths[1].count("L") == 2
    assert "&lt;b&gt;web&lt;/b&gt;" in svg
    assert "<b>" not in svg
    assert '<title id="nps-trend-title">NPS &amp; trend</title>' in svg
    assert 'stroke="#000000"' in svg
    assert 'stroke="#0072B2"' in svg
    assert "http" not in svg


def test_chart_shows_at_most_eight_quarters(tmp_path: Path) -> None:
    quarters = [
        (f"{y}-Q{q}", f"{y}-{3 * q - 2:02d}-01") for y in (2023, 2024, 2025) for q in (1, 2, 3, 4)
    ][:10]
    rows = [_row(q, "all", "all", quarter_start=start) for q, start in quarters]
    out = tmp_path / "long"
    files = render_reports(_write_warehouse(tmp_path / "long.duckdb", rows), out).files
    assert len(files) == 10 * len(LANGUAGES) + 2 * len(LANGUAGES) + 1
    svg = _between(
        _between(_read(out, "en/2025-Q2/index.html"), 'id="trend"', "</section>"), "<svg", "</svg>"
    )
    assert _circles(svg) == 8
    assert svg.count('class="x-label"') == 8
    assert ">2023-Q2<" not in svg
    assert ">2023-Q3<" in svg
    assert _circles(_read(out, "en/2023-Q1/index.html")) == 1


# --- publishing ------------------------------------------------------------------------------


def test_atomic_publish_replaces_earlier_render(warehouse: Path, tmp_path: Path) -> None:
    out = tmp_path / "pub"
    render_reports(warehouse, out)
    (out / "en" / "2025-Q2" / "stale.html").write_text("old", encoding="utf-8")
    (out / "en" / "2019-Q1").mkdir()
    # Rendering one quarter replaces that quarter's folder and leaves the others in place.
    files = render_reports(warehouse, out, quarters=["2025-Q2"]).files
    assert not (out / "en" / "2025-Q2" / "stale.html").exists()
    assert (out / "en" / "2025-Q1" / "index.html").is_file()
    assert (out / "en" / "2019-Q1").is_dir()
    assert "2019-Q1" not in _read(out, "en/index.html")  # not a quarter of the mart
    # Only the edition that differed from its page on disk is written again; the Finnish one
    # and the indexes were already exactly so.
    assert files == [out / "en" / "2025-Q2" / "index.html"]
    leftovers = [p for p in out.rglob("*") if ".tmp-" in p.name or ".old-" in p.name]
    assert leftovers == []


def test_unchanged_editions_are_not_written_again(tmp_path: Path) -> None:
    rows = _fixture_rows()
    warehouse = _write_warehouse(tmp_path / "w.duckdb", rows)
    out = tmp_path / "pub"
    first = render_reports(warehouse, out)
    assert (len(first.files), first.unchanged) == (3 * 3 + 2 * 3 + 1, [])
    mtimes = {p: p.stat().st_mtime_ns for p in first.files}

    again = render_reports(warehouse, out)
    assert again.files == []
    assert again.unchanged == [f"{lang}/{q}" for q in first.rendered for lang in LANGUAGES]
    assert {p: p.stat().st_mtime_ns for p in first.files} == mtimes

    # New figures for 2025-Q3 (the latest quarter): its editions change, and nothing else does.
    changed = [
        {**row, "nps": 31.5} if row["quarter"] == "2025-Q3" and row["touchpoint"] == "web" else row
        for row in rows
    ]
    warehouse = _write_warehouse(tmp_path / "w2.duckdb", changed)
    third = render_reports(warehouse, out)
    assert sorted(p.relative_to(out).as_posix() for p in third.files) == [
        "en/2025-Q3/index.html",
        "fi/2025-Q3/index.html",
        "sv/2025-Q3/index.html",
    ]
    assert len(third.unchanged) == 2 * 3


def test_failed_render_keeps_previous_output(
    warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "pub"
    render_reports(warehouse, out)
    before = _read(out, "en/2025-Q2/index.html")

    def broken(*args: Any, **kwargs: Any) -> str:
        raise RuntimeError("chart failed")

    monkeypatch.setattr(trend_module, "nps_trend_svg", broken)
    with pytest.raises(RuntimeError, match="chart failed"):
        render_reports(warehouse, out)
    assert _read(out, "en/2025-Q2/index.html") == before
    assert [p for p in out.rglob("*") if ".tmp-" in p.name] == []


def test_warehouse_is_closed_after_render(site: Path, warehouse: Path) -> None:
    # A read-write connection in the same process fails while a read-only one is open.
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("delete from marts.mart_cx_scores__quarter where quarter = '2025-Q1'")
        (remaining,) = con.execute("select count(*) from marts.mart_cx_scores__quarter").fetchone()
    finally:
        con.close()
    assert remaining == 11


def test_missing_mart_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.duckdb"
    duckdb.connect(str(path)).close()
    with pytest.raises(ValueError, match=r"marts\.mart_cx_scores__quarter not found"):
        render_reports(path, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_bad_quarter_label_is_refused(tmp_path: Path) -> None:
    rows = [_row("../etc", "all", "all", quarter_start="2025-01-01")]
    with pytest.raises(ValueError, match="not of the form YYYY-Qn"):
        render_reports(_write_warehouse(tmp_path / "bad.duckdb", rows), tmp_path / "out")


# --- extra sections: churn, lost deals -------------------------------------------------------


def _add_section_marts(path: Path) -> Path:
    """Churn and price-claim marts for 2025-Q2: 'all' reportable, one small cell of each."""
    con = duckdb.connect(str(path))
    try:
        con.execute(
            "create or replace table marts.mart_churn__quarter_segment (quarter varchar, "
            "quarter_start date, segment varchar, active_at_start bigint, churn_pct double, "
            "retention_pct double, churn_ci_low double, churn_ci_high double, "
            "retention_ci_low double, retention_ci_high double, is_reportable boolean)"
        )
        con.execute(
            "insert into marts.mart_churn__quarter_segment values "
            "('2025-Q1', '2025-01-01', 'all', 1000, 5.0, 95.0, 3.81, 6.53, 93.47, 96.19, true), "
            "('2025-Q2', '2025-04-01', 'all', 1000, 4.2, 95.8, 3.1, 5.6, 94.4, 96.9, true), "
            "('2025-Q2', '2025-04-01', 'tiny', 12, 41.67, 58.33, 19.33, 68.05, 31.95, 80.67, "
            "false)"
        )
        con.execute(
            "create or replace table marts.mart_lost_deals__price_claims (quarter varchar, "
            "competitor varchar, n_stated_price_interviewed bigint, price_not_real_pct double, "
            "price_not_real_ci_low double, price_not_real_ci_high double, is_reportable boolean)"
        )
        con.execute(
            "insert into marts.mart_lost_deals__price_claims values "
            "('2025-Q2', 'all', 9, 77.78, 45.26, 93.68, false)"
        )
        # The sources behind them were loaded (reports/coverage.py reads the load counts).
        con.execute(
            "insert into marts.mart_pipeline__loads (source, rows_loaded) values "
            "('crm_customers', 1000), ('churn_events', 50), ('lost_deals', 9)"
        )
    finally:
        con.close()
    return path


def test_suppressed_churn_and_price_cells_show_n_below_min(warehouse: Path, tmp_path: Path) -> None:
    out = tmp_path / "sections"
    render_reports(_add_section_marts(warehouse), out)
    text = visible_text(_read(out, "en/2025-Q2/index.html"))
    churn = text[text.index("Churn and retention by customer segment") :]
    assert "tiny n < 30" in churn
    assert "41.7" not in text and "58.3" not in text
    assert "All customers 4.2% [3.1, 5.6] n = 1,000" in text
    assert "“It was not the price” share: n < 30." in text
    assert "77.8" not in text
    fi = visible_text(_read(out, "fi/2025-Q2/index.html"))
    assert "tiny n < 30" in fi and "41,7" not in fi


def test_sections_of_sources_not_loaded_are_left_out_and_said_so(site: Path) -> None:
    # The fixture's warehouse has only scores: every optional source's mart is empty.
    html = _read(site, "en/2025-Q2/index.html")
    text = visible_text(html)
    assert "Churn and retention" not in text
    assert "Mystery shopping" not in text
    assert "Methodology" in text
    coverage = _between(html, '<section aria-labelledby="coverage"', "</section>")
    sources = re.findall(r'data-source="([^"]+)"', coverage)
    assert sources == [
        "crm_customers",
        "crm_orders",
        "churn_events",
        "mystery_shopping",
        "lost_deals",
        "improvement_actions",
        "targets",
        "customer_id",
    ]
    assert (
        "No mystery-shopping visits were loaded, so there is no scorecard against competitors."
        in visible_text(coverage)
    )
    # No targets: the summary has no Targets block and no card a target marker.
    assert "No targets were loaded, so no score is measured against a goal" in visible_text(
        coverage
    )
    assert '<div class="targets">' not in html and '<p class="card-target' not in html
    fi = visible_text(_read(site, "fi/2025-Q2/index.html"))
    assert "Mitä tämä raportti kattaa" in fi
    assert "Haamuasiointikäyntejä ei ladattu" in fi


def test_a_mart_the_report_reads_that_is_missing_fails_naming_it(
    warehouse: Path, tmp_path: Path
) -> None:
    con = duckdb.connect(str(warehouse))
    con.execute("drop table marts.mart_churn__score_group")
    con.close()
    out = tmp_path / "out"
    with pytest.raises(ReportDataError, match=r"cannot read marts\.mart_churn__score_group"):
        render_reports(warehouse, out)
    assert not (out / "en" / "2025-Q2").exists()


# --- the leadership page's language -----------------------------------------------------------

# Words of the code base, not of the reader: seeds, warehouse schemas, doc files, mart names; and
# the Finnish terms the vocabulary replaced (kohderyhmä, kosketuspiste).
DEVELOPER_WORDS = re.compile(r"seed|\bops\.|\.md\b|mart_|Segmentti|Kontaktipiste", re.IGNORECASE)


def _add_theme_and_load_marts(path: Path) -> Path:
    """A theme with a quoted comment and the load totals for 2025-Q2 (themes, freshness)."""
    con = duckdb.connect(str(path))
    try:
        con.execute(
            "insert into seeds.verbatim_themes values "
            "('queue', 'Jonotus', 'Queueing', 'Köande', 'waiting in line')"
        )
        con.execute(
            "insert into marts.mart_themes__quarter (theme_key, quarter, quarter_start, "
            "touchpoint, theme_id, n_comments, n_mentions, share_of_comments_pct, "
            "n_nps_mentions, n_promoters, n_detractors, detractor_share_pct, nps_of_theme, "
            "is_reportable) values ('k', '2025-Q2', '2025-04-01', 'all', 'queue', 400, 80, "
            "20.0, 80, 10, 50, 62.5, -50.0, true)"
        )
        con.execute(
            "insert into marts.mart_verbatims__quarter (quarter, quarter_start, theme_id, "
            "verbatim_rank, response_id, touchpoint, language, nps_score, comment) values "
            "('2025-Q2', '2025-04-01', 'queue', 1, 'R1', 'store', 'fi', 2, 'Jono oli pitkä')"
        )
        con.execute(
            "insert into marts.mart_pipeline__loads (source, files_loaded, files_rejected, "
            "rows_read, rows_loaded, rows_quarantined, rows_excluded, last_loaded_at) values "
            "('all', 7, 0, 1010, 1000, 10, 0, '2025-07-02 08:00:00+00')"
        )
    finally:
        con.close()
    return path


def test_pages_name_no_seed_table_or_file_and_use_one_vocabulary(
    warehouse: Path, tmp_path: Path
) -> None:
    out = tmp_path / "words"
    render_reports(_add_theme_and_load_marts(_add_section_marts(warehouse)), out)
    en = visible_text(_read(out, "en/2025-Q2/index.html"))
    fi = visible_text(_read(out, "fi/2025-Q2/index.html"))
    # The sections that used to name a seed, a table or a doc file are on the pages.
    assert "Kommenttien teemat (muokattava sanasto), kaikki kosketuspisteet" in fi
    assert "Themes in the comments (editable lexicon), all touchpoints" in en
    assert "1\u00a0010 riviä luettu = 1\u00a0000 ladattu + 10 karanteenissa syineen." in fi
    assert "1,010 rows read = 1,000 loaded + 10 quarantined with their reason." in en
    assert "Teemat: jokaista kommenttia verrataan sanaston hakulausekkeisiin" in fi
    assert "Kohderyhmä" in fi and "Kosketuspiste" in fi and "Kohderyhmittäin" in fi
    assert DEVELOPER_WORDS.findall(fi) == []
    assert DEVELOPER_WORDS.findall(en) == []
    sv = visible_text(_read(out, "sv/2025-Q2/index.html"))
    assert "Teman i kommentarerna (redigerbar ordlista), alla kontaktpunkter" in sv
    assert "1\u00a0010 rader lästa = 1\u00a0000 inlästa + 10 i karantän med sin orsak." in sv
    assert "Teman: varje kommentar jämförs med ordlistans sökmönster" in sv
    assert "Köande" in sv and "Jonotus" not in sv  # the lexicon's label_sv
    assert "Kundgrupp" in sv and "Kontaktpunkt" in sv and "Per kundgrupp" in sv
    assert DEVELOPER_WORDS.findall(sv) == []


def _strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return [node] if isinstance(node, str) else []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_locale_text_names_a_seed_table_or_file(lang: str) -> None:
    """Every text a page can show, including sections the fixtures above do not render."""
    texts = _strings(yaml.safe_load((LOCALES_DIR / f"{lang}.yml").read_text(encoding="utf-8")))
    assert len(texts) > 250
    assert [s for s in texts if DEVELOPER_WORDS.search(s)] == []


def test_r_squared_is_a_share_of_the_variation_of_nps() -> None:
    en, fi = load_locale("en").text, load_locale("fi").text
    assert en["drivers_r2"].format(r2="0.70", n="120") == (
        "The drivers together explain R² = 0.70 of the variation in the NPS answers (n = 120)."
    )
    assert fi["drivers_r2"].format(r2="0,70", n="120") == (
        "Ajurit selittävät yhdessä R² = 0,70 NPS-vastausten vaihtelusta (n = 120)."
    )
    assert "less than R² = 0.10 of the variation in the NPS answers" in en["drivers_low_r2"].format(
        cells="x", min_r2="0.10"
    )
    assert "alle R² = 0,10 NPS-vastausten vaihtelusta" in fi["drivers_low_r2"].format(
        cells="x", min_r2="0,10"
    )
    assert "alle R² = 0,10 NPS-vastausten vaihtelusta" in fi["summary_no_proposals_r2"].format(
        min_r2="0,10"
    )


def test_pdf_languages_must_be_languages_of_the_report(tmp_path: Path) -> None:
    from reports.render import ReportSettingsError

    with pytest.raises(ReportSettingsError) as raised:
        render_reports(
            tmp_path / "w.duckdb", tmp_path / "out", pdf=True, pdf_languages=["fi", "de"]
        )
    assert str(raised.value) == (
        "CX_REPORTS_PDF_LANGUAGES names de, not a language of the report (en, fi, sv): leave it "
        "empty for every language, or name some of them"
    )
    assert not (tmp_path / "out").exists()


def test_pdfs_laid_out_in_a_pool_are_the_ones_made_one_by_one(
    warehouse: Path, tmp_path: Path
) -> None:
    """Two processes make the same PDF editions, in the same places, as one process does."""
    made = {}
    for workers in (1, 2):
        out = tmp_path / f"workers-{workers}"
        result = render_reports(warehouse, out, pdf=True, pdf_languages=["fi"], pdf_workers=workers)
        made[workers] = sorted(p.relative_to(out).as_posix() for p in result.files)
        pdfs = sorted(out.glob("fi/20*/kokemus-*-fi.pdf"))
        assert [p.name for p in pdfs] == [f"kokemus-2025-Q{q}-fi.pdf" for q in (1, 2, 3)]
        assert all(p.read_bytes()[:5] == b"%PDF-" for p in pdfs)
        assert not list(out.glob("**/.*.tmp-*"))
    assert made[1] == made[2]
    # 3 quarters × 3 languages' pages, 3 Finnish PDFs, each language's index and latest/ page,
    # the root index.
    assert len(made[2]) == 3 * 3 + 3 + 3 * 2 + 1


def test_pdfs_are_made_here_when_the_worker_processes_stop(
    warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    """A script without a __main__ guard (spawned workers re-import it and stop), or a worker
    killed mid-way: the editions are still all published, by the calling process."""
    import concurrent.futures.process

    import reports.render

    class StoppingPool:
        def __init__(self, *args, **kwargs) -> None:
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc) -> None:
            return None

        def submit(self, fn, *args):
            raise concurrent.futures.process.BrokenProcessPool("a worker stopped")

    monkeypatch.setattr(reports.render, "ProcessPoolExecutor", StoppingPool)
    out = tmp_path / "out"
    stale = out / "fi" / ".2025-Q2.tmp-99999999"
    stale.mkdir(parents=True)
    result = render_reports(warehouse, out, pdf=True, pdf_languages=["fi"], pdf_workers=2)
    pdfs = sorted(p.name for p in out.glob("fi/20*/kokemus-*-fi.pdf"))
    assert pdfs == [f"kokemus-2025-Q{q}-fi.pdf" for q in (1, 2, 3)]
    assert len(result.files) == 3 * 3 + 3 + 3 * 2 + 1
    assert not stale.exists()
    assert "making the remaining 3 editions in this process" in caplog.text
