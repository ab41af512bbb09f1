"""End to end: sample exports → Dagster job → DuckDB marts → reports, checked against the CSVs."""

import csv
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from conftest import ACCEPTED_NUMBER, ACCEPTED_TIMES, HELD_BACK_FILE, NO_SCORE, PipelineRuns
from recompute import assert_touchpoint_scores_equal, touchpoint_scores

from orchestration.settings import PROJECT_DIR
from reports.language import LANGUAGES

SOURCES_WITH_SAMPLES = [
    "survey_responses",
    "crm_customers",
    "crm_orders",
    "churn_events",
    "mystery_shopping",
    "lost_deals",
]


def csv_rows(path: Path) -> int:
    with path.open(newline="", encoding="utf-8") as fh:
        return sum(1 for _ in csv.DictReader(fh))


def test_every_run_succeeds_and_materializes_every_asset(pipeline: PipelineRuns) -> None:
    from orchestration.definitions import defs

    assert pipeline.first.success and pipeline.last.success
    materialized = {e.asset_key for e in pipeline.first.get_asset_materialization_events()}
    expected = set(defs().resolve_asset_graph().materializable_asset_keys)
    assert materialized == expected
    # The groups of test_asset_graph_groups_and_report_dependency: 74 + the semantic layer's
    # 5 models (time spine, fct_survey_scores, fct_orders, fct_customer_quarters,
    # fct_customer_clv).
    assert len(expected) == 79


def test_every_asset_check_passes(pipeline: PipelineRuns) -> None:
    evaluations = pipeline.last.get_asset_check_evaluations()
    failed = [(e.asset_key.to_user_string(), e.check_name) for e in evaluations if not e.passed]
    assert failed == []
    # 2 checks per raw source plus one per dbt test on a model.
    assert len(evaluations) >= 2 * 6 + 50


def test_a_run_builds_and_tests_every_model_and_leaves_unit_tests_to_make_test(
    pipeline: PipelineRuns,
) -> None:
    """The two dbt ops together run every model, seed, snapshot and data test of the project,
    and none of its unit tests (those run in `make test`, tests/dbt_unit.py)."""
    manifest = json.loads((PROJECT_DIR / "target" / "manifest.json").read_text())
    declared = Counter(n["resource_type"] for n in manifest["nodes"].values())
    declared["unit_test"] = len(manifest["unit_tests"])
    ran: Counter[str] = Counter()
    for op in ("dbt_models", "dbt_after_analytics"):
        (target,) = (PROJECT_DIR / "target").glob(f"{op}-{pipeline.first.run_id[:7]}-*")
        results = json.loads((target / "run_results.json").read_text())["results"]
        ran.update(r["unique_id"].split(".")[0] for r in results)
    assert declared["unit_test"] > 30
    assert ran["unit_test"] == 0
    for kind in ("model", "seed", "snapshot", "test"):
        assert ran[kind] == declared[kind], kind


def test_rows_read_equal_loaded_plus_quarantined_per_source(pipeline: PipelineRuns, mart) -> None:
    for source in SOURCES_WITH_SAMPLES:
        in_csvs = sum(csv_rows(p) for p in (pipeline.inbox / source).glob("*.csv"))
        read, loaded, quarantined = mart.execute(
            "select sum(rows_read), sum(rows_loaded), sum(rows_quarantined) "
            "from ops.load_audit where source = ? and status = 'loaded'",
            [source],
        ).fetchall()[0]
        in_raw = mart.execute(f"select count(*) from raw.{source}").fetchall()[0][0]
        in_quarantine = mart.execute(
            "select count(*) from ops.quarantine where source = ?", [source]
        ).fetchall()[0][0]
        assert (read, loaded + quarantined) == (in_csvs, in_csvs), source
        assert (in_raw, in_quarantine) == (loaded, quarantined), source


def test_planted_bad_rows_are_quarantined_with_their_reason(mart) -> None:
    reasons = sorted(
        r[0] for r in mart.execute("select reason from ops.quarantine order by reason").fetchall()
    )
    assert reasons == [
        'amount is not a number: "abc"' + ACCEPTED_NUMBER,
        'amount is not a number: "abc"' + ACCEPTED_NUMBER,
        "done_at before decided_at",
        "empty response_id",
        'metric not one of nps/csat/ces/cls: "loyalty"',
        NO_SCORE,
        'nps_score out of range 0-10: "11"',
        'status not one of planned/in_progress/done/dropped: "valmis?"',
        'unparseable period: "Q3/2025" (accepted: a quarter as 2025-Q2 or a year as 2025)',
        'unparseable responded_at: "not-a-date"' + ACCEPTED_TIMES,
        'unparseable visited_at: "31.2.2024 14.00"' + ACCEPTED_TIMES,
    ]


