"""dbt inside the Dagster run's process, read by dagster-dbt as if it were dbt's subprocess.

dagster-dbt starts `dbt build` as a subprocess and reads dbt's JSON log lines from its stdout.
Each start costs a Python interpreter, dbt's imports and reading the parsed project back
(~5 s a dbt step on 2 cores, two dbt steps a run: BENCHMARKS.md "Session 10"). Here dbt runs
in a thread of the run's own process (the in-process executor runs every step there), through
dbt's programmatic entry point, and hands dagster-dbt an object with the few things it uses of
a `subprocess.Popen`: `args`, a `stdout` of JSON lines, `wait`, `returncode`, `send_signal`.
dagster-dbt's event handling (materialisations, asset checks, errors) is unchanged.

- The lines are what dbt's console logger writes with `--log-format json` at its default
  level: info, warn and error events (not the cache events), secrets scrubbed. dbt's own
  console output is off (`--log-level none`): dagster-dbt echoes each event itself. dbt's
  debug log, `dbt.log` in the invocation's target folder, is written as before.
- The parsed project (dbt's Manifest) is kept for the next dbt step of the same run: the
  second step does not parse at all. A new run parses again (files may have changed).
- dbt-duckdb keeps its database open until the interpreter exits; after each invocation it is
  closed, so the next step (or another process) can open the warehouse.
- A Dagster interrupt raises KeyboardInterrupt in dbt's thread, which dbt answers as it answers
  Ctrl-C: it cancels the open queries and stops.

dbt runs as a subprocess, as dagster-dbt does it, whenever running it here could differ from
that: `CX_DBT_IN_PROCESS=0`; the run's working folder is not the dbt project's (dbt resolves
the warehouse path against it); a target other than DuckDB; or dagster-dbt sets an
environment variable that has no dbt flag here.
"""

from __future__ import annotations

import ctypes
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from dagster_dbt.core.dbt_cli_invocation import DbtCliInvocation, _get_dbt_target_path

# The environment dagster-dbt gives dbt's subprocess (DbtCliResource.cli), as dbt flags.
_ENV_FLAGS = {
    "DBT_TARGET_PATH": "--target-path",
    "DBT_LOG_PATH": "--log-path",
    "DBT_PROFILES_DIR": "--profiles-dir",
    "DBT_PROJECT_DIR": "--project-dir",
    "DBT_LOG_FORMAT": "--log-format",
    "DBT_INDIRECT_SELECTION": "--indirect-selection",
}
# Set for the subprocess and meaningless in this one (stdio buffering, a marker for dbt
# packages that kokemus does not install) or given as a flag of its own below.
_ENV_NOT_NEEDED = {
    "PYTHONLEGACYWINDOWSSTDIO",
    "PYTHONUNBUFFERED",
    "DAGSTER_DBT_CLI",
    "DBT_SEND_ANONYMOUS_USAGE_STATS",
}
_CONSOLE_LEVELS = {"info", "warn", "error"}
_CACHE_EVENTS = {"CacheAction", "CacheDumpGraph"}

# The working folder of the code that called the resource's `cli` (which runs dbt's start
# inside `pushd(project_dir)`, so the folder seen here is always the project's).
caller_cwd: ContextVar[Path | None] = ContextVar("caller_cwd", default=None)

# (run id, project folder, the arguments that shape the parse) -> dbt's Manifest; one entry.
_manifest_lock = threading.Lock()
_kept_manifest: tuple[tuple[str, ...], Any] | None = None


def why_not_in_process(
    args: Sequence[str], env: Mapping[str, str], project_dir: Path, cwd: Path
) -> str | None:
    """None when dbt can run in this process for this call; else the reason it cannot."""
    if os.environ.get("CX_DBT_IN_PROCESS", "1") == "0":
        return "CX_DBT_IN_PROCESS=0"
    if os.environ.get("CX_DBT_TARGET", "duckdb") != "duckdb" or "--target" in args:
        return "the dbt target is not DuckDB"
    if cwd.resolve() != project_dir.resolve():
        return f"the working folder {cwd} is not the dbt project's, {project_dir}"
    unknown = sorted(
        key
        for key, value in env.items()
        if os.environ.get(key) != value and key not in _ENV_FLAGS and key not in _ENV_NOT_NEEDED
    )
    if unknown:
        return f"dagster-dbt sets {', '.join(unknown)}, which has no dbt flag here"
    return None


