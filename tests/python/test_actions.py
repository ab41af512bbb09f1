"""Improvement actions: the source's contract (quarantine, reconciliation) and the effect mart.

The planted action answers the 2025-Q2 support incident (done 2025-06-20); support recovers in
2025-Q3, so the mart must show a positive, significant NPS change, recomputed here with Polars
from marts.fct_survey_responses with docs/metrics.md's adjusted-Wald formulas.
"""

import math
from pathlib import Path

import duckdb
import polars as pl
import pytest
from conftest import ACCEPTED_TIMES, PipelineRuns

from orchestration.defs.ingest.loader import ensure_schema, load_source
from orchestration.defs.ingest.sources import IMPROVEMENT_ACTIONS, SOURCES

SOURCE = "improvement_actions"
ACTION_FILE = "improvement_actions/actions_2025.csv"
BAD_ROWS = {
    "A-2025-08": 'status not one of planned/in_progress/done/dropped: "valmis?"',
    "A-2025-09": "done_at before decided_at",
}
SUPPORT_ACTION, DRIVER_ACTION, THEME_ACTION = "A-2025-01", "A-2025-02", "A-2025-03"
PLANNED, DROPPED, OVERDUE, TOO_SMALL = "A-2025-04", "A-2025-05", "A-2025-06", "A-2025-07"
EFFECT = "marts.mart_improvement_actions__effect"


def _sheet(pipeline: PipelineRuns) -> pl.DataFrame:
    return pl.read_csv(pipeline.inbox / ACTION_FILE, infer_schema=False).with_row_index(
        "line", offset=2
    )


def _dicts(mart, sql: str, params: list) -> list[dict]:
    cursor = mart.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _rows(mart, action_id: str, metric: str | None = None) -> list[dict]:
    sql = f"select * from {EFFECT} where action_id = ?" + (" and metric = ?" if metric else "")
    params = [action_id, *([metric] if metric else [])]
    return _dicts(mart, sql + " order by metric, quarter", params)


def _adjusted_nps(frame: pl.DataFrame) -> tuple[int, float, float, float]:
    """n, NPS, adjusted-Wald centre and SE (docs/metrics.md) of the answers in `frame`."""
    scores = frame["nps_score"].drop_nulls()
    n = scores.len()
    promoters, detractors = int((scores >= 9).sum()), int((scores <= 6).sum())
    p, d = (promoters + 0.75) / (n + 3), (detractors + 0.75) / (n + 3)
    centre = 100 * (promoters - detractors) / (n + 3)
    se = 100 * math.sqrt((p + d - (p - d) ** 2) / (n + 3))
    return n, 100 * (promoters - detractors) / n, centre, se


def test_every_action_rule_quarantines_with_its_reason(tmp_path: Path) -> None:
    """Loader level: each contract rule of the source on one row, Finnish headers mapped."""
    rows = [
        "A1,P-1,Touchpoint,support,ok,Maija,15.4.2025,20.6.2025,Done",
        "A2,,touchpoint,support,ok,Maija,2025-04-15,,in_progress",
        ",,touchpoint,support,no key,Maija,2025-04-15,,planned",
        "A4,,channel,support,unknown type,Maija,2025-04-15,,planned",
        "A5,,touchpoint,support,unknown status,Maija,2025-04-15,,valmis?",
        "A6,,touchpoint,support,done before decided,Maija,2025-04-15,2025-04-14,done",
        "A7,,touchpoint,support,done without date,Maija,2025-04-15,,done",
        "A8,,touchpoint,support,bad done date,Maija,2025-04-15,31.2.2025,done",
        "A9,,touchpoint,,no target,Maija,,,planned",
    ]
    header = "toimenpide_id,ehdotus_id,kohteen_tyyppi,kohde,toimenpide,vastuuhenkilö,päätetty,"
    path = tmp_path / "inbox" / "improvement_actions" / "a.csv"
    path.parent.mkdir(parents=True)
    path.write_text(header + "valmis,tila\n" + "\n".join(rows) + "\n", encoding="utf-8")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("set TimeZone = 'Europe/Helsinki'")
    ensure_schema(con, SOURCES)
    (result,) = load_source(con, IMPROVEMENT_ACTIONS, tmp_path / "inbox").files
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (9, 2, 7)
    assert con.execute("select line, reason from ops.quarantine order by line").fetchall() == [
        (4, "empty action_id"),
        (5, 'target_type not one of touchpoint/segment/driver/theme: "channel"'),
        (6, 'status not one of planned/in_progress/done/dropped: "valmis?"'),
        (7, "done_at before decided_at"),
        (8, "status done without done_at"),
        (9, 'unparseable done_at: "31.2.2025"' + ACCEPTED_TIMES),
        (10, "empty target_value; empty decided_at"),
    ]
    loaded = con.execute(
        "select action_id, proposal_id, target_type, status, "
        "strftime(timezone('Europe/Helsinki', done_at), '%Y-%m-%d %H:%M') "
        "from raw.improvement_actions order by action_id"
    ).fetchall()
    con.close()
    # Allowed values are compared lower-cased and loaded lower-cased: raw holds the contract's.
    assert loaded == [
        ("A1", "P-1", "touchpoint", "done", "2025-06-20 00:00"),
        ("A2", None, "touchpoint", "in_progress", None),
    ]


