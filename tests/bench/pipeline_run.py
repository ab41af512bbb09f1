"""Run the `build_all` job once, in this process, and write where its time went as JSON.

The benchmark harness (tests/bench/run.py) starts this as its own process so that the wall time
and peak memory it measures are the pipeline's alone. The job is the one `make run` executes,
over every closed quarter's report partition; settings come from the environment as usual.

    python -m tests.bench.pipeline_run --profile OUT.json
"""

import argparse
import json
import os
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20


class RssSampler:
    """This process's resident memory every `interval` seconds, as (epoch seconds, MB).

    dbt runs inside the run's process (docs/architecture.md), so this is the pipeline's whole
    footprint; `peak_between` gives each step's peak from the steps' event timestamps.
    """

    def __init__(self, interval: float = 0.25) -> None:
        self.samples: list[tuple[float, float]] = []
        self._done = threading.Event()
        self._interval = interval
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        statm = Path("/proc/self/statm")
        while not self._done.is_set():
            pages = int(statm.read_text().split()[1])
            self.samples.append((time.time(), pages * PAGE_MB))
            self._done.wait(self._interval)

    def __enter__(self) -> "RssSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()

    def peak_between(self, start: float, end: float) -> float:
        inside = [mb for t, mb in self.samples if start <= t <= end]
        return round(max(inside), 0) if inside else 0.0


def step_windows(instance, run_id: str) -> dict[str, list[tuple[float, float]]]:
    """(start, end) epoch seconds of each step's executions (success or failure), by step key."""
    started: dict[str, float] = {}
    windows: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None or event.step_key is None:
            continue
        key, kind = event.step_key, event.event_type_value
        if kind == "STEP_START":
            started[key] = entry.timestamp
        elif kind in {"STEP_SUCCESS", "STEP_FAILURE"} and key in started:
            windows[key].append((started.pop(key), entry.timestamp))
    return windows


def step_seconds(windows: dict[str, list[tuple[float, float]]]) -> dict[str, float]:
    """Seconds from each step's start to its end, by step key, the longest first."""
    spent = {k: sum(e - s for s, e in w) for k, w in windows.items()}
    return dict(sorted(spent.items(), key=lambda item: -item[1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.pipeline_run")
    parser.add_argument("--profile", type=Path, required=True, help="JSON file to write")
    args = parser.parse_args(argv)

    began = time.perf_counter()
    from dagster import DagsterInstance

    from orchestration.definitions import defs
    from orchestration.defs.publish.partitions import all_closed_quarters_tags

    imported = time.perf_counter() - began
    job = defs().resolve_job_def("build_all")
    instance = DagsterInstance.ephemeral()
    with RssSampler() as rss:
        result = job.execute_in_process(
            instance=instance, raise_on_error=False, tags=all_closed_quarters_tags()
        )
    windows = step_windows(instance, result.run_id)
    seconds = step_seconds(windows)
    failed_checks = [
        f"{e.asset_check_evaluation_data.asset_key.to_user_string()}:"
        f"{e.asset_check_evaluation_data.check_name}"
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
        and not e.asset_check_evaluation_data.passed
    ]
    args.profile.write_text(
        json.dumps(
            {
                "success": result.success,
                "import_seconds": round(imported, 2),
                "total_seconds": round(time.perf_counter() - began, 2),
                "steps": {k: round(v, 2) for k, v in seconds.items()},
                # The process's peak resident memory (MB) while each step ran, sampled.
                "step_peak_rss_mb": {
                    k: max(rss.peak_between(s, e) for s, e in windows[k]) for k in seconds
                },
                "peak_rss_mb": round(max((mb for _, mb in rss.samples), default=0.0), 0),
                "failed_checks": failed_checks,
            },
            indent=2,
        )
    )
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