def test_mart_scores_equal_an_independent_polars_recomputation(pipeline, mart) -> None:
    expected = touchpoint_scores(pipeline.inbox)
    assert_touchpoint_scores_equal(expected, mart)
    assert expected.height == 12 * 6


def test_planted_support_drop_is_found_and_significant(mart) -> None:
    rows = dict(
        (r[0], r[1:])
        for r in mart.execute(
            "select quarter, nps_change, nps_is_significant_change, is_reportable "
            "from marts.mart_cx_scores__quarter where segment = 'all' and touchpoint = 'support' "
            "and quarter in ('2025-Q2', '2025-Q3')"
        ).fetchall()
    )
    drop, drop_significant, reportable = rows["2025-Q2"]
    recovery, recovery_significant, _ = rows["2025-Q3"]
    assert drop <= -15 and drop_significant is True and reportable is True
    assert recovery >= 15 and recovery_significant is True
    # Other touchpoints do not move significantly that quarter.
    others = mart.execute(
        "select count(*) from marts.mart_cx_scores__quarter where segment = 'all' "
        "and touchpoint not in ('support', 'all') and quarter = '2025-Q2' "
        "and nps_is_significant_change"
    ).fetchall()[0][0]
    assert others == 0


def test_segments_differ_enterprise_above_consumer(mart) -> None:
    nps = dict(
        mart.execute(
            "select segment, 100.0 * (sum(promoters) - sum(detractors)) / sum(n_nps) "
            "from marts.mart_cx_scores__quarter where touchpoint = 'all' group by segment"
        ).fetchall()
    )
    assert nps["enterprise"] - nps["consumer"] >= 20


def test_quarters_are_assigned_in_helsinki_time(mart) -> None:
    # 2025-04-01 01:30 in Helsinki is still 2025-03-31 in UTC: it belongs to 2025-Q2.
    wrong = mart.execute(
        "select count(*) from marts.fct_survey_responses "
        "where quarter <> strftime(timezone('Europe/Helsinki', responded_at), '%Y') || '-Q' "
        "|| quarter(timezone('Europe/Helsinki', responded_at))"
    ).fetchall()[0][0]
    utc_differs = mart.execute(
        "select count(*) from marts.fct_survey_responses "
        "where quarter(timezone('UTC', responded_at)) "
        "<> quarter(timezone('Europe/Helsinki', responded_at))"
    ).fetchall()[0][0]
    assert wrong == 0
    assert utc_differs >= 1


def test_report_shows_the_headline_nps_as_the_mart_has_it(pipeline, mart) -> None:
    nps, n = mart.execute(
        "select nps, n_nps from marts.mart_cx_scores__quarter "
        "where quarter = '2025-Q2' and segment = 'all' and touchpoint = 'all'"
    ).fetchall()[0]
    page_en = (pipeline.reports / "en" / "2025-Q2" / "index.html").read_text(encoding="utf-8")
    page_fi = (pipeline.reports / "fi" / "2025-Q2" / "index.html").read_text(encoding="utf-8")
    page_sv = (pipeline.reports / "sv" / "2025-Q2" / "index.html").read_text(encoding="utf-8")
    shown = f"{nps:.1f}".replace("-", "\u2212")
    assert shown in page_en
    assert shown.replace(".", ",") in page_fi
    assert shown.replace(".", ",") in page_sv
    assert f"{n:,}" in page_en
    for lang in LANGUAGES:
        folder = pipeline.reports / lang
        quarters = sorted(p.name for p in folder.iterdir() if p.name[:2] == "20")
        assert quarters[0] == "2023-Q1" and quarters[-1] == "2025-Q4" and len(quarters) == 12
        # every published quarter has its PDF edition in each language asked for (the fixture
        # sets CX_REPORTS_PDF_LANGUAGES=fi), it is a PDF, and the page links it; no other
        # edition has one or links one
        pdfs = sorted(folder.glob(f"20*/kokemus-*-{lang}.pdf"))
        page = (folder / "2025-Q2" / "index.html").read_text(encoding="utf-8")
        if lang == "fi":
            assert len(pdfs) == 12
            assert pdfs[5].read_bytes()[:5] == b"%PDF-"
            assert 'href="kokemus-2025-Q2-fi.pdf" class="pdf-link"' in page
        else:
            assert pdfs == [] and "pdf-link" not in page
    assert len(list(pipeline.reports.glob("*/20*/kokemus-*.pdf"))) == 12
    # the run asked for 2023-Q1 … the last closed quarter; those without data were skipped
    report = next(
        e
        for e in pipeline.last.get_asset_materialization_events()
        if e.asset_key.path == ["reports", "quarterly_reports"]
    )
    meta = report.materialization.metadata
    assert meta["quarters_without_data"].value.startswith("2026-Q1, 2026-Q2")


