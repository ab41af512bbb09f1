"""dbt in the run's process (orchestration/defs/transform/dbt_in_process.py), on a small dbt
project of its own: what dagster-dbt reads, the warehouse let go, the parse kept within a run,
failures and interrupts reported, and the cases that keep dbt's subprocess."""

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from dagster_dbt.core.dbt_cli_invocation import DbtCliInvocation
from dagster_dbt.errors import DagsterDbtCliRuntimeError

from orchestration.defs.transform import dbt_in_process
from orchestration.defs.transform.dbt import KokemusDbtCliResource
from orchestration.defs.transform.dbt_in_process import (
    InProcessDbt,
    dbt_arguments,
    waiting_in_queue_join,
    why_not_in_process,
)

pytestmark = pytest.mark.slow

PROJECT = """
name: tiny
version: "1.0"
profile: tiny
model-paths: [models]
"""
PROFILE = """
tiny:
  target: duckdb
  outputs:
    duckdb:
      type: duckdb
      path: "{path}"
      threads: 2
"""
MODELS = {
    "numbers.sql": "select range as n from range(5)",
    "doubled.sql": "select n * 2 as n2 from {{ ref('numbers') }}",
    "schema.yml": """
models:
  - name: numbers
    columns:
      - name: n
        data_tests: [not_null, unique]
  - name: doubled
    columns:
      - name: n2
        data_tests:
          - accepted_values: {arguments: {values: [0, 2, 4, 6, 8]}}
""",
}
RESULTS = {"LogModelResult", "LogTestResult"}


