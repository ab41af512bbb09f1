"""The Dagster instance make writes: its event log keeps one engine per database file and does
not fsync each event, and stores and reads runs as Dagster's own SQLite event log does."""

from pathlib import Path

import dagster as dg

from orchestration.event_log import KeptSqliteEventLogStorage

PROJECT_DIR = Path(__file__).resolve().parents[2]


def instance_as_make_writes_it(home: Path) -> dg.DagsterInstance:
    template = (PROJECT_DIR / "orchestration" / "dagster.yaml").read_text(encoding="utf-8")
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(template.replace("@DAGSTER_HOME@", str(home)))
    return dg.DagsterInstance.from_config(str(home))


@dg.asset
def one() -> int:
    return 1


@dg.asset_check(asset=one)
def one_is_one() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True)


def test_runs_are_stored_and_read_back_by_another_instance(tmp_path: Path) -> None:
    home = tmp_path / "dagster_home"
    instance = instance_as_make_writes_it(home)
    storage = instance.event_log_storage
    assert isinstance(storage, KeptSqliteEventLogStorage)
    assert storage._engine("index") is storage._engine("index")

    result = dg.materialize([one, one_is_one], instance=instance)
    assert result.success
    written = [e.dagster_event_type for e in instance.all_logs(result.run_id) if e.is_dagster_event]
    instance.dispose()

    # What the UI or the next `make run` (another process) reads: every event, the
    # materialization and the check in the cross-run index.
    again = dg.DagsterInstance.from_config(str(home))
    read = [e.dagster_event_type for e in again.all_logs(result.run_id) if e.is_dagster_event]
    assert read == written
    assert read.count(dg.DagsterEventType.ASSET_MATERIALIZATION) == 1
    assert again.get_latest_materialization_event(dg.AssetKey("one")) is not None
    check = again.event_log_storage.get_latest_asset_check_execution_by_key(
        [dg.AssetCheckKey(dg.AssetKey("one"), "one_is_one")]
    )
    assert len(check) == 1
    assert (home / "history" / "runs" / f"{result.run_id}.db").is_file()
    again.dispose()


def test_a_commit_does_not_wait_for_the_disk(tmp_path: Path) -> None:
    storage = instance_as_make_writes_it(tmp_path / "home").event_log_storage
    with storage.index_connection() as conn:
        # 1 = NORMAL (2 = FULL, SQLite's and Dagster's default): WAL commits stay atomic.
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_a_batch_of_planned_events_is_one_transaction_per_database_file(
    tmp_path: Path, monkeypatch
) -> None:
    """With DAGSTER_EVENT_BATCH_SIZE (make sets it) the planned events of a run's start are
    written in one transaction per file, and read back as when they were written one by one."""
    monkeypatch.setenv("DAGSTER_EVENT_BATCH_SIZE", "5000")
    home = tmp_path / "home"
    instance = instance_as_make_writes_it(home)
    storage = instance.event_log_storage
    batches: list[int] = []
    opened_in_batch: list[str] = []
    store_batch, ready = storage.store_event_batch, storage._ready_engine

    def spy_batch(events):
        batches.append(len(events))
        return store_batch(events)

    def spy_ready(shard):
        if getattr(storage._batch, "connections", None) is not None:
            opened_in_batch.append(shard)
        return ready(shard)

    monkeypatch.setattr(storage, "store_event_batch", spy_batch)
    monkeypatch.setattr(storage, "_ready_engine", spy_ready)
    result = dg.materialize([one, one_is_one], instance=instance)
    assert result.success
    # The asset's and the check's planned events, in one batch: one connection to the run's
    # file and one to the cross-run index, for both events and their index rows.
    assert batches == [2]
    assert sorted(opened_in_batch) == sorted([result.run_id, "index"])
    instance.dispose()

    again = dg.DagsterInstance.from_config(str(home))
    kinds = [e.dagster_event_type for e in again.all_logs(result.run_id) if e.is_dagster_event]
    assert kinds.count(dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED) == 1
    assert kinds.count(dg.DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED) == 1
    (execution,) = again.event_log_storage.get_asset_check_execution_history(
        dg.AssetCheckKey(dg.AssetKey("one"), "one_is_one"), limit=5
    )
    assert execution.run_id == result.run_id
    assert execution.status.value == "SUCCEEDED"
    again.dispose()


