"""A blocking Great Expectations failure on a raw table stops the marts and the report."""

from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, DagsterInstance

from orchestration.defs.ingest.loader import ensure_schema
from orchestration.defs.ingest.sources import SOURCES


def test_rows_that_bypassed_the_loader_block_the_marts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warehouse = tmp_path / "w.duckdb"
    (tmp_path / "inbox").mkdir()
    monkeypatch.setenv("CX_INBOX", str(tmp_path / "inbox"))
    monkeypatch.setenv("CX_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("CX_REPORTS_DIR", str(tmp_path / "reports"))
    con = duckdb.connect(str(warehouse))
    ensure_schema(con, SOURCES)
    # Written straight into raw, past the loader: NPS 11 and an unknown order status.
    con.execute(
        "insert into raw.survey_responses (response_id, responded_at, nps_score, _load_id, "
        "_file, _line) values ('R1', now(), 11, 1, 'manual', 2), ('R2', now(), 9, 1, 'manual', 3)"
    )
    con.execute(
        "insert into raw.crm_orders (order_id, customer_id, ordered_at, amount, status, "
        "_load_id, _file, _line) values ('O1', 'C1', now(), 10, 'lost', 1, 'manual', 2)"
    )
    con.close()

    previous = tmp_path / "reports" / "en" / "2025-Q2" / "index.html"
    previous.parent.mkdir(parents=True)
    previous.write_text("the previous edition", encoding="utf-8")

    from orchestration.definitions import defs
    from orchestration.defs.publish.partitions import all_closed_quarters_tags

    result = defs.resolve_job_def("build_all").execute_in_process(
        instance=DagsterInstance.ephemeral(), raise_on_error=False, tags=all_closed_quarters_tags()
    )
    evaluations = {
        (e.asset_key.to_user_string(), e.check_name): e
        for e in result.get_asset_check_evaluations()
    }
    survey = evaluations[("raw/survey_responses", "expectations_blocking")]
    orders = evaluations[("raw/crm_orders", "expectations_blocking")]
    assert (survey.passed, survey.metadata["failed"].value) == (False, 1)
    assert survey.metadata["unexpected_rows"].value == 1
    assert "ExpectColumnValuesToBeBetween(nps_score) | FAIL | 1 | 11" in (
        survey.metadata["results"].value
    )
    assert (orders.passed, orders.metadata["unexpected_rows"].value) == (False, 1)
    assert evaluations[("raw/churn_events", "expectations_blocking")].passed is True

    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert AssetKey(["raw", "survey_responses"]) in materialized
    assert AssetKey(["marts", "mart_cx_scores__quarter"]) not in materialized
    assert AssetKey(["reports", "quarterly_reports"]) not in materialized
    assert previous.read_text(encoding="utf-8") == "the previous edition"
    assert sorted(p.name for p in (tmp_path / "reports").rglob("*")) == [
        "2025-Q2",
        "en",
        "index.html",
    ]
