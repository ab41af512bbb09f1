"""The leadership parts of the quarter page on a real build: the planted effects are findings.

The sample generator plants a collapse of the support touchpoint in 2025-Q2, detractors who
churn more, and `driver_service` as the dominant driver; the executive summary, the heat maps
and the driver section must say so, with the marts' numbers.
"""

from __future__ import annotations

import re

import pytest
from test_report_sections import churn_sentence
from test_reports import _between, visible_text

from orchestration.lib import dimensions
from reports.formatting import format_interval, format_number
from reports.language import load_locale
from reports.publish import PAGE

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
        r'data-survey-type="(\w+)" data-survey="(\w+)" data-metric="(\w+)" data-kind="(\w+)">'
        r"(.*?)</li>"
    )
    found = re.findall(pattern, summary, re.S)
    # (direction, touchpoint, metric, kind, text), the segment and survey kept aside for uniqueness
    movers = [(d, tp, m, k, text) for d, tp, _, _, _, m, k, text in found]
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
    assert len({(f[1], f[2], f[3], f[4], f[6]) for f in found}) == len(found)


@pytest.mark.parametrize("lang", ["en", "fi"])
@pytest.mark.parametrize(
    ("quarter", "key"), [("2024-Q3", "churn_ratio_finding"), ("2025-Q2", "churn_ratio_few_lost")]
)
def test_summary_repeats_the_detractor_churn_finding(pipeline, mart, lang, quarter, key) -> None:
    """The summary repeats the churn section's sentence. In 2025-Q2 the test sample lost 16
    detractors and 3 promoters: a ratio of 16 that the old summary printed as a finding."""
    (ratio,) = mart.execute(
        "select churn_ratio_vs_best_group from marts.mart_churn__score_group "
        "where quarter = ? and score = 'nps' and score_group = 'detractor'",
        [quarter],
    ).fetchall()[0]
    assert ratio >= 2.0
    summary = visible_text(_between(_html(pipeline, lang, quarter), 'id="summary"', "</section>"))
    assert churn_sentence(mart, quarter, lang, key) in summary


def test_movers_are_per_survey_type_never_the_pooled_figure(pipeline, mart) -> None:
    """The sample asks relationship and transactional surveys: the pooled all-customers cell
    is no candidate; each survey type's NPS change is a headline test, and the programmes of
    the transactional type are candidates — the post-service collapse of 2025-Q2 is found."""
    pooled = mart.execute(
        "select count(*) from marts.mart_cx_movers__quarter "
        "where segment = 'all' and touchpoint = 'all' and survey_type = 'all'"
    ).fetchone()[0]
    assert pooled == 0
    headlines = mart.execute(
        "select survey_type, survey, count(*) from marts.mart_cx_movers__quarter "
        "where quarter = ? and is_headline group by all order by all",
        [QUARTER],
    ).fetchall()
    assert headlines == [("relationship", "all", 2), ("transactional", "all", 2)]
    change, z, p_adjusted, nps, n = mart.execute(
        "select change, change_z, p_adjusted, value, n from marts.mart_cx_movers__quarter "
        "where quarter = ? and survey = 'post_service' and metric = 'nps' "
        "and comparison = 'previous'",
        [QUARTER],
    ).fetchone()
    assert change < -30 and p_adjusted < 0.001
    for lang in ("en", "fi"):
        loc = load_locale(lang)
        summary = _between(_html(pipeline, lang), 'id="summary"', "</section>")
        assert 'data-touchpoint="all" data-segment="all" data-survey-type="all"' not in summary
        line = re.search(
            r'data-survey-type="transactional" data-survey="post_service" data-metric="nps" '
            r'data-kind="previous">(.*?)</li>',
            summary,
            re.S,
        )
        assert line is not None, lang
        text = visible_text(line.group(1))
        assert text.lstrip("▲▼ ").startswith(dimensions.display("survey", "post_service", lang))
        assert format_number(abs(change), 1, loc.numbers) in text
        assert format_number(nps, 1, loc.numbers) in text