quarters = dg.StaticPartitionsDefinition(["2025-Q1", "2025-Q2", "2025-Q3"])


@dg.asset(partitions_def=quarters, backfill_policy=dg.BackfillPolicy.single_run())
def per_quarter(context: dg.AssetExecutionContext) -> None:
    context.log.info(f"{len(context.partition_keys)} quarters")


@dg.asset_check(asset=per_quarter, partitions_def=quarters)
def per_quarter_is_fine(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True)


def _run_over_quarters(instance: dg.DagsterInstance) -> list[tuple]:
    job = dg.Definitions(
        assets=[per_quarter], asset_checks=[per_quarter_is_fine]
    ).get_implicit_global_asset_job_def()
    result = job.execute_in_process(
        instance=instance,
        tags={
            "dagster/asset_partition_range_start": "2025-Q1",
            "dagster/asset_partition_range_end": "2025-Q3",
        },
    )
    assert result.success
    with instance.event_log_storage.index_connection() as conn:
        rows = conn.exec_driver_sql(
            "select partition, execution_status, evaluation_event from asset_check_executions"
            " where check_name = 'per_quarter_is_fine' order by partition nulls first"
        ).fetchall()
    instance.dispose()
    return [tuple(r) for r in rows]


def test_a_run_over_quarters_stores_its_checks_as_dagsters_own_event_log_does(
    tmp_path: Path, monkeypatch
) -> None:
    """The planned check rows are written with the event serialised once (not once per
    quarter), and Dagster's schema questions (does this table exist?) reach the database once
    per table; what is stored is what Dagster's own SQLite event log stores."""
    from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

    monkeypatch.setenv("DAGSTER_EVENT_BATCH_SIZE", "5000")
    stock_home = tmp_path / "stock"
    stock_home.mkdir()
    (stock_home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    stock = dg.DagsterInstance.from_config(str(stock_home))
    assert type(stock.event_log_storage) is SqliteEventLogStorage
    expected = _run_over_quarters(stock)

    asked: list[str] = []
    parent_has_table = SqliteEventLogStorage.has_table

    def spy_has_table(self, table_name: str) -> bool:
        asked.append(table_name)
        return parent_has_table(self, table_name)

    monkeypatch.setattr(SqliteEventLogStorage, "has_table", spy_has_table)
    rows = _run_over_quarters(instance_as_make_writes_it(tmp_path / "home"))

    assert [r[:2] for r in rows] == [r[:2] for r in expected]
    assert [r[0] for r in rows if r[0]] == ["2025-Q1", "2025-Q2", "2025-Q3"]
    planned = {r[2] for r in rows if r[0]}
    assert len(planned) == 1  # one stored event on each quarter's planned row, as before
    assert asked and len(asked) == len(set(asked))  # each table asked about once


def test_a_long_lived_process_keeps_connections_to_the_last_few_runs_only(tmp_path: Path) -> None:
    from orchestration.event_log import KEPT_RUN_FILES

    instance = instance_as_make_writes_it(tmp_path / "home")
    storage = instance.event_log_storage
    index = storage._engine("index")
    runs = []
    for _ in range(KEPT_RUN_FILES + 3):
        result = dg.materialize([one], instance=instance)
        assert result.success
        runs.append(result.run_id)
    kept = [name for name in storage._engines if name != "index"]
    assert kept == runs[-KEPT_RUN_FILES:]
    assert storage._engine("index") is index
    # A run whose connections were let go is still read (a new engine, opened on demand).
    assert len(instance.all_logs(runs[0])) > 5
    instance.dispose()
