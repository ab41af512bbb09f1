"""Run the `build_all` job once, in this process, and write where its time went as JSON.

The benchmark harness (tests/bench/run.py) starts this as its own process so that the wall time
and peak memory it measures are the pipeline's alone. The job is the one `make run` executes,
over every closed quarter's report partition; settings come from the environment as usual.

    python -m tests.bench.pipeline_run --profile OUT.json
"""

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path


def step_seconds(instance, run_id: str) -> dict[str, float]:
    """Seconds from each step's start to its end (success or failure), by step key."""
    started: dict[str, float] = {}
    spent: dict[str, float] = defaultdict(float)
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None or event.step_key is None:
            continue
        key, kind = event.step_key, event.event_type_value
        if kind == "STEP_START":
            started[key] = entry.timestamp
        elif kind in {"STEP_SUCCESS", "STEP_FAILURE"} and key in started:
            spent[key] += entry.timestamp - started.pop(key)
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
    result = job.execute_in_process(
        instance=instance, raise_on_error=False, tags=all_closed_quarters_tags()
    )
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
                "steps": {k: round(v, 2) for k, v in step_seconds(instance, result.run_id).items()},
                "failed_checks": failed_checks,
            },
            indent=2,
        )
    )
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