def test_summary_headlines_each_survey_type_with_band_interval_and_benchmarks(
    pipeline, mart
) -> None:
    """The sample asks relationship and transactional surveys: the summary headlines each type
    with its own NPS from mart_cx_scores__survey_quarter, and never the pooled figure."""
    rows = mart.execute(
        "select survey_type, nps, nps_ci_low, nps_ci_high, nps_band "
        "from marts.mart_cx_scores__survey_quarter "
        "where quarter = ? and survey = 'all'",
        [QUARTER],
    ).fetchall()
    by_type = {r[0]: r[1:] for r in rows}
    assert set(by_type) == {"all", "relationship", "transactional"}
    pooled = mart.execute(
        "select nps from marts.mart_cx_scores__quarter "
        "where quarter = ? and segment = 'all' and touchpoint = 'all'",
        [QUARTER],
    ).fetchall()[0][0]
    assert by_type["all"][0] == pooled
    summary = visible_text(_between(_html(pipeline, "en"), 'id="summary"', "</section>"))
    bands = load_locale("en").text["nps_bands"]
    for kind, name in (("relationship", "Relationship"), ("transactional", "Transactional")):
        nps, low, high, band = by_type[kind]
        assert f"{name} surveys: NPS {nps:.1f} (95 % CI {low:.1f}–{high:.1f}".replace(
            "-", "−"
        ) in summary.replace("-", "−")
        assert bands[band] in summary
    assert f"NPS {pooled:.1f} (95 % CI" not in summary
    assert "never pooled into one figure" in summary
    assert "media 24 (Retently 2021)" in summary
    # The benchmarks' industries and sources in each edition's language (seeds/nps_benchmarks).
    for lang, items in (
        ("fi", ("media-ala 24 (Retently 2021)", "ulkomainosyhtiö 74 (yhtiön raportti 2021)")),
        ("sv", ("mediebranschen 24 (Retently 2021)", "utomhusmedieföretag 74 (företagsrapport")),
    ):
        edition = visible_text(_between(_html(pipeline, lang), 'id="summary"', "</section>"))
        assert all(item in edition for item in items), (lang, edition)
        assert "outdoor media company" not in edition


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
    # The quarter the last file changed was rendered after it: its note has the final counts.
    notes = visible_text(
        _between(_html(pipeline, "en", "2025-Q4"), 'id="methodology"', "</section>")
    )
    assert f"{read:,} rows read = {loaded:,} loaded + {quarantined:,} quarantined" in notes
    # A quarter whose figures the last file did not change kept its page, and its note the
    # counts of the data its figures come from (fewer rows, one file fewer).
    earlier = visible_text(_between(_html(pipeline, "en"), 'id="methodology"', "</section>"))
    counts = re.search(r"([\d,]+) rows read = ([\d,]+) loaded \+ ([\d,]+) quarantined", earlier)
    assert counts is not None
    assert int(counts.group(1).replace(",", "")) < read


@pytest.mark.parametrize("lang", ["en", "fi"])
def test_service_is_the_top_driver_and_first_proposal(pipeline, mart, lang) -> None:
    weight, mean, low, high, strongest = mart.execute(
        "select rescaled_weight_pct, driver_mean, rescaled_weight_ci_low, "
        "rescaled_weight_ci_high, is_strongest from marts.mart_key_drivers__quarter "
        "where quarter = ? and segment = 'all' and touchpoint = 'all' and weight_rank = 1 "
        "and driver = 'service'",
        [QUARTER],
    ).fetchall()[0]
    assert strongest is True  # the planted driver's interval clears every other one's
    loc = load_locale(lang)
    html = _html(pipeline, lang)
    drivers = visible_text(_between(html, 'id="drivers"', "</section>"))
    expected = loc.text["drivers_top"].format(
        driver=dimensions.display("driver", "service", lang),
        weight=format_number(weight, 1, loc.numbers) + ("\u00a0%" if lang == "fi" else "%"),
        ci=loc.text["ci_label"].format(interval=format_interval(low, high, 1, loc.numbers)),
    )
    assert expected in drivers
    assert format_number(mean, 2, loc.numbers) in drivers
    top = mart.execute(
        "select proposal_id, driver, target_value, expected_effect "
        "from marts.mart_improvement_proposals__quarter where quarter = ? and proposal_rank = 1",
        [QUARTER],
    ).fetchall()[0]
    assert top[1] == "service" and top[2] == "support"  # the collapsed touchpoint comes first
    summary = _between(html, 'id="summary"', "</section>")
    first = re.search(r'<ol class="proposals">\s*<li data-proposal="([^"]+)">(.*?)</li>', summary)
    assert first is not None and first.group(1) == top[0]
    assert format_number(top[3], 1, loc.numbers) in visible_text(first.group(2))


