"""Strategic research (issue 19): stated expectations (importance_<name>) beside the drivers'
performance ratings, by respondent group — the loader, the suites, the report section on
hand-made rows, and on the sample the planted gap (potential customers expect a faster
response than current customers get) found in the mart and in the en and fi reports
(docs/metrics.md, "Respondent groups" and "Expectations vs today")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import NO_SCORE
from test_loader import write
from test_reports import _between, visible_text

from orchestration.defs.ingest.expectations import SUITES, validate
from orchestration.defs.ingest.loader import load_source
from orchestration.defs.ingest.sources import SURVEY_RESPONSES
from orchestration.lib import dimensions
from reports.cells import DECIMALS
from reports.data import SectionData
from reports.formatting import format_number
from reports.language import load_locale
from reports.publish import PAGE
from reports.sections.expectations import expectations_section

QUARTER = "2025-Q4"
HEADER = (
    "response_id,customer_id,survey,responded_at,nps_score,driver_service,importance_service,"
    "Importance Price,respondent_group\n"
)


# --- the loader and the suites ----------------------------------------------------------------


def test_importance_columns_load_beside_the_drivers_and_bad_ratings_are_quarantined(
    con, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    write(
        inbox,
        "survey_responses/strategic.csv",
        HEADER
        + "R1,C1,strategic,2025-04-01,,3,5,4,\n"  # ratings only: no NPS needed
        + "R2,P1,strategic,2025-04-01,,,4,,Potential\n"  # a stated group, any letter case
        + "R3,C2,strategic,2025-04-01,,,6,,\n"  # importance out of range
        + "R4,C3,strategic,2025-04-01,,,x,2,\n"  # not an integer
        + "R5,C4,strategic,2025-04-01,,,,,lead\n"  # an unknown group, and no score at all
        + "R6,C5,strategic,2025-04-01,8,,,,\n",
    )
    (file,) = load_source(con, SURVEY_RESPONSES, inbox).files
    assert (file.rows_read, file.rows_loaded, file.rows_quarantined) == (6, 3, 3)
    assert con.execute("select line, reason from ops.quarantine order by line").fetchall() == [
        (4, 'importance_service out of range 1-5: "6"'),
        (5, 'importance_service is not an integer: "x" (accepted: a whole number from 1 to 5)'),
        (6, 'respondent_group not one of current/former/potential: "lead"; ' + NO_SCORE),
    ]
    assert con.execute(
        "select response_id, name, score from raw.survey_importance_scores order by 1, 2"
    ).fetchall() == [("R1", "price", 4), ("R1", "service", 5), ("R2", "service", 4)]
    assert con.execute(
        "select response_id, name, score from raw.survey_driver_scores"
    ).fetchall() == [("R1", "service", 3)]
    assert con.execute(
        "select response_id, respondent_group from raw.survey_responses order by 1"
    ).fetchall() == [("R1", None), ("R2", "potential"), ("R6", None)]


def test_a_survey_without_importance_columns_loads_no_importance_rows(con, tmp_path) -> None:
    inbox = tmp_path / "inbox"
    write(
        inbox,
        "survey_responses/plain.csv",
        "response_id,responded_at,nps_score,driver_ease\nR1,2025-04-01,9,4\nR2,2025-04-02,7,\n",
    )
    (file,) = load_source(con, SURVEY_RESPONSES, inbox).files
    assert (file.rows_loaded, file.rows_quarantined) == (2, 0)
    assert con.execute("select extra_columns from ops.load_audit").fetchone() == (None,)
    assert con.execute("select count(*) from raw.survey_importance_scores").fetchone() == (0,)
    assert con.execute("select count(*) from raw.survey_driver_scores").fetchone() == (1,)


def test_the_importance_table_has_its_own_suite_with_the_1_to_5_range(con, tmp_path) -> None:
    suite = {e.label: e for e in SUITES["survey_importance_scores"]}
    between = [e for e in suite.values() if e.kind == "ExpectColumnValuesToBeBetween"]
    assert [(e.kwargs["column"], e.kwargs["min_value"], e.kwargs["max_value"], e.blocking)
            for e in between] == [("score", 1, 5, True)]  # fmt: skip
    # A rating the loader would never write (inserted by hand) fails the blocking range, and
    # an undeclared driver name only warns, naming the dimensions seed.
    con.execute(
        "insert into raw.survey_importance_scores values "
        "('R1', 'service', 4, 1, 'f.csv', 2), ('R2', 'service', 7, 1, 'f.csv', 3), "
        "('R3', 'parking', 3, 1, 'f.csv', 4)"
    )
    outcomes = {o.expectation.kind + ":" + str(o.expectation.blocking): o
                for o in validate(con, "survey_importance_scores")}  # fmt: skip
    assert outcomes["ExpectColumnValuesToBeBetween:True"].unexpected_count == 1
    unknown = outcomes["ExpectColumnValuesToBeInSet:False"]
    assert (unknown.success, unknown.examples) == (False, ["parking"])
    assert "seeds/dimensions.csv" in unknown.expectation.hint(unknown.examples)


# --- the section, on hand-made rows ----------------------------------------------------------


def _row(**kw) -> dict:
    row = {
        "quarter": QUARTER,
        "driver": "response_time",
        "respondent_group": "current",
        "n_importance": 240,
        "importance_mean": 3.9,
        "importance_ci_low": 3.8,
        "importance_ci_high": 4.0,
        "importance_is_reportable": True,
        "n_importance_group_assumed": 0,
        "n_performance": 240,
        "performance_mean": 3.3,
        "performance_ci_low": 3.2,
        "performance_ci_high": 3.4,
        "performance_is_reportable": True,
        "gap": 0.6,
        "gap_ci_low": 0.45,
        "gap_ci_high": 0.75,
        "gap_is_significant": True,
        "current_n_performance": 240,
        "current_performance_mean": 3.3,
        "gap_vs_current": 0.6,
        "gap_vs_current_ci_low": 0.45,
        "gap_vs_current_ci_high": 0.75,
        "gap_vs_current_is_significant": True,
    }
    return row | kw


def test_section_names_the_largest_gaps_and_suppresses_small_groups() -> None:
    rows = [
        _row(),
        _row(respondent_group="potential", n_importance=120, importance_mean=4.7, gap=1.2,
             gap_ci_low=1.0, gap_ci_high=1.4, n_performance=118, performance_mean=3.5,
             gap_vs_current=1.4, gap_vs_current_ci_low=1.25, gap_vs_current_ci_high=1.55),
        # Too few former customers: left out of the chart and the findings, "n < 30" shown.
        _row(respondent_group="former", n_importance=12, importance_is_reportable=False,
             importance_mean=4.9, gap=2.0, gap_vs_current=1.6),
        _row(driver="price", importance_mean=3.6, gap=0.1, gap_ci_low=-0.1, gap_ci_high=0.3,
             gap_is_significant=False, gap_vs_current=0.1, gap_vs_current_is_significant=False),
    ]  # fmt: skip
    en = load_locale("en")
    section = expectations_section(SectionData({"expectations": rows}), QUARTER, en, 30)
    assert section is not None
    assert section["gaps"] == [
        "Speed of response, Potential customers: expectation 4.7 (n = 120), today 3.5 "
        "(n = 118), gap +1.2 (95% CI [1.0, 1.4]).",
        "Speed of response, Current customers: expectation 3.9 (n = 240), today 3.3 (n = 240), "
        "gap +0.6 (95% CI [0.5, 0.8]).",
    ]
    assert section["not_got"] == [
        "Speed of response: Potential customers expect 4.7 (n = 120); Current customers rate it "
        "3.3 today (n = 240); gap +1.4 (95% CI [1.3, 1.6])."
    ]
    former = [r for r in section["table"] if r["group_code"] == "former"]
    assert [r["importance"]["value"] for r in former] == ["n < 30"]
    assert section["chart_svg"].count('class="expectation"') == 3  # 4 rows, 1 suppressed
    assert "Former customers" not in section["chart_svg"].split("</g>", 1)[1]
    assert section["fallback"] == ""
    assert expectations_section(SectionData({"expectations": rows}), "2025-Q3", en, 30) is None


def test_section_states_the_fallback_when_no_crm_told_the_groups_apart() -> None:
    rows = [_row(n_importance_group_assumed=240)]
    fi = load_locale("fi")
    section = expectations_section(SectionData({"expectations": rows}), QUARTER, fi, 30)
    assert section is not None
    assert section["fallback"] == fi.text["exp_groups_assumed"]
    assert "asiakasrekisterin" in section["fallback"]


# --- on the sample ----------------------------------------------------------------------------


def test_respondent_groups_of_the_sample(mart) -> None:
    """The regular programmes are answered by current customers (or anonymously); the strategic
    research survey by current, former (churned before the quarter) and potential customers
    (ids the CRM does not know)."""
    rows = mart.execute(
        "select r.survey = 'strategic', g.respondent_group, g.group_basis, count(*) "
        "from intermediate.int_survey_responses__respondent_group g "
        "join staging.stg_survey__responses r using (response_id) group by all order by all"
    ).fetchall()
    by = {(s, grp, basis): n for s, grp, basis, n in rows}
    assert {k[:2] for k in by} == {
        (False, "current"),
        (True, "current"),
        (True, "former"),
        (True, "potential"),
    }
    assert by[(True, "potential", "not_in_crm")] == 4 * 120
    assert by[(True, "current", "crm")] == 4 * 240
    assert by[(True, "former", "churned")] == 4 * 90
    assert by[(False, "current", "crm")] > 20_000


def test_the_planted_gap_is_the_largest_and_significant_in_every_2025_quarter(mart) -> None:
    rows = mart.execute(
        "select quarter, driver, respondent_group, gap_vs_current, gap_vs_current_ci_low, "
        "gap_vs_current_is_significant, importance_mean, current_performance_mean, n_importance "
        "from marts.mart_expectations__quarter order by quarter, gap_vs_current desc"
    ).fetchall()
    quarters = sorted({r[0] for r in rows})
    assert quarters == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
    for quarter in quarters:
        top = next(r for r in rows if r[0] == quarter)
        _, driver, group, gap, low, significant, importance, current, n = top
        assert (driver, group, significant) == ("response_time", "potential", True)
        assert n == 120 and importance >= 4.4 and current <= 3.5
        assert gap >= 1.0 and low > 0.7
    # Current customers' own gap on the speed of response is smaller but significant too.
    own = mart.execute(
        "select gap, gap_is_significant from marts.mart_expectations__quarter "
        "where quarter = ? and driver = 'response_time' and respondent_group = 'current'",
        [QUARTER],
    ).fetchone()
    assert own[1] is True and 0.3 <= own[0] <= 0.9


def test_potential_customers_add_nothing_to_the_score_marts(mart) -> None:
    """The strategic survey has no NPS, CSAT, CES or loyalty score: every headline count is
    what the regular programmes give, and the customer-quarter mart holds customers only."""
    assert mart.execute(
        "select count(*) from marts.fct_survey_responses "
        "where survey = 'strategic' and coalesce(nps_score, csat_score, ces_score, "
        "loyalty_score) is not null"
    ).fetchone() == (0,)
    assert mart.execute(
        "select count(*) from marts.mart_cx_scores__customer_quarter "
        "where customer_id like 'LEAD-%'"
    ).fetchone() == (0,)
    # No "unknown" touchpoint cell from the survey's answers, which name no touchpoint.
    assert mart.execute(
        "select count(*) from marts.mart_cx_scores__quarter where touchpoint = 'unknown'"
    ).fetchone() == (0,)
    assert mart.execute(
        "select count(*) from marts.mart_cx_scores__survey_quarter where survey = 'strategic'"
    ).fetchone() == (0,)


@pytest.mark.parametrize("lang", ["en", "fi"])
def test_the_reports_name_the_planted_gap(pipeline, mart, lang: str) -> None:
    loc = load_locale(lang)
    html = (pipeline.reports / lang / QUARTER / PAGE).read_text(encoding="utf-8")
    # After the key drivers, before the pain points.
    assert html.index('id="drivers"') < html.index('id="expectations"') < html.index('id="themes"')
    section = _between(html, '<section aria-labelledby="expectations"', "</section>")
    not_got = _between(section, '<ul class="findings exp-not-got">', "</ul>")
    first = visible_text(re.findall(r"<li>(.*?)</li>", not_got, re.S)[0]).strip()
    speed = dimensions.display("driver", "response_time", lang)
    potential = dimensions.display("respondent_group", "potential", lang)
    current = dimensions.display("respondent_group", "current", lang)
    # The planted effect, first: potential customers expect a faster response than current
    # customers get, with the mart's numbers.
    assert first.startswith(f"{speed}: {potential}") and current in first
    assert speed == {"en": "Speed of response", "fi": "Vastausnopeus"}[lang]
    importance, current_today, n = mart.execute(
        "select importance_mean, current_performance_mean, n_importance "
        "from marts.mart_expectations__quarter where quarter = ? and driver = 'response_time' "
        "and respondent_group = 'potential'",
        [QUARTER],
    ).fetchone()
    for value in (importance, current_today):
        assert format_number(value, DECIMALS, loc.numbers) in first
    assert f"n = {n}" in first
    # The largest own gaps: the speed of response leads (potential or former customers).
    gaps = _between(section, '<ul class="findings exp-gaps">', "</ul>")
    items = [visible_text(i).strip() for i in re.findall(r"<li>(.*?)</li>", gaps, re.S)]
    assert items[0].startswith(f"{speed}, ")
    assert any(i.startswith(f"{speed}, {potential}") for i in items)
    assert loc.text["exp_heading"] in visible_text(section)
    # The chart is inline SVG (not escaped text), one ring per group shown in the quarter.
    assert section.count('<svg class="chart dumbbell"') == 1
    assert section.count('class="expectation"') == 15  # 5 drivers × 3 groups
    assert "response_time" not in visible_text(section)  # display names, never the codes
