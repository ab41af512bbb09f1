"""Two runs at once: the second waits for the first's warehouse lock, or stops before its first
step naming the run that holds it; it never fails half-way on DuckDB's file lock."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.defs.ingest.sensors import inbox_sensor
from orchestration.warehouse_lock import Holder, current_holder, hold_warehouse, lock_path

# Two real `dg launch` processes (make run) on a generated inbox.
pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
PROJECT_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A small sample inbox, its own warehouse and Dagster home, for `dg launch`."""
    from orchestration.sample_data import generate

    generate(tmp_path / "inbox", customers=300, seed=5)
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    return {
        **os.environ,
        "CX_INBOX": str(tmp_path / "inbox"),
        "CX_WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
        "CX_REPORTS_DIR": str(tmp_path / "reports"),
        "CX_REPORTS_PDF": "0",
        "CX_INBOX_SETTLE_SECONDS": "0",
        "DAGSTER_HOME": str(home),
        "DAGSTER_DISABLE_TELEMETRY": "1",
        "DO_NOT_TRACK": "1",
    }


def start_run(env: dict[str, str], log: Path) -> subprocess.Popen:
    """`make run`'s command, in the background, its output (stdout and stderr) into log."""
    quarters = subprocess.run(
        [str(BIN / "python"), "-m", "orchestration.defs.publish.partitions"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    command = [str(BIN / "dg"), "launch", "--job", "build_all", "--partition-range", quarters]
    with log.open("w") as out:
        # dg finds the project (pyproject.toml [tool.dg]) from its working directory.
        return subprocess.Popen(
            command,
            cwd=PROJECT_DIR,
            env=env | {"VIRTUAL_ENV": str(BIN.parent)},
            stdout=out,
            stderr=out,
        )


def wait_for_log(log: Path, text: str, runs: list[subprocess.Popen], seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if log.exists() and text in log.read_text():
            return
        for run in runs:
            assert run.poll() is None, f"a run ended while waiting for {text!r} in {log.name}"
        time.sleep(0.2)
    raise AssertionError(f"{log.name} never said {text!r}")


def test_second_run_waits_for_the_first_and_both_succeed(env: dict, tmp_path: Path) -> None:
    """Deterministic whatever the machine's speed: the test holds the warehouse while both runs
    start, so both are waiting when it lets go; one takes the warehouse, and the other must then
    wait for that run (not fail on DuckDB's file lock) and load nothing twice."""
    warehouse = Path(env["CX_WAREHOUSE"])
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    someone = Holder("f00dfeed-run", os.getpid(), "2025-01-01T00:00:00+00:00", "the test")
    with hold_warehouse(warehouse, someone):
        runs = [start_run(env, log) for log in logs]
        for log in logs:
            wait_for_log(log, "warehouse held by run f00dfeed-run (pid", runs)
    winner = None
    deadline = time.monotonic() + 120
    while winner is None and time.monotonic() < deadline:
        holder = current_holder(warehouse)
        if holder is not None and holder.pid in {run.pid for run in runs}:
            winner = holder
        time.sleep(0.05)
    assert winner is not None, "neither run took the warehouse after the test let go"
    for run, log in zip(runs, logs, strict=True):
        assert run.wait(timeout=600) == 0, log.read_text()[-3000:]

    loser_log = next(log for run, log in zip(runs, logs, strict=True) if run.pid != winner.pid)
    text = loser_log.read_text()
    assert f"warehouse held by run {winner.run_id} (pid {winner.pid}" in text
    assert "warehouse free after waiting" in text
    for log in logs:
        assert "Could not set lock" not in log.read_text()
    assert not lock_path(warehouse).read_text(), "the lock file still names a holder"

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        loads = con.execute(
            "select file, count(*) from ops.load_audit where status = 'loaded' group by file"
        ).fetchall()
    finally:
        con.close()
    inbox = Path(env["CX_INBOX"])
    expected = {p.relative_to(inbox).as_posix() for p in inbox.rglob("*") if p.is_file()}
    assert {file for file, _ in loads} == expected
    assert {n for _, n in loads} == {1}, "a file was loaded by both runs"


def test_run_that_cannot_get_the_warehouse_stops_before_its_first_step(
    env: dict, tmp_path: Path
) -> None:
    warehouse = Path(env["CX_WAREHOUSE"])
    someone = Holder("f00dfeed-run", os.getpid(), "2025-01-01T00:00:00+00:00", "make run")
    with hold_warehouse(warehouse, someone):
        run = start_run({**env, "CX_WAREHOUSE_LOCK_TIMEOUT": "1"}, tmp_path / "run.log")
        assert run.wait(timeout=300) != 0
    log = (tmp_path / "run.log").read_text()
    assert "is still held by run f00dfeed-run (pid" in log, log[-3000:]
    assert "CX_WAREHOUSE_LOCK_TIMEOUT" in log
    # (Dagster's CLI initialises the resources once more after a run ends, to read outputs.)
    before_failure = log[: log.index("RUN_FAILURE")]
    for event in ("RESOURCE_INIT_STARTED", "STEP_START"):
        assert event not in before_failure, f"{event} before the lock was taken"
    assert "STEP_START" not in log
    assert not warehouse.exists(), "the run opened the warehouse"


def test_sensor_skips_while_a_run_holds_the_warehouse(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CX_INBOX", str(tmp_path / "inbox"))
    monkeypatch.setenv("CX_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("CX_INBOX_SETTLE_SECONDS", "0")
    (tmp_path / "inbox" / "survey_responses").mkdir(parents=True)
    (tmp_path / "inbox" / "survey_responses" / "q1.csv").write_text("response_id\n")
    someone = Holder("abc-123", os.getpid(), "2025-01-01T00:00:00+00:00", "make run")

    with hold_warehouse(tmp_path / "warehouse.duckdb", someone):
        busy = inbox_sensor(dg.build_sensor_context(cursor=None))
    assert busy.run_requests in (None, [])
    assert "held by run abc-123" in (busy.skip_reason.skip_message or "")
    assert not busy.cursor, "the skipped files must be seen again on the next tick"

    free = inbox_sensor(dg.build_sensor_context(cursor=None))
    assert len(free.run_requests) == 1
    assert list(json.loads(free.cursor)) == ["survey_responses/q1.csv"]
