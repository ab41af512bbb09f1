"""The report's annual NPS (Q4), and an interval beside every published share, on hand-made marts.

Each test writes the mart rows it asserts on into the empty-table snapshot
(tests/data/report_tables.sql) and reads the rendered page: the numbers are the marts', the
report only formats them (reports/cells.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest
from test_reports import _between, _fixture_rows, _row, _write_warehouse, visible_text

from reports.render import render_reports

QUARTER = "2025-Q2"


def _insert(path: Path, table: str, rows: list[dict[str, Any]]) -> None:
    con = duckdb.connect(str(path))
    try:
        for row in rows:
            cols = ", ".join(row)
            marks = ", ".join("?" for _ in row)
            con.execute(f"insert into marts.{table} ({cols}) values ({marks})", list(row.values()))
    finally:
        con.close()


def _loaded(path: Path, *sources: str) -> None:
    """The sources behind the section marts were loaded, and answers carry customer ids."""
    _insert(path, "mart_pipeline__loads", [{"source": s, "rows_loaded": 100} for s in sources])
    _insert(path, "fct_survey_responses", [{"response_id": "R1", "customer_id": "C1"}])


def _text(out: Path, lang: str, quarter: str, section: str) -> str:
    html = (out / lang / quarter / "index.html").read_text(encoding="utf-8")
    return visible_text(_between(html, f'id="{section}"', "</section>"))


# --- the year in NPS ---------------------------------------------------------------------------


def _year(touchpoint: str, **values: Any) -> dict[str, Any]:
    row = {
        "year_key": f"2024|all|{touchpoint}",
        "year": 2024,
        "segment": "all",
        "touchpoint": touchpoint,
        "n_quarters": 4,
        "n_nps": 550,
        "nps": 74.54545454545455,
        "nps_ci_low": 69.55365024693069,
        "nps_ci_high": 78.72844740225557,
        "is_reportable": True,
        "n_quarters_with_nps": 4,
        "n_reportable_quarters": 4,
        "nps_quarterly_mean": 74.0,
        "nps_quarterly_mean_is_reportable": True,
    }
    row.update(values)
    return row


@pytest.fixture
def year_site(tmp_path: Path) -> Path:
    rows = [
        *_fixture_rows(),
        _row("2024-Q4", "all", "all", quarter_start="2024-10-01", nps=75.0),
        _row("2024-Q4", "all", "web", quarter_start="2024-10-01", nps=25.0),
    ]
    warehouse = _write_warehouse(tmp_path / "warehouse.duckdb", rows)
    # docs/metrics.md reference (mart_cx_scores__year's unit test): quarterly NPS 72, 74, 75,
    # 75 with n 50, 100, 200, 200 → the mean of the quarters 74.0, pooled 74.55 [69.55, 78.73].
    # web: four quarters, the first below the reportable n → its mean is not given.
    _insert(
        warehouse,
        "mart_cx_scores__year",
        [
            _year("all"),
            _year(
                "web",
                n_nps=140,
                nps=29.285714285714285,
                nps_ci_low=15.18996733789003,
                nps_ci_high=42.15269000476731,
                n_reportable_quarters=3,
                nps_quarterly_mean=28.75,
                nps_quarterly_mean_is_reportable=False,
            ),
        ],
    )
    out = tmp_path / "site"
    render_reports(warehouse, out, quarters=["2024-Q4", "2025-Q1"])
    return out


def test_q4_report_gives_the_annual_nps_both_ways(year_site: Path) -> None:
    en = _text(year_site, "en", "2024-Q4", "year")
    assert en.startswith('id="year">The year 2024 in NPS ')
    assert (
        "NPS for 2024, pooled over the year's answers: 74.5 (95% CI [69.6, 78.7], n = 550). "
        "The mean of the four quarterly NPS is 74.0." in en
    )
    assert "All customers 74.5 [69.6, 78.7] n = 550 74.0 " in en
    # web's mean of quarters is withheld, and the row says why; its pooled NPS is shown
    assert "Web service 29.3 [15.2, 42.2] n = 140 not given: 3 of 4 quarters n ≥ 30 " in en
    assert "28.8" not in en
    fi = _text(year_site, "fi", "2024-Q4", "year")
    assert (
        "Vuoden 2024 NPS kaikista vuoden vastauksista: 74,5 (95\u00a0%:n LV [69,6; 78,7], "
        "n = 550). Neljän neljännesvuoden NPS:n keskiarvo on 74,0." in fi
    )
    assert "Verkkopalvelu 29,3 [15,2; 42,2] n = 140 ei anneta: 3/4 neljänneksellä n ≥ 30 " in fi
    sv = _text(year_site, "sv", "2024-Q4", "year")
    assert sv.startswith('id="year">NPS för år 2024 ')
    assert (
        "NPS för 2024, beräknat på alla årets svar: 74,5 (95\u00a0% KI [69,6; 78,7], "
        "n = 550). Medeltalet av de fyra kvartalens NPS är 74,0." in sv
    )
    assert "Webbtjänst 29,3 [15,2; 42,2] n = 140 anges inte: 3 av 4 kvartal har n ≥ 30 " in sv
    # only the fourth quarter's report has it
    other = (year_site / "en" / "2025-Q1" / "index.html").read_text(encoding="utf-8")
    assert 'id="year"' not in other and "pooled over the year" not in other


def test_year_without_a_mean_of_quarters_says_why(tmp_path: Path) -> None:
    rows = [_row("2024-Q4", "all", "all", quarter_start="2024-10-01")]
    warehouse = _write_warehouse(tmp_path / "w.duckdb", rows)
    _insert(
        warehouse,
        "mart_cx_scores__year",
        [_year("all", n_quarters=2, n_quarters_with_nps=2, n_reportable_quarters=2,
               nps_quarterly_mean=None, nps_quarterly_mean_is_reportable=False)],
    )  # fmt: skip
    render_reports(warehouse, tmp_path / "out")
    en = _text(tmp_path / "out", "en", "2024-Q4", "year")
    assert "The mean of the four quarterly NPS is not given: 2 of the 4 quarters have n ≥ 30." in en
    fi = _text(tmp_path / "out", "fi", "2024-Q4", "year")
    assert "keskiarvoa ei anneta: vain 2 neljänneksellä neljästä n ≥ 30." in fi
    sv = _text(tmp_path / "out", "sv", "2024-Q4", "year")
    assert "NPS anges inte: endast 2 av de fyra kvartalen har n ≥ 30." in sv


# --- intervals beside the shares, CSAT → churn, the simple CLV --------------------------------


@pytest.fixture
def section_site(tmp_path: Path) -> Path:
    warehouse = _write_warehouse(tmp_path / "warehouse.duckdb", _fixture_rows())
    _loaded(warehouse, "crm_customers", "churn_events", "crm_orders", "mystery_shopping")
    q = {"quarter": QUARTER, "quarter_start": "2025-04-01"}
    _insert(
        warehouse,
        "mart_churn__quarter_segment",
        [
            {**q, "segment": "all", "active_at_start": 1000, "lost": 50, "churn_pct": 5.0,
             "retention_pct": 95.0, "churn_ci_low": 3.813, "churn_ci_high": 6.531,
             "retention_ci_low": 93.469, "retention_ci_high": 96.187, "is_reportable": True},
        ],
    )  # fmt: skip
    group = {**q, "active_at_start": 400, "is_reportable": True}
    _insert(
        warehouse,
        "mart_churn__score_group",
        [
            {**group, "score": "nps", "score_group": "promoter", "churn_pct": 2.0, "lost": 8,
             "churn_ci_low": 1.02, "churn_ci_high": 3.89, "churn_ratio_vs_best_group": 1.0,
             "churn_ratio_is_reportable": False},
            {**group, "score": "nps", "score_group": "detractor", "churn_pct": 10.0, "lost": 40,
             "churn_ci_low": 7.43, "churn_ci_high": 13.34, "churn_ratio_vs_best_group": 5.0,
             "churn_ratio_ci_low": 2.37, "churn_ratio_ci_high": 10.55,
             "churn_ratio_is_reportable": True},
            {**group, "score": "csat", "score_group": "top2", "churn_pct": 1.5, "lost": 6,
             "churn_ci_low": 0.68, "churn_ci_high": 3.24, "churn_ratio_vs_best_group": 1.0,
             "churn_ratio_is_reportable": False},
            {**group, "score": "csat", "score_group": "not_top2", "churn_pct": 6.25, "lost": 25,
             "churn_ci_low": 4.27, "churn_ci_high": 9.07, "churn_ratio_vs_best_group": 4.17,
             "churn_ratio_ci_low": 1.73, "churn_ratio_ci_high": 10.03,
             "churn_ratio_is_reportable": True},
        ],
    )  # fmt: skip
    _insert(
        warehouse,
        "mart_retention__cohort",
        [
            {"cohort": "2025-Q1", "quarters_since_start": 1, "quarter": QUARTER,
             "cohort_size": 200, "active_at_end": 180, "retention_pct": 90.0,
             "retention_ci_low": 85.06, "retention_ci_high": 93.46, "is_reportable": True},
        ],
    )  # fmt: skip
    _insert(
        warehouse,
        "mart_mystery_shopping__item_scores",
        [
            {**q, "brand": "kokemus", "is_our_brand": True, "channel": "all", "location": "all",
             "item": "greeting", "n_visits": 40, "score_pct": 62.5, "score_ci_low": 47.03,
             "score_ci_high": 75.77, "is_reportable": True, "weakness_rank": 1},
        ],
    )  # fmt: skip
    _insert(
        warehouse,
        "mart_customer_clv__segment",
        [
            {"segment": "all", "n_customers": 300, "mean_clv": 200.0, "clv_ci_low": 186.84,
             "clv_ci_high": 213.16, "horizon_months": 12, "value_model": "gamma_gamma",
             "is_reportable": True, "retention_n_customers": 250,
             "quarterly_retention_pct": 80.0, "margin_per_customer_quarter": 100.0,
             "clv_margin": 1.0, "quarterly_discount_rate": 0.030301, "simple_clv": 347.37,
             "simple_clv_ci_low": 290.4, "simple_clv_ci_high": 420.6,
             "simple_clv_is_reportable": True},
        ],
    )  # fmt: skip
    theme = {**q, "touchpoint": "all", "n_comments": 400, "is_reportable": True}
    _insert(
        warehouse,
        "mart_themes__quarter",
        [
            {**theme, "theme_id": "price", "n_mentions": 60, "share_of_comments_pct": 15.0,
             "share_ci_low": 11.84, "share_ci_high": 18.82, "n_nps_mentions": 50,
             "n_detractors": 20, "detractor_share_pct": 40.0, "detractor_share_ci_low": 27.62,
             "detractor_share_ci_high": 53.76, "nps_of_theme": -10.0,
             "nps_of_theme_ci_low": -31.2, "nps_of_theme_ci_high": 12.1,
             "nps_of_theme_is_reportable": True},
            {**theme, "theme_id": "delivery", "n_mentions": 12, "share_of_comments_pct": 3.0,
             "share_ci_low": 1.72, "share_ci_high": 5.17, "n_nps_mentions": 9,
             "n_detractors": 6, "detractor_share_pct": 66.67, "detractor_share_ci_low": 35.42,
             "detractor_share_ci_high": 87.94, "nps_of_theme": -55.56,
             "nps_of_theme_ci_low": -80.1, "nps_of_theme_ci_high": -12.3,
             "nps_of_theme_is_reportable": False},
        ],
    )  # fmt: skip
    out = tmp_path / "site"
    render_reports(warehouse, out, quarters=[QUARTER])
    return out


@pytest.mark.parametrize(
    ("lang", "retention", "csat"),
    [
        ("en", "All customers 5.0% [3.8, 6.5] n = 1,000 95.0% [93.5, 96.2] n = 1,000",
         "Satisfied (4–5) 1.5% [0.7, 3.2] n = 400 Not satisfied (1–3) 6.3% [4.3, 9.1] n = 400"),
        ("fi", "Kaikki asiakkaat 5,0\u00a0% [3,8; 6,5] n = 1\u00a0000 "
               "95,0\u00a0% [93,5; 96,2] n = 1\u00a0000",
         "Tyytyväinen (4–5) 1,5\u00a0% [0,7; 3,2] n = 400 "
         "Ei tyytyväinen (1–3) 6,3\u00a0% [4,3; 9,1] n = 400"),
        ("sv", "Alla kunder 5,0\u00a0% [3,8; 6,5] n = 1\u00a0000 "
               "95,0\u00a0% [93,5; 96,2] n = 1\u00a0000",
         "Nöjd (4–5) 1,5\u00a0% [0,7; 3,2] n = 400 "
         "Inte nöjd (1–3) 6,3\u00a0% [4,3; 9,1] n = 400"),
    ],
)  # fmt: skip
def test_retention_has_its_interval_and_csat_churn_sits_beside_nps_churn(
    section_site: Path, lang: str, retention: str, csat: str
) -> None:
    churn = _text(section_site, lang, QUARTER, "churn")
    assert retention in churn
    assert csat in churn
    # the CSAT table follows the NPS one, and the NPS finding still reads the NPS groups only
    nps_at = churn.index({"en": "Promoter", "fi": "Suosittelija", "sv": "Rekommendatör"}[lang])
    assert nps_at < churn.index(csat)
    assert {"en": "5.0×", "fi": "5,0 kertaa niin usein", "sv": "5,0 gånger så ofta"}[lang] in churn


def test_cohort_cells_mystery_items_and_themes_carry_their_interval(section_site: Path) -> None:
    assert "90.0%[85.1, 93.5]" in _text(section_site, "en", QUARTER, "cohorts")
    mystery = _text(section_site, "en", QUARTER, "mystery")
    assert "Our weakest item this quarter: Greeting, 62.5% (95% CI [47.0, 75.8], n = 40)." in (
        mystery
    )
    assert "62.5% [47.0, 75.8] n = 40" in mystery
    themes = _text(section_site, "en", QUARTER, "themes")
    assert "15.0% [11.8, 18.8] n = 400" in themes  # share of comments
    assert "40.0% [27.6, 53.8] n = 50 −10.0 [−31.2, 12.1] n = 50" in themes
    # delivery's share is reportable (400 comments), its NPS (9 answers) is not
    assert "3.0% [1.7, 5.2] n = 400" in themes
    delivery = themes[themes.index("delivery") :]  # no seed labels here: the theme id
    assert "n < 30 n < 30" in delivery
    assert "66.7" not in themes and "55.6" not in themes


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
def test_clv_mean_has_its_interval_and_the_simple_clv_its_assumptions(
    section_site: Path, lang: str
) -> None:
    value = _text(section_site, lang, QUARTER, "value")
    if lang == "en":
        assert "All customers €200 [187, 213] n = 300 €347 [290, 421] n = 250" in value
        assert "Simple retention CLV = m × r / (1 + d − r)" in value
        assert "gross margin 1.00" in value and "(€100 for all customers)" in value
        assert "(80.0% for all customers)" in value and "3.03%" in value
    elif lang == "fi":
        assert "Kaikki asiakkaat 200\u00a0€ [187; 213] n = 300 347\u00a0€ [290; 421] n = 250" in (
            value
        )
        assert "katekerroin 1,00" in value and "3,03\u00a0%" in value
    if lang == "sv":
        assert "Alla kunder 200\u00a0€ [187; 213] n = 300 347\u00a0€ [290; 421] n = 250" in value
        assert "bruttomarginalen 1,00" in value and "(100\u00a0€ för alla kunder)" in value


def test_simple_clv_is_left_out_without_churn_events(tmp_path: Path) -> None:
    warehouse = _write_warehouse(tmp_path / "warehouse.duckdb", _fixture_rows())
    _loaded(warehouse, "crm_customers", "crm_orders")
    _insert(
        warehouse,
        "mart_customer_clv__segment",
        [
            {"segment": "all", "n_customers": 300, "mean_clv": 200.0, "clv_ci_low": 186.84,
             "clv_ci_high": 213.16, "horizon_months": 12, "value_model": "gamma_gamma",
             "is_reportable": True, "retention_n_customers": 250,
             "quarterly_retention_pct": 100.0, "margin_per_customer_quarter": 100.0,
             "clv_margin": 1.0, "quarterly_discount_rate": 0.030301, "simple_clv": 3300.3,
             "simple_clv_ci_low": 3000.0, "simple_clv_ci_high": 3300.3,
             "simple_clv_is_reportable": True},
        ],
    )  # fmt: skip
    render_reports(warehouse, tmp_path / "out", quarters=[QUARTER])
    value = _text(tmp_path / "out", "en", QUARTER, "value")
    assert "€200 [187, 213] n = 300" in value
    assert "Simple retention CLV" not in value and "3,300" not in value
