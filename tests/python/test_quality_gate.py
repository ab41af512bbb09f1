"""A blocking Great Expectations failure on a raw table stops the marts and the report."""

from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, DagsterInstance

from orchestration.defs.ingest.loader import ensure_schema
from orchestration.defs.ingest.sources import SOURCES


@pytest.mark.slow  # runs the Dagster job on a warehouse of its own
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

    result = (
        defs()
        .resolve_job_def("build_all")
        .execute_in_process(
            instance=DagsterInstance.ephemeral(),
            raise_on_error=False,
            tags=all_closed_quarters_tags(),
        )
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


def test_expectations_read_each_load_once_and_remember_failures(tmp_path: Path) -> None:
    """validate() reads only loads it has not validated, in bounded batches, and the outcome
    covers every load: a failed load keeps failing on a rerun that brings nothing new."""
    from orchestration.defs.ingest.expectations import SUITES, validate

    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_schema(con, SOURCES)

    def add(load_id: int, scores: list[int]) -> None:
        for line, score in enumerate(scores, start=2):
            con.execute(
                "insert into raw.survey_responses (response_id, responded_at, nps_score, "
                "ces_scale, _load_id, _file, _line) values (?, now(), ?, '1-7', ?, 'f.csv', ?)",
                [f"R{load_id}-{line}", score, load_id, line],
            )

    def batches() -> int:
        return con.execute(
            "select count(distinct load_ids) from ops.expectation_results"
        ).fetchall()[0][0]

    def nps(outcomes):
        return next(o for o in outcomes if o.expectation.label.endswith("(nps_score)"))

    add(1, [9, 10])
    add(2, [11, 3])  # 11 is out of range
    add(3, [7])
    first = validate(con, "survey_responses", batch_rows=2)
    assert len(first) == len(SUITES["survey_responses"])
    assert batches() == 3  # 2 + 2 + 1 rows: one load per batch at 2 rows a batch
    assert (nps(first).success, nps(first).unexpected_count, nps(first).examples) == (
        False,
        1,
        ["11"],
    )
    assert nps(first).element_count == 5

    again = validate(con, "survey_responses", batch_rows=2)
    assert batches() == 3  # nothing new was read
    assert (nps(again).success, nps(again).unexpected_count) == (False, 1)

    add(4, [8, 8])
    latest = validate(con, "survey_responses", batch_rows=2)
    assert batches() == 4
    assert nps(latest).element_count == 7
    assert (nps(latest).success, nps(latest).unexpected_count) == (False, 1)

    con.execute("delete from raw.survey_responses where _load_id = 2")  # the bad load removed
    cleared = validate(con, "survey_responses", batch_rows=2)
    assert (nps(cleared).success, nps(cleared).element_count) == (True, 5)

    # A load larger than a batch forms a batch of its own; its key sent twice is found, and
    # a key missing is the not-null expectation's finding, not a duplicate of another missing
    # one (as in dbt's unique test).
    for line, response_id in enumerate(["D1", "D2", "D3", "D1", "D4", None, None], start=2):
        con.execute(
            "insert into raw.survey_responses (response_id, responded_at, nps_score, ces_scale, "
            "_load_id, _file, _line) values (?, now(), 5, '1-7', 5, 'g.csv', ?)",
            [response_id, line],
        )
    big = validate(con, "survey_responses", batch_rows=2)
    unique = next(o for o in big if o.expectation.kind == "ExpectCompoundColumnsToBeUnique")
    assert (unique.success, unique.unexpected_count, nps(big).element_count) == (False, 2, 12)
    assert unique.examples == ["{'response_id': 'D1', '_load_id': 5}"] * 2
    key = next(o for o in big if o.expectation.label.endswith("NotBeNull(response_id)"))
    assert (key.success, key.unexpected_count, key.examples) == (False, 2, ["None", "None"])
    assert batches() == 5
    rows = con.execute(
        "select count(*) from ops.expectation_results where load_ids = [5]"
    ).fetchall()[0][0]
    assert rows == len(SUITES["survey_responses"])  # one validation of the whole load
    con.close()
