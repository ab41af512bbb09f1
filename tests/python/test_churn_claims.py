"""The detractor vs promoter churn sentence: claimed only on the mart's gate and interval.

Fast: the churn section on hand-made mart rows (mart_churn__score_group's columns); the mart's
own ratio, interval and gate are pinned by its dbt unit tests.
"""

from __future__ import annotations

from typing import Any

import pytest

from reports.data import SectionData
from reports.language import LANGUAGES, load_locale
from reports.sections.churn import churn_ratio_finding, churn_section


def group(name: str, n: int, lost: int, **mart: Any) -> dict[str, Any]:
    """One mart_churn__score_group row of 2025-Q2; the ratio columns as the mart gives them."""
    row = {
        "quarter": "2025-Q2", "score": "nps", "score_group": name, "active_at_start": n,
        "lost": lost, "churn_pct": 100.0 * lost / n, "churn_ci_low": None, "churn_ci_high": None,
        "is_reportable": n >= 30, "churn_ratio_vs_best_group": None, "churn_ratio_ci_low": None,
        "churn_ratio_ci_high": None, "churn_ratio_is_reportable": False,
    }  # fmt: skip
    return row | mart


def finding(det: dict[str, Any], pro: dict[str, Any], lang: str) -> str:
    return churn_ratio_finding(det, pro, load_locale(lang), 30)


@pytest.fixture(autouse=True)
def _default_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CX_CHURN_RATIO_MIN_LOST", raising=False)


# Detractors 20 of 200 vs promoters 8 of 400: 5.0 [2.24, 11.15] (the dbt unit test's values).
CLEAR = {
    "churn_ratio_vs_best_group": 5.0,
    "churn_ratio_ci_low": 2.241787056300564,
    "churn_ratio_ci_high": 11.151817443917011,
    "churn_ratio_is_reportable": True,
}


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en",
            "Customers whose last answer was a detractor churned 5.0× as often as promoters "
            "(95% CI [2.2, 11.2]): 10.0% of 200 detractors were lost against 2.0% of 400 "
            "promoters.",
        ),
        (
            "fi",
            "Asiakkaat, jotka olivat viimeisimmässä vastauksessaan arvostelijoita, poistuivat 5,0 "
            "kertaa niin usein kuin suosittelijat (95\u00a0%:n LV [2,2; 11,2]): arvostelijoista "
            "poistui 10,0\u00a0% (n = 200), suosittelijoista 2,0\u00a0% (n = 400).",
        ),
    ],
)
def test_a_clear_ratio_is_claimed_with_its_interval_and_both_rates(lang, expected) -> None:
    assert finding(group("detractor", 200, 20, **CLEAR), group("promoter", 400, 8), lang) == (
        expected
    )


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en",
            "No promoter was lost in the quarter, so a detractor vs promoter churn ratio cannot "
            "be given: detractors churned 5.0% (n = 200), promoters 0.0% (n = 400).",
        ),
        (
            "fi",
            "Yksikään suosittelija ei poistunut neljänneksellä, joten arvostelijoiden ja "
            "suosittelijoiden poistumien suhdetta ei voi laskea: arvostelijoista poistui "
            "5,0\u00a0% (n = 200), suosittelijoista 0,0\u00a0% (n = 400).",
        ),
    ],
)
def test_no_promoter_lost_says_so_instead_of_blaming_n(lang, expected) -> None:
    """Both groups are far above n = 30: the old sentence "a group has n < 30" was false."""
    text = finding(group("detractor", 200, 10), group("promoter", 400, 0), lang)
    assert text == expected
    assert "n < 30" not in text


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en",
            "The detractor vs promoter churn ratio is not shown: it needs at least 5 lost "
            "customers in each group, and 21 detractors and 3 promoters were lost. Churn: "
            "detractors 4.4% (n = 479), promoters 0.2% (n = 1,359).",
        ),
        (
            "fi",
            "Arvostelijoiden ja suosittelijoiden poistumien suhdetta ei näytetä: se edellyttää "
            "vähintään 5 poistunutta asiakasta kummassakin ryhmässä, ja poistuneita "
            "arvostelijoita oli 21 ja suosittelijoita 3. Poistuma: arvostelijat 4,4\u00a0% "
            "(n = 479), suosittelijat 0,2\u00a0% (n = 1\u00a0359).",
        ),
    ],
)
def test_too_few_lost_customers_give_no_ratio_however_many_were_at_risk(lang, expected) -> None:
    # 21 of 479 vs 3 of 1 359 is a ratio of 19.9 with an interval from about 6 to 66: the
    # old page printed "churned 19.9× as often" because both groups had n ≥ 30.
    det = group(
        "detractor", 479, 21, churn_ratio_vs_best_group=19.86, churn_ratio_ci_low=5.97,
        churn_ratio_ci_high=66.1, churn_ratio_is_reportable=False,
    )  # fmt: skip
    assert finding(det, group("promoter", 1359, 3), lang) == expected


def test_the_lost_minimum_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CX_CHURN_RATIO_MIN_LOST", "12")
    text = finding(group("detractor", 479, 21), group("promoter", 1359, 3), "en")
    assert "it needs at least 12 lost customers in each group" in text


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en",
            "Customers whose last answer was a detractor churned 3.0% (n = 300) and promoters "
            "2.0% (n = 400): a ratio of 1.5 (95% CI [0.8, 2.8]), which does not rule out equal "
            "churn.",
        ),
        (
            "fi",
            "Asiakkaista, jotka olivat viimeisimmässä vastauksessaan arvostelijoita, "
            "poistui 3,0\u00a0% (n = 300) ja suosittelijoista 2,0\u00a0% (n = 400). "
            "Poistumien suhde 1,5 (95\u00a0%:n LV [0,8; 2,8]) ei sulje pois sitä, "
            "että ryhmien poistuma on yhtä suuri.",
        ),
    ],
)
def test_a_ratio_whose_interval_reaches_one_is_not_called_n_times_as_often(lang, expected) -> None:
    det = group(
        "detractor", 300, 9, churn_ratio_vs_best_group=1.5, churn_ratio_ci_low=0.79,
        churn_ratio_ci_high=2.84, churn_ratio_is_reportable=True,
    )  # fmt: skip
    assert finding(det, group("promoter", 400, 8), lang) == expected


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_small_group_is_still_blamed_on_n(lang) -> None:
    loc = load_locale(lang)
    expected = loc.text["churn_ratio_suppressed"].format(min_n="30")
    assert finding(group("detractor", 25, 9), group("promoter", 400, 8), lang) == expected
    assert finding(group("detractor", 200, 20, **CLEAR), None, lang) == expected


def test_the_section_builds_the_sentence_from_the_churn_groups_rows() -> None:
    rows = [group("detractor", 200, 20, **CLEAR), group("promoter", 400, 8)]
    section = churn_section(SectionData({"churn_groups": rows}), "2025-Q2", load_locale("en"), 30)
    assert section is not None
    assert section["finding"].startswith("Customers whose last answer was a detractor churned 5.0×")
