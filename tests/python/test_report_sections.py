"""The quarter page's churn, value, mystery-shopping and lost-deals sections on a real build."""

from __future__ import annotations

import pytest
from test_reports import visible_text

from reports.formatting import format_interval, format_number, format_percent
from reports.language import load_locale
from reports.publish import PAGE

QUARTER = "2025-Q2"


def _page(pipeline, lang: str) -> str:
    html = (pipeline.reports / lang / QUARTER / PAGE).read_text(encoding="utf-8")
    return visible_text(html)


@pytest.mark.parametrize("lang", ["en", "fi"])
def test_churn_pct_of_all_customers_is_shown_with_n(pipeline, mart, lang: str) -> None:
    churn, n = mart.execute(
        "select churn_pct, active_at_start from marts.mart_churn__quarter_segment "
        "where quarter = ? and segment = 'all'",
        [QUARTER],
    ).fetchone()
    loc = load_locale(lang)
    text = _page(pipeline, lang)
    expected = format_percent(churn, 1, loc.numbers)
    n_text = loc.text["n_label"].format(n=format_number(n, 0, loc.numbers))
    assert f"{loc.text['all_customers']} {expected}" in text
    assert n_text in text


def expected_churn_finding(mart, quarter: str, lang: str) -> str:
    """The detractor churn sentence written from the mart's rows, which must allow the claim."""
    rows = mart.execute(
        "select score_group, active_at_start, lost, churn_pct, churn_ratio_vs_best_group, "
        "churn_ratio_ci_low, churn_ratio_ci_high, churn_ratio_is_reportable "
        "from marts.mart_churn__score_group where quarter = ? and score = 'nps' "
        "and score_group in ('detractor', 'promoter')",
        [quarter],
    ).fetchall()
    det, pro = (next(r for r in rows if r[0] == g) for g in ("detractor", "promoter"))
    # The planted effect: both groups lost enough customers and the interval lies above 1.
    assert det[7] is True and pro[2] >= 5 and det[2] >= 5 and det[5] > 1
    loc = load_locale(lang)
    numbers = loc.numbers
    return loc.text["churn_ratio_finding"].format(
        ratio=format_number(det[4], 1, numbers),
        ci=loc.text["ci_label"].format(interval=format_interval(det[5], det[6], 1, numbers)),
        det_rate=format_percent(det[3], 1, numbers),
        det_n=format_number(det[1], 0, numbers),
        pro_rate=format_percent(pro[3], 1, numbers),
        pro_n=format_number(pro[1], 0, numbers),
    )


@pytest.mark.parametrize("lang", ["en", "fi"])
def test_detractor_vs_promoter_sentence_uses_the_mart_ratio(pipeline, mart, lang: str) -> None:
    assert expected_churn_finding(mart, QUARTER, lang) in _page(pipeline, lang)


def test_mystery_shopping_names_our_weakest_item(pipeline, mart) -> None:
    item, score = mart.execute(
        "select item, score_pct from marts.mart_mystery_shopping__item_scores "
        "where quarter = ? and is_our_brand and channel = 'all' and location = 'all' "
        "and weakness_rank = 1",
        [QUARTER],
    ).fetchone()
    loc = load_locale("en")
    name = loc.text["ms_items"].get(item, item)
    text = _page(pipeline, "en")
    assert f"Our weakest item this quarter: {name}, {format_percent(score, 1, loc.numbers)}" in (
        text
    )
    assert f"{name} {loc.text['ms_weakest']}" in text


@pytest.mark.parametrize("lang", ["en", "fi"])
def test_it_was_not_the_price_share_is_shown_as_formatted(pipeline, mart, lang: str) -> None:
    pct, n, reportable = mart.execute(
        "select price_not_real_pct, n_stated_price_interviewed, is_reportable "
        "from marts.mart_lost_deals__price_claims where quarter = ? and competitor = 'all'",
        [QUARTER],
    ).fetchone()
    loc = load_locale(lang)
    text = _page(pipeline, lang)
    if reportable:
        assert format_percent(pct, 1, loc.numbers) in text
        assert loc.text["n_label"].format(n=format_number(n, 0, loc.numbers)) in text
    else:
        assert loc.text["ld_price_suppressed"].format(status="n < 30") in text
