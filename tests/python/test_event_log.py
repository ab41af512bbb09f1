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