def test_rows_read_equal_loaded_plus_quarantined(pipeline: PipelineRuns, mart) -> None:
    in_sheet = _sheet(pipeline).height
    read, loaded, quarantined, files = mart.execute(
        "select sum(rows_read), sum(rows_loaded), sum(rows_quarantined), count(*) "
        "from ops.load_audit where source = ? and status = 'loaded'",
        [SOURCE],
    ).fetchall()[0]
    in_raw = mart.execute(f"select count(*) from raw.{SOURCE}").fetchall()[0][0]
    assert (files, read, loaded + quarantined) == (1, in_sheet, in_sheet)
    assert (loaded, quarantined, in_raw) == (in_sheet - 2, 2, in_sheet - 2)


def test_bad_action_rows_are_quarantined_with_their_reasons(pipeline: PipelineRuns, mart) -> None:
    sheet = _sheet(pipeline)
    quarantined = mart.execute(
        "select raw_row ->> 'toimenpide_id', file, line, reason from ops.quarantine "
        "where source = ? order by line",
        [SOURCE],
    ).fetchall()
    lines = dict(zip(sheet["toimenpide_id"], sheet["line"], strict=True))
    assert quarantined == [
        (action_id, ACTION_FILE, lines[action_id], reason)
        for action_id, reason in sorted(BAD_ROWS.items(), key=lambda kv: lines[kv[0]])
    ]
    staged = {
        r[0]
        for r in mart.execute(
            "select action_id from staging.stg_improvement_actions__actions"
        ).fetchall()
    }
    assert staged == set(sheet["toimenpide_id"]) - set(BAD_ROWS)


def test_finnish_headers_map_and_descriptions_are_masked(mart) -> None:
    row = mart.execute(
        "select target_type, target_value, status, decided_on, done_on, description, owner "
        "from staging.stg_improvement_actions__actions where action_id = ?",
        [SUPPORT_ACTION],
    ).fetchall()[0]
    assert row[:3] == ("touchpoint", "support", "done")
    assert (row[3].isoformat(), row[4].isoformat()) == ("2025-04-15", "2025-06-20")
    assert "[email]" in row[5] and "@" not in row[5]
    assert row[6]


def test_support_action_shows_a_significant_recovery(mart) -> None:
    rows = {r["quarter"]: r for r in _rows(mart, SUPPORT_ACTION, "nps")}
    assert sorted(rows) == ["2025-Q2", "2025-Q3", "2025-Q4"]
    base, after = rows["2025-Q2"], rows["2025-Q3"]
    assert (base["is_baseline"], base["effect_status"], base["quarters_after_done"]) == (
        True,
        "baseline",
        None,
    )
    assert (after["decided_quarter"], after["done_quarter"], after["quarters_after_done"]) == (
        "2025-Q2",
        "2025-Q2",
        1,
    )
    assert after["proposal_id"] == "P-2025-Q2-touchpoint-support-service"
    assert rows["2025-Q4"]["quarters_after_done"] == 2

    answers = pl.DataFrame(
        _dicts(
            mart,
            "select quarter, nps_score from marts.fct_survey_responses "
            "where touchpoint = ? and quarter in ('2025-Q2', '2025-Q3')",
            ["support"],
        )
    )
    n0, nps0, adj0, se0 = _adjusted_nps(answers.filter(pl.col("quarter") == "2025-Q2"))
    n1, nps1, adj1, se1 = _adjusted_nps(answers.filter(pl.col("quarter") == "2025-Q3"))
    z = (adj1 - adj0) / math.sqrt(se0**2 + se1**2)
    assert (after["n"], after["baseline_n"]) == (n1, n0)
    assert after["value"] == pytest.approx(nps1, abs=1e-9)
    assert after["baseline_value"] == pytest.approx(nps0, abs=1e-9)
    assert after["change"] == pytest.approx(nps1 - nps0, abs=1e-9)
    assert after["change_z"] == pytest.approx(z, abs=1e-9)
    assert after["change"] > 10 and z >= 1.96
    assert (after["is_significant"], after["is_reportable"], after["effect_status"]) == (
        True,
        True,
        "measured",
    )
    # CSAT and CES of the same touchpoint come along, each against its own baseline.
    others = {r["metric"] for r in _rows(mart, SUPPORT_ACTION) if not r["is_primary_metric"]}
    assert others == {"csat_pct", "ces_pct"}