@pytest.fixture
def tiny(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A dbt project of two models and three tests, and the working folder inside it."""
    (tmp_path / "models").mkdir()
    (tmp_path / "dbt_project.yml").write_text(PROJECT)
    (tmp_path / "profiles.yml").write_text(PROFILE.format(path=tmp_path / "tiny.duckdb"))
    for name, text in MODELS.items():
        (tmp_path / "models" / name).write_text(text)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CX_DBT_IN_PROCESS", raising=False)
    monkeypatch.delenv("CX_DBT_TARGET", raising=False)
    dbt_in_process._kept_manifest = None  # a pipeline run of another test may have left one
    yield tmp_path
    dbt_in_process._kept_manifest = None


def _invoke(
    project: Path, *args: str, key: tuple[str, ...] = ("run-1",)
) -> tuple[InProcessDbt, list[dict]]:
    """dbt as the resource starts it: the environment dagster-dbt gives it, as flags."""
    target = str(project / "target")
    env = {
        **os.environ,
        "DBT_TARGET_PATH": target,
        "DBT_LOG_PATH": target,
        "DBT_LOG_FORMAT": "json",
    }
    env |= {"DBT_PROJECT_DIR": str(project), "DBT_PROFILES_DIR": str(project)}
    process = InProcessDbt(["dbt", *args], dbt_arguments(["dbt", *args], env), key)
    events = [json.loads(line) for line in process.stdout]
    process.wait(timeout=120)
    return process, events


def _names(events: list[dict]) -> list[str]:
    return [e["info"]["name"] for e in events]


def test_a_build_streams_dbts_console_events_and_lets_go_of_the_warehouse(tiny: Path) -> None:
    process, events = _invoke(tiny, "build")
    assert process.returncode == 0
    results = [e for e in events if e["info"]["name"] in RESULTS]
    assert len(results) == 5  # 2 models + 3 tests: the events dagster-dbt turns into Dagster's
    assert {e["data"]["status"] for e in results} == {"OK", "pass"}
    # The console's events only: no debug lines, no cache events.
    assert {e["info"]["level"] for e in events} <= {"info", "warn", "error"}
    assert "CacheAction" not in _names(events)
    assert (tiny / "target" / "dbt.log").stat().st_size > 0  # dbt's debug log, as before
    # Another process can open the database dbt wrote (dbt-duckdb closes it only at exit).
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import duckdb,sys; print(duckdb.connect(sys.argv[1]).sql("
            "'select sum(n2) from doubled').fetchall()[0][0])",
            str(tiny / "tiny.duckdb"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.stdout.strip() == "20", out.stderr


def test_a_failing_test_is_exit_code_1_with_the_error_in_the_events(tiny: Path) -> None:
    (tiny / "models" / "doubled.sql").write_text("select n * 3 as n2 from {{ ref('numbers') }}")
    process, events = _invoke(tiny, "build")
    assert process.returncode == 1
    failed = [e for e in events if e["info"]["name"] in RESULTS and e["data"]["status"] == "fail"]
    assert len(failed) == 1
    assert any(e["info"]["level"] == "error" for e in events)


def test_the_parse_is_kept_for_the_next_invocation_of_the_same_run_only(tiny: Path) -> None:
    first, _ = _invoke(tiny, "build", key=("run-1",))
    assert first.returncode == 0
    # A model that does not compile: a new parse would fail on it, the kept one never read it.
    (tiny / "models" / "broken.sql").write_text("select {{ ref('no_such_model') }}")
    second, events = _invoke(tiny, "build", "--select", "doubled", key=("run-1",))
    assert second.returncode == 0
    assert len([n for n in _names(events) if n in RESULTS]) == 2  # doubled and its test
    third, events = _invoke(tiny, "build", key=("run-2",))
    assert third.returncode != 0
    assert any("no_such_model" in e["info"]["msg"] for e in events)


def test_an_exception_before_dbt_starts_is_exit_code_2_and_a_line(tiny: Path) -> None:
    process = InProcessDbt(["dbt", "build"], ["build", "--no-such-flag"], ("r",))
    lines = [line.decode() for line in process.stdout]
    assert process.wait(timeout=60) == 2
    assert len(lines) == 1 and "no-such-flag" in lines[0]


def _waits_in_queue_join(thread: threading.Thread, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if waiting_in_queue_join(thread) is not None:
            return True
        time.sleep(0.01)
    return False


def test_an_interrupt_stops_dbt_with_nodes_left_unbuilt(tiny: Path) -> None:
    for i in range(40):
        (tiny / "models" / f"slow_{i}.sql").write_text(
            "select count(*) as n from range(30000000) a where a.range % 7 = 3"
        )
    target = tiny / "target"
    args = ["run", "--project-dir", str(tiny), "--profiles-dir", str(tiny), "--threads", "1"]
    args += ["--target-path", str(target), "--log-path", str(target), "--log-level", "none"]
    process = InProcessDbt(["dbt", "run"], args, ("r",))
    names = []
    for line in process.stdout:
        names.append(json.loads(line)["info"]["name"])
        if names.count("LogModelResult") == 1 and "sent" not in names:
            # Where dbt's thread spends a build: waiting in queue.Queue.join() for every queued
            # node (an exception alone reaches it only when the last one is done).
            assert _waits_in_queue_join(process._thread), "dbt's thread never waited in join"
            process.send_signal(2)
            names.append("sent")
    assert process.wait(timeout=60) != 0, names
    # The first model done, the stop asked for: at most the model running then also finishes.
    assert names.count("LogModelResult") <= 3, names


def test_the_resource_runs_dbt_here_in_the_project_folder_and_as_a_subprocess_elsewhere(
    tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dbt = KokemusDbtCliResource(
        project_dir=str(tiny),
        profiles_dir=str(tiny),
        dbt_executable=f"{Path(sys.executable).parent}/dbt",
    )
    here = dbt.cli(["build"], target_path=tiny / "target" / "here")
    assert isinstance(here.process, InProcessDbt)
    events = [e.raw_event["info"]["name"] for e in here.stream_raw_events()]
    assert len([name for name in events if name in RESULTS]) == 5
    assert here.is_successful()

    monkeypatch.chdir(tiny.parent)
    elsewhere = dbt.cli(["build"], target_path=tiny / "target" / "elsewhere").wait()
    assert isinstance(elsewhere.process, subprocess.Popen)
    assert elsewhere.is_successful()

    monkeypatch.chdir(tiny)
    (tiny / "models" / "doubled.sql").write_text("select n * 3 as n2 from {{ ref('numbers') }}")
    with pytest.raises(DagsterDbtCliRuntimeError, match="exit code `1`") as failed:
        dbt.cli(["build"], target_path=tiny / "target" / "failed").wait()
    assert "accepted_values" in str(failed.value)
    # Outside a run (no run id) nothing is kept: that last build parsed the changed model.
    assert dbt_in_process._kept_manifest is None
    # The resource left dagster-dbt's own class in place.
    from dagster_dbt.core import resource

    assert resource.DbtCliInvocation is DbtCliInvocation


def test_when_dbt_stays_a_subprocess(tiny: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = {**os.environ, "DBT_TARGET_PATH": "t", "DAGSTER_DBT_CLI": "true"}
    build = ["dbt", "build"]
    assert why_not_in_process(build, env, tiny, tiny) is None
    static = why_not_in_process(build, {**env, "DBT_STATIC_PARSER": "0"}, tiny, tiny)
    assert static == "dagster-dbt sets DBT_STATIC_PARSER, which has no dbt flag here"
    assert "not DuckDB" in why_not_in_process([*build, "--target", "spark"], env, tiny, tiny)
    assert "working folder" in why_not_in_process(build, env, tiny, tiny / "models")
    monkeypatch.setenv("CX_DBT_IN_PROCESS", "0")
    assert why_not_in_process(build, env, tiny, tiny) == "CX_DBT_IN_PROCESS=0"
    monkeypatch.setenv("CX_DBT_IN_PROCESS", "1")
    monkeypatch.setenv("CX_DBT_TARGET", "spark")
    assert "not DuckDB" in why_not_in_process(build, env, tiny, tiny)


def test_dagster_dbts_environment_becomes_flags() -> None:
    env = {
        **os.environ,
        "DBT_TARGET_PATH": "/t/1",
        "DBT_LOG_PATH": "/t/1",
        "DBT_LOG_FORMAT": "json",
    }
    args = dbt_arguments(["/venv/bin/dbt", "build", "--select", "a"], env)
    assert args[:3] == ["build", "--select", "a"]
    assert args[3:9] == ["--target-path", "/t/1", "--log-path", "/t/1", "--log-format", "json"]
    assert args[9:] == [
        "--no-send-anonymous-usage-stats",
        "--log-level",
        "none",
        "--log-level-file",
        "debug",
    ]
    assert dbt_arguments(["dbt", "build"], {**env, "DBT_LOG_LEVEL_FILE": "none"})[-1] == "none"


def test_each_dbt_op_keeps_its_newest_target_folders(tmp_path: Path) -> None:
    """dagster-dbt never removes a step's target folder (~12 MB each); the resource keeps the
    newest KEPT_TARGET_FOLDERS - 1 per op (the new step's makes KEPT_TARGET_FOLDERS) and every
    folder of the last day (another run may be using it)."""
    from types import SimpleNamespace

    from orchestration.defs.transform.dbt import KEPT_TARGET_FOLDERS

    (tmp_path / "dbt_project.yml").write_text(PROJECT)
    for i in range(8):
        for op in ("dbt_models", "dbt_after_analytics"):
            folder = tmp_path / "target" / f"{op}-run{i:04d}-abcdefg"
            folder.mkdir(parents=True)
            os.utime(folder, (1_000_000 + i, 1_000_000 + i))
    recent = tmp_path / "target" / "dbt_models-0recent-abcdefg"
    recent.mkdir()
    os.utime(recent, (time.time() - 3600, time.time() - 3600))
    for i in range(4, 8):  # the newest four: 0recent is fifth, kept by the day rule alone
        os.utime(tmp_path / "target" / f"dbt_models-run{i:04d}-abcdefg", (time.time(),) * 2)
    (tmp_path / "target" / "manifest.json").write_text("{}")
    dbt = KokemusDbtCliResource(
        project_dir=str(tmp_path), dbt_executable=f"{Path(sys.executable).parent}/dbt"
    )
    op = SimpleNamespace(name="dbt_models")
    context = SimpleNamespace(
        op_execution_context=SimpleNamespace(op=op), run=SimpleNamespace(run_id="f00dfeed-1")
    )
    path = dbt._get_unique_target_path(context=context)
    assert path.name.startswith("dbt_models-f00dfee-")
    left = sorted(p.name for p in (tmp_path / "target").iterdir())
    # Beyond the newest four (run0004-0007, now): 0recent (an hour ago) stays, the 1970 go.
    kept = ["dbt_models-0recent-abcdefg"]
    kept += [f"dbt_models-run{i:04d}-abcdefg" for i in range(8 - KEPT_TARGET_FOLDERS + 1, 8)]
    others = [f"dbt_after_analytics-run{i:04d}-abcdefg" for i in range(8)]
    assert left == sorted([*kept, *others, "manifest.json"])
    assert KEPT_TARGET_FOLDERS == 5


def test_a_kept_parse_is_keyed_by_run_project_and_vars(tmp_path: Path) -> None:
    from orchestration.defs.transform.dbt_in_process import _manifest_key

    build = ["/venv/bin/dbt", "build", "--select", "a"]
    assert _manifest_key(None, tmp_path, build) is None
    assert _manifest_key("r1", tmp_path, build) == ("r1", str(tmp_path.resolve()))
    with_vars = [*build, "--vars", "{x: 1}"]
    assert _manifest_key("r1", tmp_path, with_vars) == (
        "r1",
        str(tmp_path.resolve()),
        "--vars",
        "{x: 1}",
    )
    assert _manifest_key("r1", tmp_path, [*build, "--vars={x: 2}"])[-1] == "--vars={x: 2}"
