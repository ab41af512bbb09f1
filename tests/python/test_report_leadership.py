"""The leadership parts of the quarter page on a real build: the planted effects are findings.

The sample generator plants a collapse of the support touchpoint in 2025-Q2, detractors who
churn more, and `driver_service` as the dominant driver; the executive summary, the heat maps
and the driver section must say so, with the marts' numbers.
"""

from __future__ import annotations

import re

import pytest
from test_reports import _between, visible_text

from reports.formatting import format_number
from reports.render import PAGE, load_locale

QUARTER = "2025-Q2"


def _html(pipeline, lang: str, quarter: str = QUARTER) -> str:
    return (pipeline.reports / lang / quarter / PAGE).read_text(encoding="utf-8")


@pytest.mark.parametrize("lang", ["en", "fi"])
def test_summary_names_the_support_collapse_with_the_mart_numbers(pipeline, mart, lang) -> None:
    change, z, nps, prev_quarter = mart.execute(
        "select nps_change, nps_change_z, nps, previous_quarter "
        "from marts.mart_cx_scores__quarter "
        "where quarter = ? and segment = 'all' and touchpoint = 'support'",
        [QUARTER],
    ).fetchall()[0]
    assert change < -30 and z < -1.96  # the planted effect is in the mart
    loc = load_locale(lang)
    summary = _between(_html(pipeline, lang), 'id="summary"', "</section>")
    pattern = (
        r'<li class="mover mover-(\w+)" data-touchpoint="([^"]+)" data-segment="([^"]+)" '
        r'data-metric="(\w+)" data-kind="(\w+)">(.*?)</li>'
    )
    found = re.findall(pattern, summary, re.S)
    # (direction, touchpoint, metric, kind, text), the segment kept aside for uniqueness
    movers = [(d, tp, m, k, text) for d, tp, _, m, k, text in found]
    # The collapse leads the list (vs the previous quarter or a year earlier, whichever z is
    # larger), and the quarter-on-quarter line is there with the mart's numbers.
    assert movers[0][:3] == ("down", "support", "nps")
    support = [m for m in movers if m[:4] == ("down", "support", "nps", "previous")]
    assert len(support) == 1
    text = visible_text(support[0][4])
    assert format_number(abs(change), 1, loc.numbers) in text
    assert format_number(nps, 1, loc.numbers) in text
    assert format_number(z, 2, loc.numbers) in text
    assert prev_quarter == "2025-Q1" and "2025-Q1" in text
    assert len(movers) <= 5
    # one line per cell and comparison
    assert len({(f[1], f[2], f[4]) for f in found}) == len(found)


@pytest.mark.parametrize("lang", ["en", "fi"])
def test_summary_repeats_the_detractor_churn_finding(pipeline, mart, lang) -> None:
    (ratio,) = mart.execute(
        "select churn_ratio_vs_best_group from marts.mart_churn__score_group "
        "where quarter = ? and score = 'nps' and score_group = 'detractor'",
        [QUARTER],
    ).fetchall()[0]
    assert ratio >= 2.0
    loc = load_locale(lang)
    summary = visible_text(_between(_html(pipeline, lang), 'id="summary"', "</section>"))
    expected = loc.text["churn_ratio_finding"].format(ratio=format_number(ratio, 1, loc.numbers))
    assert expected in summary


def test_summary_headline_has_band_interval_and_benchmarks(pipeline, mart) -> None:
    nps, low, high, band = mart.execute(
        "select nps, nps_ci_low, nps_ci_high, nps_band from marts.mart_cx_scores__quarter "
        "where quarter = ? and segment = 'all' and touchpoint = 'all'",
        [QUARTER],
    ).fetchall()[0]
    expected_band = "needs_work" if nps < 0 else "good" if nps < 30 else "excellent"
    assert band == expected_band
    summary = visible_text(_between(_html(pipeline, "en"), 'id="summary"', "</section>"))
    assert f"NPS {nps:.1f} (95 % CI {low:.1f}–{high:.1f}" in summary
    assert load_locale("en").text["nps_bands"][band] in summary
    assert "media 24 (Retently 2021)" in summary


def test_heat_map_shows_every_cell_and_suppresses_small_ones(pipeline, mart) -> None:
    rows = mart.execute(
        "select segment, touchpoint, nps, n_nps, is_reportable from marts.mart_cx_scores__quarter "
        "where quarter = ? and segment <> 'all' and touchpoint <> 'all'",
        [QUARTER],
    ).fetchall()
    segments = {r[0] for r in rows}
    touchpoints = {r[1] for r in rows}
    heat = _between(_html(pipeline, "en"), 'id="heatmap"', "</section>")
    cells = re.findall(r'<td class="heat heat-(\w+)"( style="[^"]*")?>([^<]*)</td>', heat)
    assert len(cells) == len(segments) * len(touchpoints)
    shown = [c for c in cells if c[0] == "ok"]
    expected_ok = [r for r in rows if r[4] and r[3] >= 30]
    assert len(shown) == len(expected_ok)
    assert all(c[1] for c in shown) and not any(c[1] for c in cells if c[0] != "ok")
    suppressed = [c for c in cells if c[0] == "suppressed"]
    assert len(suppressed) == len(rows) - len(expected_ok)
    assert all(c[2] == "n &lt; 30" for c in suppressed)
    numbers = load_locale("en").numbers
    assert sorted(c[2] for c in shown) == sorted(
        format_number(r[2], 1, numbers) for r in expected_ok
    )


def test_cohort_heat_map_shows_what_was_known_at_quarter_end(pipeline, mart) -> None:
    html = _html(pipeline, "en")
    cohorts = _between(html, 'id="cohorts"', "</section>")
    names = re.findall(r'<th scope="row">(\d{4}-Q\d)</th>', cohorts)
    assert names == sorted(names) and len(names) == 8
    assert names[-1] == QUARTER
    (value,) = mart.execute(
        "select retention_pct from marts.mart_retention__cohort "
        "where cohort = ? and quarters_since_start = 1",
        [names[0]],
    ).fetchall()[0]
    first_row = _between(cohorts, f'<th scope="row">{names[0]}</th>', "</tr>")
    assert format_number(value, 1, load_locale("en").numbers) + "%" in visible_text(first_row)
    # nothing after the report's quarter: the newest cohort has only its first quarter
    last_row = _between(cohorts, f'<th scope="row">{QUARTER}</th>', "</tr>")
    assert last_row.count('class="heat heat-ok"') == 1


def test_methodology_states_freshness_and_quarantine(pipeline, mart) -> None:
    read, loaded, quarantined = mart.execute(
        "select rows_read, rows_loaded, rows_quarantined from marts.mart_pipeline__loads "
        "where source = 'all'"
    ).fetchall()[0]
    assert read == loaded + quarantined and quarantined > 0
    notes = visible_text(_between(_html(pipeline, "en"), 'id="methodology"', "</section>"))
    assert f"{read:,} rows read = {loaded:,} loaded + {quarantined:,} quarantined" in notes