def test_rerunning_the_job_changes_no_mart_row(pipeline: PipelineRuns) -> None:
    # 30 marts + the semantic layer's 5 tables, built into the marts schema for the BI copy.
    assert len(pipeline.mart_checksums_first) == 35
    assert pipeline.mart_checksums_rerun == pipeline.mart_checksums_first


def test_a_run_with_nothing_new_rebuilds_nothing_and_says_so(pipeline: PipelineRuns) -> None:
    run = pipeline.nothing_new
    assert run.success
    materialized = {e.asset_key.path[0] for e in run.get_asset_materialization_events()}
    # The raw assets look at the inbox (and find nothing new); nothing after them is built.
    assert materialized == {"raw"}
    skipped = {e.step_key for e in run.all_events if e.event_type_value == "STEP_SKIPPED"}
    assert skipped == {
        "analytics__clv_predictions",
        "analytics__driver_weights",
        "dbt_after_analytics",
        "bi__published_warehouse",
        "reports__quarterly_reports",
    }
    (said,) = [m for m in pipeline.nothing_new_log if m.startswith("Nothing new since run ")]
    assert "CX_FORCE_REBUILD=1" in said
    assert pipeline.report_mtimes_after_nothing_new == pipeline.report_mtimes_before_nothing_new
    assert len(pipeline.report_mtimes_before_nothing_new) > 40


def test_a_new_file_re_renders_only_the_quarters_whose_figures_it_changes(
    pipeline: PipelineRuns,
) -> None:
    """The held-back file holds 2025-Q4's answers: the last run rewrites 2025-Q4's editions
    (page and PDF, every language) and the indexes; every other quarter's edition differs at
    most in its data-freshness line, so it is left as it was (reports/publish.py)."""
    before, after = pipeline.report_mtimes_after_nothing_new, pipeline.report_mtimes_after_last
    changed = {path for path, mtime in after.items() if before.get(path) != mtime}
    quarters = {path.split("/")[1] for path in changed if path.count("/") == 2}
    assert quarters == {"2025-Q4", "latest"}  # latest/ is the newest quarter's page
    for lang in LANGUAGES:
        assert f"{lang}/2025-Q4/index.html" in changed
    assert "fi/2025-Q4/kokemus-2025-Q4-fi.pdf" in changed
    assert "fi/2025-Q3/kokemus-2025-Q3-fi.pdf" in after
    assert len([p for p in after if p.endswith(".pdf")]) == 12


