"""Targets (issue 19, "start from the goal"): the report's verdict rule on hand-made rows, and on
the sample the planted support NPS target of 2025-Q2 found missed — in the mart, with the scores
mart's own numbers, and in the en and fi Targets blocks (docs/metrics.md, "Targets")."""

from __future__ import annotations

import re

import pytest
from test_reports import _between, visible_text

from orchestration.lib import dimensions
from reports.cells import DECIMALS
from reports.data import SectionData
from reports.formatting import format_interval, format_number
from reports.language import load_locale
from reports.publish import PAGE
from reports.sections.targets import card_target, targets_block, verdict

QUARTER = "2025-Q2"


def _row(**kw) -> dict:
    row = {
        "quarter": QUARTER,
        "metric": "nps",
        "scope_type": "all",
        "scope_value": None,
        "segment": "all",
        "touchpoint": "all",
        "period": QUARTER,
        "evaluated_on": "quarter",
        "target": 10.0,
        "score": 16.7,
        "ci_low": 14.5,
        "ci_high": 18.9,
        "n": 40,
        "is_reportable": True,
        "verdict": "met",
        "missed_beyond_interval": False,
    }
    return row | kw


# --- the report's rule, on hand-made rows -----------------------------------------------------


def test_a_score_the_page_may_not_show_has_no_verdict() -> None:
    """The mart's verdict stands at its own min n; a stricter renderer min n makes it
    'not measurable' and the block shows 'n < 50', never the score."""
    met = _row(n=40)
    assert verdict(met, 30) == "met"
    assert verdict(met, 50) == "not_measurable"
    assert verdict(_row(verdict="missed", missed_beyond_interval=True), 30) == "missed_beyond"
    assert verdict(_row(verdict="missed", score=9.0, ci_high=12.0), 30) == "missed"
    assert verdict(_row(verdict="not_measurable", is_reportable=False, n=12), 30) == (
        "not_measurable"
    )
    en = load_locale("en")
    (item,) = targets_block(SectionData({"targets": [met]}), QUARTER, en, 50)
    assert (item["score"], item["verdict_text"]) == ("n < 50", "not measurable")


def test_block_lists_quarter_targets_first_all_customers_first() -> None:
    rows = [
        _row(metric="nps", scope_type="touchpoint", touchpoint="support", scope_value="support",
             verdict="missed", missed_beyond_interval=True, score=-33.4, ci_low=-37.7,
             ci_high=-28.9, n=1027),
        _row(metric="nps", period="2025", evaluated_on="year_to_date", score=24.0, n=9609),
        _row(metric="csat", target=70.0, score=76.6, ci_low=75.4, ci_high=77.8, n=4768),
        _row(quarter="2025-Q1"),
    ]  # fmt: skip
    en, fi = load_locale("en"), load_locale("fi")
    block = targets_block(SectionData({"targets": rows}), QUARTER, en, 30)
    assert [(i["metric"], i["touchpoint"], i["period"], i["verdict"]) for i in block] == [
        ("csat", "all", QUARTER, "met"),
        ("nps", "support", QUARTER, "missed_beyond"),
        ("nps", "all", "2025", "met"),
    ]
    assert block[1]["name"] == "NPS, Customer support (touchpoint)"
    assert block[1]["score"] == "−33.4 (95% CI [−37.7, −28.9], n = 1,027)"
    assert block[1]["verdict_text"] == "missed: the whole interval lies below the target"
    assert block[2]["name"] == "NPS, All customers (year 2025 to date, through 2025-Q2)"
    fi_block = targets_block(SectionData({"targets": rows}), QUARTER, fi, 30)
    assert fi_block[1]["score"] == "−33,4 (95\u00a0%:n LV [−37,7; −28,9], n = 1\u00a0027)"
    assert fi_block[1]["verdict_text"] == "ei saavutettu: koko luottamusväli jää tavoitteen alle"
    # The cards: the all-customers quarter target of the score, not a year target.
    assert card_target(SectionData({"targets": rows}), QUARTER, "csat", en, 30) == {
        "verdict": "met",
        "text": "Target 70.0%: met",
    }
    assert card_target(SectionData({"targets": rows[:2]}), QUARTER, "nps", en, 30) is None
    assert targets_block(SectionData({"targets": []}), QUARTER, en, 30) == []


# --- on the sample ----------------------------------------------------------------------------

SUPPORT_KEY = "nps|touchpoint|support|2025-Q2"