def test_actions_not_done_carry_their_status(mart) -> None:
    for action_id, status, overdue in [
        (PLANNED, "not_done_yet", False),
        (DROPPED, "dropped", False),
        (OVERDUE, "not_done_yet", True),
    ]:
        rows = _rows(mart, action_id)
        assert len(rows) == 3, action_id  # NPS, CSAT and CES of the decided quarter only
        assert {(r["is_baseline"], r["effect_status"], r["is_overdue"]) for r in rows} == {
            (True, status, overdue)
        }, action_id
        assert all(r["change"] is None and r["is_significant"] is None for r in rows)
    latest = mart.execute("select max(quarter) from marts.mart_cx_scores__quarter").fetchall()
    assert latest[0][0] == "2025-Q4"  # OVERDUE was decided in 2025-Q1: three quarters before


def test_a_target_without_answers_claims_no_effect(mart) -> None:
    rows = _rows(mart, TOO_SMALL)
    assert {(r["quarter"], r["metric"]) for r in rows} == {
        (q, m) for q in ["2025-Q3", "2025-Q4"] for m in ["nps", "csat_pct", "ces_pct"]
    }
    assert {(r["effect_status"], r["n"], r["is_reportable"]) for r in rows} == {
        ("too_few_answers", 0, False)
    }
    assert all(r["value"] is None and r["is_significant"] is None for r in rows)


def test_driver_and_theme_targets_read_their_marts(mart) -> None:
    driver = {r["quarter"]: r for r in _rows(mart, DRIVER_ACTION)}
    assert sorted(driver) == ["2025-Q2", "2025-Q4"]  # done in 2025-Q3
    means = dict(
        mart.execute(
            "select quarter, driver_mean from marts.mart_key_drivers__quarter "
            "where driver = 'service' and segment = 'all' and touchpoint = 'all' "
            "and quarter in ('2025-Q2', '2025-Q4')"
        ).fetchall()
    )
    measured = driver["2025-Q4"]
    assert measured["metric"] == "driver_mean"
    assert measured["value"] == pytest.approx(means["2025-Q4"], abs=1e-12)
    assert measured["baseline_value"] == pytest.approx(means["2025-Q2"], abs=1e-12)
    assert measured["change"] == pytest.approx(means["2025-Q4"] - means["2025-Q2"], abs=1e-12)
    assert measured["change_z"] is not None and measured["effect_status"] == "measured"
    assert measured["is_significant"] == (abs(measured["change_z"]) >= 1.96)

    theme = {r["quarter"]: r for r in _rows(mart, THEME_ACTION)}
    shares = dict(
        mart.execute(
            "select quarter, share_of_comments_pct from marts.mart_themes__quarter "
            "where theme_id = 'support_reachability' and touchpoint = 'all' "
            "and quarter in ('2025-Q2', '2025-Q4')"
        ).fetchall()
    )
    assert sorted(theme) == ["2025-Q2", "2025-Q4"]
    assert theme["2025-Q4"]["value"] == pytest.approx(shares["2025-Q4"], abs=1e-12)
    assert theme["2025-Q4"]["change"] == pytest.approx(
        shares["2025-Q4"] - shares["2025-Q2"], abs=1e-12
    )