def test_proposals_csv_lists_every_proposal_of_the_quarter(pipeline, mart) -> None:
    (n,) = mart.execute(
        "select count(*) from marts.mart_improvement_proposals__quarter where quarter = ?",
        [QUARTER],
    ).fetchall()[0]
    for lang in ("en", "fi"):
        path = pipeline.reports / lang / QUARTER / f"kokemus-{QUARTER}-proposals.csv"
        lines = path.read_text(encoding="utf-8").splitlines()
        assert lines[0].startswith("proposal_id,proposal_rank,quarter,target_type")
        assert len(lines) == n + 1
        assert lines[1].split(",")[1] == "1"


def test_support_reachability_is_a_pain_point_only_in_the_incident_quarter(pipeline, mart):
    share, detractor_share, change, significant = mart.execute(
        "select share_of_comments_pct, detractor_share_pct, share_change_pts, "
        "share_is_significant_change from marts.mart_themes__quarter "
        "where quarter = ? and touchpoint = 'support' and theme_id = 'support_reachability'",
        [QUARTER],
    ).fetchall()[0]
    assert detractor_share >= 50 and change > 10 and significant
    numbers = load_locale("en").numbers
    summary = _between(_html(pipeline, "en"), 'id="summary"', "</section>")
    shown = re.findall(r'<li data-theme="([^"]+)" data-touchpoint="([^"]+)">', summary)
    assert ("support_reachability", "support") in shown and len(shown) <= 3
    item = visible_text(
        _between(
            summary, '<li data-theme="support_reachability" data-touchpoint="support">', "</li>"
        )
    )
    assert format_number(share, 1, numbers) + "%" in item
    assert format_number(detractor_share, 1, numbers) + "%" in item
    assert f"Up {format_number(change, 1, numbers)} pts vs 2025-Q1, a significant rise." in item
    before = _between(_html(pipeline, "en", "2025-Q1"), 'id="summary"', "</section>")
    assert 'data-theme="support_reachability"' not in before


def test_actions_section_shows_the_support_fix_and_its_significant_effect(pipeline, mart):
    rows = mart.execute(
        "select action_id, quarter, value, baseline_value, change, change_z, is_significant "
        "from marts.mart_improvement_actions__effect "
        "where target_type = 'touchpoint' and target_value = 'support' and is_primary_metric "
        "and not is_baseline and quarter = '2025-Q3'"
    ).fetchall()
    assert len(rows) == 1
    action_id, _, value, baseline, change, z, significant = rows[0]
    assert significant and change > 0
    html = _html(pipeline, "en", "2025-Q3")
    section = _between(html, 'id="actions"', "</section>")
    row = _between(section, f'data-action="{action_id}"', "</tr>")
    assert 'class="action action-significant' in section
    numbers = load_locale("en").numbers
    text = visible_text(row)
    for number in (value, baseline):
        assert format_number(number, 1, numbers) in text
    assert format_number(z, 2, numbers) in text and "significant" in text
    # In 2025-Q2 the action was decided and done, but nothing after it is measured yet.
    q2 = _between(_html(pipeline, "en", "2025-Q2"), 'id="actions"', "</section>")
    q2_row = visible_text(_between(q2, f'data-action="{action_id}"', "</tr>"))
    assert "no answers yet from the quarters after it" in q2_row


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_no_dimension_code_is_visible_where_the_seed_has_a_display_name(pipeline, lang) -> None:
    """The Finnish and Swedish pages name touchpoints, segments, surveys, channels and drivers
    the way the seed does: no code (`support`, `smb`) appears as text, SVG titles included.
    Customers' own comments (the verbatim quotes) may say anything and are left out."""
    codes = {
        v.value
        for dimension in ("touchpoint", "segment", "survey", "channel", "driver", "churn_reason")
        for v in dimensions.load()[dimension]
        # A name that is the code itself (sv "Service") is no code shown.
        if v.labels.get(lang) and v.labels[lang].casefold() != v.value.casefold()
    }
    assert {"support", "smb", "store", "post_service", "ease"} <= codes
    for quarter in ("2025-Q2", "2025-Q4"):
        page = _html(pipeline, lang, quarter)
        page = re.sub(r"<blockquote.*?</blockquote>", "", page, flags=re.S)
        text = visible_text(re.sub(r"<title>(.*?)</title>", r" \1 ", page))
        found = sorted(
            {c for c in codes if re.search(rf"(?<![\w\[-]){re.escape(c)}(?![\w\]-])", text)}
        )
        assert found == [], f"{quarter}: codes shown as text: {found}"