def test_targets_sheet_loads_six_targets_and_quarantines_its_two_bad_rows(mart) -> None:
    assert mart.execute(
        "select rows_read, rows_loaded, rows_quarantined from ops.load_audit "
        "where source = 'targets'"
    ).fetchall() == [(8, 6, 2)]
    assert mart.execute(
        "select line, reason from ops.quarantine where source = 'targets' order by line"
    ).fetchall() == [
        (8, 'metric not one of nps/csat/ces/cls: "loyalty"'),
        (9, 'unparseable period: "Q3/2025" (accepted: a quarter as 2025-Q2 or a year as 2025)'),
    ]
    # 5 quarter targets, one row each; the year target in each of its 4 quarters.
    assert mart.execute(
        "select evaluated_on, count(*) from marts.mart_cx_targets__quarter group by 1 order by 1"
    ).fetchall() == [("quarter", 5), ("year_to_date", 4)]


def test_the_planted_support_target_is_missed_with_the_scores_marts_numbers(mart) -> None:
    target = mart.execute(
        "select quarter, segment, touchpoint, n, score, ci_low, ci_high, target, verdict, "
        "missed_beyond_interval from marts.mart_cx_targets__quarter where target_key = ?",
        [SUPPORT_KEY],
    ).fetchall()
    scores = mart.execute(
        "select n_nps, nps, nps_ci_low, nps_ci_high from marts.mart_cx_scores__quarter "
        "where quarter = ? and segment = 'all' and touchpoint = 'support'",
        [QUARTER],
    ).fetchall()
    ((quarter, segment, touchpoint, n, score, low, high, goal, got, beyond),) = target
    assert (quarter, segment, touchpoint, goal) == (QUARTER, "all", "support", 10.0)
    assert [(n, score, low, high)] == scores
    assert n >= 400 and score < 0 and high < goal  # the collapse, beyond doubt
    assert (got, beyond) == ("missed", True)


def test_every_verdict_follows_the_rule(mart) -> None:
    rows = mart.execute(
        "select score, ci_high, target, is_reportable, verdict, missed_beyond_interval "
        "from marts.mart_cx_targets__quarter"
    ).fetchall()
    for score, high, goal, ok, got, beyond in rows:
        expected = "not_measurable" if not ok else "met" if score >= goal else "missed"
        assert (got, beyond) == (expected, expected == "missed" and high < goal)


def test_the_year_target_at_q4_is_the_pooled_annual_nps(mart) -> None:
    q4 = mart.execute(
        "select n, score, ci_low, ci_high, is_whole_period from marts.mart_cx_targets__quarter "
        "where target_key = 'nps|all|all|2025' and quarter = '2025-Q4'"
    ).fetchall()
    year = mart.execute(
        "select n_nps, nps, nps_ci_low, nps_ci_high, true from marts.mart_cx_scores__year "
        "where year = 2025 and segment = 'all' and touchpoint = 'all'"
    ).fetchall()
    assert q4 == year


@pytest.mark.parametrize("lang", ["en", "fi"])
def test_the_reports_targets_block_shows_the_missed_support_target(
    pipeline, mart, lang: str
) -> None:
    loc = load_locale(lang)
    html = (pipeline.reports / lang / QUARTER / PAGE).read_text(encoding="utf-8")
    summary = _between(html, '<section aria-labelledby="summary"', "</section>")
    block = _between(summary, '<div class="targets">', "</div>")
    # At the top of the summary: before the headline sentence.
    assert summary.index('<div class="targets">') < summary.index("summary-headline")
    items = re.findall(r'<li class="target target-(\w+)" data-metric="(\w+)"[^>]*'
                       r'data-touchpoint="(\w+)" data-period="([\w-]+)"', block)  # fmt: skip
    assert len(items) == 5  # four quarter targets of 2025-Q2 and the year target to date
    assert ("missed_beyond", "nps", "support", QUARTER) in items
    n, score, low, high = mart.execute(
        "select n, score, ci_low, ci_high from marts.mart_cx_targets__quarter where target_key = ?",
        [SUPPORT_KEY],
    ).fetchone()
    support = visible_text(_between(block, 'data-touchpoint="support"', "</li>"))
    t = loc.text
    expected = t["target_score"].format(
        value=format_number(score, DECIMALS, loc.numbers),
        interval=format_interval(low, high, DECIMALS, loc.numbers),
        n=format_number(n, 0, loc.numbers),
    )
    assert expected in support
    assert t["target_label"].format(target=format_number(10, DECIMALS, loc.numbers)) in support
    assert t["target_verdicts"]["missed_beyond"] in support
    assert t["cell_touchpoint"].format(name=dimensions.display("touchpoint", "support", lang)) in (
        support
    )
    # The headline cards carry the all-customers targets of the quarter (NPS and CSAT, met
    # on the sample or not: the marker says which).
    markers = re.findall(r'<p class="card-target target-(\w+)"', html)
    assert len(markers) == 2


def test_a_quarter_without_targets_has_no_targets_block(pipeline) -> None:
    html = (pipeline.reports / "en" / "2024-Q4" / PAGE).read_text(encoding="utf-8")
    assert '<div class="targets">' not in html and '<p class="card-target' not in html