def dbt_arguments(args: Sequence[str], env: Mapping[str, str]) -> list[str]:
    """The subprocess's command line (without the executable) plus its environment as flags."""
    flags = [
        part
        for key, flag in _ENV_FLAGS.items()
        if key in env and os.environ.get(key) != env[key]
        for part in (flag, env[key])
    ]
    # Without a level of its own, dbt's file log follows --log-level: keep it at dbt's default.
    file_log = [] if "DBT_LOG_LEVEL_FILE" in env else ["--log-level-file", "debug"]
    return [*args[1:], *flags, "--no-send-anonymous-usage-stats", "--log-level", "none", *file_log]


def _manifest_key(
    run_id: str | None, project_dir: Path, args: Sequence[str]
) -> tuple[str, ...] | None:
    """What a kept parse is good for: the run, the project, the `--vars` (which shape it).
    None outside a run: nothing says the project's files stay as they are."""
    if run_id is None:
        return None
    shaping = [
        a for i, a in enumerate(args) if a.startswith("--vars") or (i and args[i - 1] == "--vars")
    ]
    return (run_id, str(project_dir.resolve()), *shaping)


class _Lines:
    """The stdout dagster-dbt iterates: bytes lines until dbt has finished."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self.closed = False

    def put(self, line: bytes | None) -> None:
        self._queue.put(line)

    def __iter__(self) -> Iterator[bytes]:
        while (line := self._queue.get()) is not None:
            yield line
        self.closed = True

    def __enter__(self) -> _Lines:
        return self

    def __exit__(self, *exc: object) -> None:
        self.closed = True


class InProcessDbt:
    """One dbt invocation on a thread of this process, shaped like the `Popen` it replaces."""

    def __init__(
        self, args: Sequence[str], dbt_args: Sequence[str], manifest_key: tuple[str, ...] | None
    ):
        self.args = list(args)
        self.dbt_args = list(dbt_args)
        self.returncode: int | None = None
        self.stdout = _Lines()
        self._manifest_key = manifest_key
        self._thread = threading.Thread(target=self._run, name="dbt-in-process", daemon=True)
        self._thread.start()

    def _on_event(self, msg: Any) -> None:
        if msg.info.level not in _CONSOLE_LEVELS or msg.info.name in _CACHE_EVENTS:
            return
        from dbt_common.events.functions import env_scrubber, msg_to_json

        self.stdout.put(env_scrubber(msg_to_json(msg)).encode())

    def _run(self) -> None:
        global _kept_manifest
        from dbt.cli import requires
        from dbt.cli.main import cli
        from dbt.contracts.graph.manifest import Manifest

        with _manifest_lock:
            kept = _kept_manifest
        key = self._manifest_key
        manifest = kept[1] if kept is not None and key is not None and kept[0] == key else None
        ctx = None
        try:
            # dbtRunner.invoke, keeping the context: its `manifest` is the parsed project.
            ctx = cli.make_context(cli.name, list(self.dbt_args))
            ctx.obj = {
                "manifest": manifest,
                "callbacks": [self._on_event],
                "dbt_runner_command_args": list(self.dbt_args),
            }
            _result, success = cli.invoke(ctx)
            self.returncode = 0 if success else 1
        except requires.ResultExit:
            self.returncode = 1  # dbt ran and something failed; its events said what
        except requires.ExceptionExit:
            self.returncode = 2  # dbt stopped on an error; its events said what
        except BaseException as error:  # whatever stopped dbt: a line, as its CLI prints it
            self.returncode = 2
            self.stdout.put(f"dbt stopped: {type(error).__name__}: {error}".encode())
        finally:
            parsed = ctx.obj.get("manifest") if ctx is not None and ctx.obj else None
            if key is not None and isinstance(parsed, Manifest):
                with _manifest_lock:
                    _kept_manifest = (key, parsed)
            _close_warehouse()
            self.stdout.put(None)

    def wait(self, timeout: float | None = None) -> int | None:
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise subprocess.TimeoutExpired(" ".join(self.args), timeout or 0)
        return self.returncode

    def send_signal(self, _signal: int) -> None:
        """Stop dbt as Ctrl-C stops it: a KeyboardInterrupt in its thread.

        The exception is raised when that thread next runs Python code. dbt's thread spends
        most of a build in `queue.Queue.join()`, waiting for its workers to finish every
        queued node (it wakes only when the last one is done), so it is also woken there:
        dbt then cancels what is left, as on Ctrl-C.
        """
        ident = self._thread.ident
        if not self._thread.is_alive() or ident is None:
            return
        ctypes.pythonapi.PyThreadState_SetAsyncExc(
            ctypes.c_ulong(ident), ctypes.py_object(KeyboardInterrupt)
        )
        threading.Thread(target=_wake_queue_join, args=(self._thread,), daemon=True).start()


def waiting_in_queue_join(thread: threading.Thread) -> threading.Condition | None:
    """The condition `thread` waits on inside `queue.Queue.join()`, if it waits there now."""
    frame = sys._current_frames().get(thread.ident or -1)
    if frame is None or frame.f_code is not threading.Condition.wait.__code__:
        return None
    if frame.f_back is None or frame.f_back.f_code is not queue.Queue.join.__code__:
        return None
    condition = frame.f_locals.get("self")
    return condition if isinstance(condition, threading.Condition) else None


def _wake_queue_join(thread: threading.Thread, seconds: float = 60.0) -> None:
    """Wake `thread` while it waits in `queue.Queue.join()` (a wake-up there is harmless: join
    checks its count again), until it ends or `seconds` pass."""
    deadline = time.monotonic() + seconds
    while thread.is_alive() and time.monotonic() < deadline:
        if (condition := waiting_in_queue_join(thread)) is not None:
            with condition:
                condition.notify_all()
        time.sleep(0.1)


def _close_warehouse() -> None:
    """Let go of the DuckDB database dbt-duckdb opened (it does so only at exit)."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from dbt.adapters.factory import reset_adapters

    reset_adapters()
    DuckDBConnectionManager.close_all_connections()


