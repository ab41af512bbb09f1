"""One run at a time writes the warehouse: a run-level lock on `<CX_WAREHOUSE>.lock`.

DuckDB lets one process write a database file, and a run opens it many times over (the raw
loads, dbt's subprocess, the analytics assets, the reports, the BI copy). Two runs at once —
the inbox sensor's and a `make run` in another terminal — used to meet half-way, and the
second failed with "Could not set lock on file" on whichever step came first. Now every run
takes an exclusive `flock` on the lock file before its first step and keeps it until its last
step has finished; a second run waits for it, bounded by `CX_WAREHOUSE_LOCK_TIMEOUT`, with a
line naming the run it waits for, and if the wait runs out it fails before any step started.

The holder writes its run id, pid, start time and origin into the lock file for the waiter's
message. The OS releases a `flock` when its process ends, however it ends, so a crashed run
never blocks the next one; what it wrote stays in the file but describes nobody.
Linux and macOS only (`fcntl`).
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg

from orchestration.settings import get_settings

POLL_SECONDS = 0.5


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".lock")


@dataclass(frozen=True)
class Holder:
    """What the run holding the warehouse wrote into the lock file."""

    run_id: str
    pid: int
    since: str  # ISO time, UTC
    origin: str  # "sensor inbox_sensor", "schedule …" or the command line

    def describe(self) -> str:
        return f"run {self.run_id} (pid {self.pid}, {self.origin}, since {self.since})"


class WarehouseBusy(dg.DagsterError):
    """Another run held the warehouse for longer than this run was allowed to wait."""


def _read_holder(path: Path) -> Holder | None:
    try:
        return Holder(**json.loads(path.read_text()))
    except (OSError, ValueError, TypeError):
        return None  # no file, or the holder is between taking the lock and writing to it


def current_holder(warehouse: Path) -> Holder | None:
    """The run holding the warehouse now, or None (for the sensor: it never waits)."""
    path = lock_path(warehouse)
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        # A shared lock is refused while a run holds the exclusive one; released at once.
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return _read_holder(path) or Holder("(not yet known)", 0, "now", "another process")
    finally:
        os.close(fd)
    return None


class WarehouseLock:
    """The lock file of one warehouse, opened; `acquire` then `release` (or `hold_warehouse`)."""

    def __init__(self, warehouse: Path) -> None:
        self.warehouse = warehouse
        self.path = lock_path(warehouse)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd: int | None = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)

    def acquire(self, me: Holder, timeout: float) -> Iterator[Holder]:
        """Take the lock, waiting at most `timeout` s; yields each holder it starts waiting for.

        Raises WarehouseBusy naming the holder when the time is up.
        """
        assert self._fd is not None
        started = time.monotonic()
        announced: Holder | None = None
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                pass
            waited = time.monotonic() - started
            # None for a moment after a holder locks and before it writes its details.
            other = _read_holder(self.path)
            if other is not None and other != announced:
                announced = other
                yield other
            if waited >= timeout:
                who = other or announced or Holder("(unknown)", 0, "?", "another process")
                raise WarehouseBusy(
                    f"The warehouse {self.warehouse} is still held by {who.describe()} after "
                    f"waiting {waited:.0f} s (CX_WAREHOUSE_LOCK_TIMEOUT={timeout:g}). No step "
                    "of this run started and nothing was loaded: start it again when that run "
                    "has finished (the Dagster UI or `dagster run list` shows it), or raise "
                    "CX_WAREHOUSE_LOCK_TIMEOUT to wait longer."
                )
            time.sleep(min(POLL_SECONDS, max(timeout - waited, 0.01)))
        data = json.dumps(asdict(me)).encode()
        os.pwrite(self._fd, data, 0)
        os.ftruncate(self._fd, len(data))

    def release(self) -> None:
        if self._fd is None:
            return
        # Still locked while clearing, so nobody reads a departed holder's details; closing
        # the file releases the lock (and the OS does the same if the process dies first).
        with suppress(OSError):
            os.ftruncate(self._fd, 0)
        os.close(self._fd)
        self._fd = None


@contextmanager
def hold_warehouse(warehouse: Path, me: Holder, timeout: float = 0) -> Iterator[None]:
    """Hold the warehouse inside the block (scripts and tests; runs go through the executor)."""
    lock = WarehouseLock(warehouse)
    try:
        for _ in lock.acquire(me, timeout):
            pass
        yield
    finally:
        lock.release()


def _origin(run: dg.DagsterRun) -> str:
    for tag, kind in (("dagster/sensor_name", "sensor"), ("dagster/schedule_name", "schedule")):
        if tag in run.tags:
            return f"{kind} {run.tags[tag]}"
    args = sys.argv[1:]
    if args[:2] == ["api", "execute_run"]:  # the run worker `dagster dev` starts
        return "launched from the Dagster UI or daemon"
    words = [Path(sys.argv[0]).name if sys.argv else "python"]
    for arg in args:  # without `make run`'s partition tags, a JSON object
        if arg == "--tags" or arg.startswith("{"):
            continue
        words.append(arg)
    command = " ".join(words)
    return command if len(command) <= 120 else command[:117] + "..."


class WarehouseLockedExecutor(dg.Executor):
    """Dagster's in-process executor, inside the warehouse lock: before the first step, after
    the last one. Any run of any job of the code location goes through it, whatever subset of
    assets it materialises (`execute_in_process` swaps the executor out: tests run one at a
    time and do not take the lock)."""

    def __init__(self, inner: dg.Executor) -> None:
        self._inner = inner

    # Typed loosely: RetryMode, StepDependencyConfig and the contexts are not public API.
    @property
    def retries(self):
        return self._inner.retries

    @property
    def step_dependency_config(self):
        return self._inner.step_dependency_config

    def execute(self, plan_context, execution_plan) -> Iterator[dg.DagsterEvent]:
        settings = get_settings()
        run = plan_context.dagster_run
        me = Holder(
            run_id=run.run_id,
            pid=os.getpid(),
            since=datetime.now(UTC).isoformat(timespec="seconds"),
            origin=_origin(run),
        )
        timeout = settings.warehouse_lock_timeout
        started = time.monotonic()
        lock = WarehouseLock(settings.warehouse)
        try:
            for other in lock.acquire(me, timeout):
                plan_context.log.info(
                    f"warehouse held by {other.describe()}; waiting up to {timeout:g} s "
                    "(CX_WAREHOUSE_LOCK_TIMEOUT)"
                )
            waited = time.monotonic() - started
            if waited >= POLL_SECONDS:
                plan_context.log.info(f"warehouse free after waiting {waited:.0f} s")
            yield from self._inner.execute(plan_context, execution_plan)
        finally:
            lock.release()


@dg.executor(
    name="in_process_holding_warehouse",
    config_schema=dg.in_process_executor.config_schema,
)
def in_process_holding_warehouse(init_context: dg.InitExecutorContext) -> dg.Executor:
    """Steps one after another in the run's process, holding the warehouse lock."""
    return WarehouseLockedExecutor(dg.in_process_executor.executor_creation_fn(init_context))