def test_make_runs_check_finds_nothing_new_then_a_new_file(
    pipeline: PipelineRuns, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil
    from dataclasses import replace

    from orchestration.build_state import NOTHING_NEW, RUN_NEEDED, check_before_run
    from orchestration.defs.publish.partitions import all_closed_quarters_range
    from orchestration.settings import get_settings

    # The settings of the fixture's last run (it made the PDFs).
    monkeypatch.setenv("CX_INBOX", str(pipeline.inbox))
    monkeypatch.setenv("CX_WAREHOUSE", str(pipeline.warehouse))
    monkeypatch.setenv("CX_REPORTS_DIR", str(pipeline.reports))
    monkeypatch.setenv("CX_INBOX_SETTLE_SECONDS", "0")
    settings = replace(get_settings(), reports_pdf=True, reports_pdf_languages=("fi",))
    quarters = all_closed_quarters_range()

    code, said = check_before_run(quarters, settings)
    assert (code, said[:22]) == (NOTHING_NEW, "Nothing new since run ")
    assert said.endswith("No run was started: nothing rebuilt, nothing re-rendered.")
    # A setting that changes what is built needs a build; one that changes how it runs not.
    assert check_before_run(quarters, replace(settings, min_reportable_n=50))[0] == RUN_NEEDED
    assert check_before_run(quarters, replace(settings, duckdb_threads=1))[0] == NOTHING_NEW
    assert check_before_run(quarters, replace(settings, force_rebuild=True))[0] == RUN_NEEDED

    inbox = tmp_path / "inbox"
    shutil.copytree(pipeline.inbox, inbox)
    late = inbox / "survey_responses" / "responses_late.csv"
    held = (inbox / HELD_BACK_FILE).read_text(encoding="utf-8").splitlines()
    late.write_text("\n".join(held[:2]) + "\n", encoding="utf-8")
    # Just written: maybe still being written, so not read yet, and the verdict names it.
    code, said = check_before_run(quarters, replace(settings, inbox=inbox, inbox_settle_seconds=60))
    assert code == NOTHING_NEW
    assert said.endswith(
        "nothing re-rendered. Not read yet, changed less than 60 s ago (maybe still being "
        "written; CX_INBOX_SETTLE_SECONDS): survey_responses/responses_late.csv. "
        "Run again in a moment."
    )
    code, said = check_before_run(quarters, replace(settings, inbox=inbox))
    assert (code, said) == (
        RUN_NEEDED,
        "1 new file(s) in the inbox: survey_responses/responses_late.csv",
    )


def test_a_new_inbox_file_is_the_only_file_loaded_next_run(pipeline: PipelineRuns) -> None:
    loaded = [f for f, status in pipeline.new_file_results if status == "loaded"]
    assert loaded == [HELD_BACK_FILE]
    assert all(status == "loaded" for _, status in pipeline.new_file_results)


def test_no_email_or_phone_number_in_any_mart_text(mart) -> None:
    email = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
    phone = re.compile(r"\+?\d[\d ()-]{6,}\d")
    columns = mart.execute(
        "select table_name, column_name from information_schema.columns "
        "where table_schema = 'marts' and data_type = 'VARCHAR'"
    ).fetchall()
    scanned = 0
    for table, column in columns:
        values = [
            r[0]
            for r in mart.execute(
                f'select distinct "{column}" from marts.{table} where "{column}" is not null'
            ).fetchall()
        ]
        scanned += len(values)
        leaks = [v for v in values if email.search(v) or phone.search(v)]
        assert leaks == [], f"{table}.{column}"
    masked = mart.execute(
        "select count(*) from marts.fct_survey_responses "
        "where comment like '%[email]%' or comment like '%[phone]%'"
    ).fetchall()[0][0]
    assert scanned > 1000 and masked > 0


@pytest.mark.parametrize(
    "model, upstream",
    [
        ("stg_survey__responses", "raw/survey_responses"),
        ("stg_survey__driver_scores", "raw/survey_responses"),
        ("stg_crm__customer_snapshots", "raw/crm_customers"),
        ("stg_crm__orders", "raw/crm_orders"),
        ("stg_churn__events", "raw/churn_events"),
    ],
)
def test_asset_graph_connects_dbt_sources_to_raw_assets(model: str, upstream: str) -> None:
    from dagster import AssetKey

    from orchestration.definitions import defs

    graph = defs().resolve_asset_graph()
    parents = {k.to_user_string() for k in graph.get(AssetKey(["staging", model])).parent_keys}
    assert upstream in parents


def test_make_run_can_launch_build_all_over_a_partition_range() -> None:
    """`dg launch --partition-range` runs a job as one run only if every asset may run a range
    at once: an unpartitioned asset without ONCE_PER_RUN would make `make run` fail."""
    from orchestration.definitions import defs
    from orchestration.defs.publish.partitions import ONCE_PER_RUN

    job = defs().resolve_job_def("build_all")
    without = sorted(
        key.to_user_string()
        for key in job.asset_layer.executable_asset_keys
        if job.asset_layer.get(key).backfill_policy != ONCE_PER_RUN
    )
    assert without == []


def test_asset_graph_groups_and_report_dependency() -> None:
    from dagster import AssetKey

    from orchestration.definitions import defs

    graph = defs().resolve_asset_graph()
    groups = {}
    for key in graph.materializable_asset_keys:
        groups.setdefault(graph.get(key).group_name, set()).add(key.to_user_string())
    assert {g: len(k) for g, k in groups.items()} == {
        "raw": 8,
        "staging": 11,
        "intermediate": 13,
        "marts": 30,
        "semantic": 5,  # models/semantic: MetricFlow's time spine and facts
        "seeds": 7,
        "snapshots": 1,
        "analytics": 2,
        "publish": 2,
    }
    report_parents = graph.get(AssetKey(["reports", "quarterly_reports"])).parent_keys
    # The report waits for every mart and seed it reads (reports/data.py), and nothing else.
    from reports.data import report_tables

    assert report_parents == {AssetKey(name.split(".")) for name in report_tables()}
    assert len(report_parents) == 26


def test_report_table_snapshot_equals_the_built_warehouse(mart) -> None:
    """tests/data/report_tables.sql (the unit tests' empty report tables) is what dbt builds."""
    from report_tables import SNAPSHOT, table_ddl

    assert SNAPSHOT.read_text(encoding="utf-8").splitlines() == table_ddl(mart), (
        "refresh it: .venv/bin/python -m tests.python.report_tables <warehouse>"
    )