class InProcessDbtCliInvocation(DbtCliInvocation):
    """dagster-dbt's invocation with the subprocess replaced by `InProcessDbt` where it can be."""

    @classmethod
    def run(
        cls,
        args: Sequence[str],
        env: dict[str, str],
        manifest: Mapping[str, Any],
        dagster_dbt_translator: Any,
        project_dir: Path,
        target_path: Path,
        raise_on_error: bool,
        context: Any,
        adapter: Any,
        cli_version: Any,
        dbt_project: Any = None,
    ) -> DbtCliInvocation:
        reason = why_not_in_process(args, env, project_dir, caller_cwd.get() or Path.cwd())
        shared = {
            "manifest": manifest,
            "dagster_dbt_translator": dagster_dbt_translator,
            "project_dir": project_dir,
            "target_path": target_path,
            "raise_on_error": raise_on_error,
            "context": context,
            "adapter": adapter,
            "cli_version": cli_version,
        }
        if reason is not None:
            if context is not None:
                context.log.info(f"dbt runs as a subprocess: {reason}.")
            return DbtCliInvocation.run(args=args, env=env, dbt_project=dbt_project, **shared)
        _copy_partial_parse(project_dir, target_path)
        run_id = getattr(context, "run_id", None) if context is not None else None
        process = InProcessDbt(
            args, dbt_arguments(args, env), _manifest_key(run_id, project_dir, args)
        )
        return cls(process=process, project=dbt_project, **shared)  # type: ignore[arg-type]


def _copy_partial_parse(project_dir: Path, target_path: Path) -> None:
    """As DbtCliInvocation.run: dbt's partial parse of `target/` seeds the new target folder."""
    source = project_dir / _get_dbt_target_path() / "partial_parse.msgpack"
    destination = target_path / "partial_parse.msgpack"
    if source.exists() and not destination.exists():
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(source.read_bytes())
