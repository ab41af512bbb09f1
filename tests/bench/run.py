"""`make bench`: the pipeline against two hand-written baselines on the same files, in one go.

    python -m tests.bench.run --preset small          # 50 000 customers, 500 000 responses
    python -m tests.bench.run --preset large          # 1 000 000 customers, 10 000 000 responses

Steps, each a process of its own so its wall time and peak memory are its own:
  generate  the preset's 12 quarters (2023-Q1..2025-Q4) into <work>/inbox, and the 13th quarter
            (2026-Q1) into <work>/next_quarter; skipped when the inbox is already there
  (a)       the full pipeline: the `build_all` job (ingest, checks, dbt, analytics, HTML reports,
            BI copy) into a fresh warehouse
  (b)       baseline: one hand-written DuckDB SQL script from the CSVs to the period marts
  (c)       baseline: the same period marts with pandas
  (a+1)     the 13th quarter's files are added and the pipeline runs again (incremental)
  threads   optional: `dbt build --full-refresh` on a copy of (a)'s warehouse per dbt thread count

Results: a Markdown table on stdout and <work>/results.json (with (a)'s per-step profile).
"""

import argparse
import json
import os
import platform
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

from tests.bench.measure import Measured, run

PROJECT_DIR = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
BIN = Path(PYTHON).parent


def _machine() -> str:
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    return (
        f"{os.cpu_count()} cores, {mem_kb / 1024 / 1024:.0f} GiB, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}"
    )


def _env(work: Path, warehouse: Path, **extra: str) -> dict[str, str]:
    home = work / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = dict(os.environ)
    env.update(
        CX_INBOX=str(work / "inbox"),
        CX_WAREHOUSE=str(warehouse),
        CX_REPORTS_DIR=str(work / "reports"),
        CX_PUBLISHED_DIR=str(work / "published"),
        CX_INBOX_SETTLE_SECONDS="0",
        # PDFs cost the same at any data size (BENCHMARKS.md "Publishing"): HTML only here.
        CX_REPORTS_PDF="0",
        DAGSTER_HOME=str(home),
        PATH=str(BIN) + os.pathsep + env.get("PATH", ""),
        PYTHONPATH=str(PROJECT_DIR),
        **extra,
    )
    return env


def _row(name: str, m: Measured) -> dict:
    return {
        "step": name,
        "seconds": round(m.seconds, 1),
        "peak_tree_mb": round(m.peak_tree_mb),
        "peak_process_mb": round(m.peak_process_mb),
        "returncode": m.returncode,
        "command": m.command,
    }


def _inbox_rows(inbox: Path) -> dict[str, int]:
    """Data lines per source folder (files are CSV with one header line)."""
    rows: dict[str, int] = {}
    for path in sorted(inbox.rglob("*.csv")):
        with path.open("rb") as handle:
            count = sum(buf.count(b"\n") for buf in iter(lambda: handle.read(1 << 20), b""))
        source = path.relative_to(inbox).parts[0]
        rows[source] = rows.get(source, 0) + max(count - 1, 0)
    return rows


def _check(name: str, m: Measured, log: Path) -> Measured:
    if m.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
        raise SystemExit(f"{name} failed (exit {m.returncode}); the end of {log}:\n{tail}")
    return m


def ratios(a: Measured, b: Measured, c: Measured | None, inc: Measured | None) -> dict:
    """The issue's goals: a <= 1.5 b + 10 s, c >= 5 a, incremental <= 15 % of a."""
    out = {
        "a_over_b": round(a.seconds / b.seconds, 2),
        "a_minus_1_5b_seconds": round(a.seconds - 1.5 * b.seconds, 1),
    }
    if c:
        out["c_over_a"] = round(c.seconds / a.seconds, 2)
    if inc:
        out["incremental_over_a"] = round(inc.seconds / a.seconds, 3)
    return out


def remove_next_quarter(inbox: Path, next_quarter: Path) -> list[str]:
    """Removes the 13th quarter's files from the inbox; returns those that were there."""
    removed = []
    for path in sorted(next_quarter.rglob("*")) if next_quarter.exists() else []:
        target = inbox / path.relative_to(next_quarter)
        if path.is_file() and target.is_file():
            target.unlink()
            removed.append(target.relative_to(inbox).as_posix())
    return removed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.run", description=__doc__)
    parser.add_argument("--preset", choices=["small", "large"], default="small")
    parser.add_argument("--work", type=Path, help="default: data/bench/<preset>")
    parser.add_argument(
        "--threads", default="", help="dbt thread counts to sweep, e.g. 1,2,4 (default: none)"
    )
    parser.add_argument(
        "--skip", default="", help="comma-separated steps to leave out: pandas, incremental"
    )
    args = parser.parse_args(argv)
    work = (args.work or PROJECT_DIR / "data" / "bench" / args.preset).resolve()
    skip = {s for s in args.skip.split(",") if s}
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    inbox, next_quarter = work / "inbox", work / "next_quarter"
    results: list[dict] = []

    def step(name: str, command: list[str], env: dict[str, str]) -> Measured:
        log = logs / f"{name}.log"
        print(f"[bench] {name}: {' '.join(command)}", flush=True)
        m = _check(name, run(command, env, log, cwd=PROJECT_DIR), log)
        results.append(_row(name, m))
        print(f"[bench] {name}: {m.seconds:.1f} s, peak {m.peak_tree_mb:.0f} MB", flush=True)
        return m

    warehouse = work / "a" / "warehouse.duckdb"
    env = _env(work, warehouse)
    if not inbox.exists():
        gen = [PYTHON, "-m", "orchestration.sample_data", "--preset", args.preset]
        step("generate", [*gen, "--out", str(inbox)], env)
        step("generate_next_quarter", [*gen, "--append-quarter", "--out", str(next_quarter)], env)
    # A bench stopped between copying the 13th quarter in and taking it out again left those
    # files in the inbox: the full build would read 13 quarters and the incremental run none.
    if removed := remove_next_quarter(inbox, next_quarter):
        print(f"[bench] put the inbox back as generated: removed {', '.join(removed)}", flush=True)
    rows = _inbox_rows(inbox)

    shutil.rmtree(warehouse.parent, ignore_errors=True)
    shutil.rmtree(work / "published", ignore_errors=True)
    warehouse.parent.mkdir(parents=True)
    profile = work / "pipeline_profile.json"
    a = step(
        "a_pipeline", [PYTHON, "-m", "tests.bench.pipeline_run", "--profile", str(profile)], env
    )
    baselines = work / "baselines"
    shutil.rmtree(baselines, ignore_errors=True)
    duckdb_out, pandas_out = str(baselines / "duckdb"), str(baselines / "pandas")
    b = step(
        "b_duckdb_sql",
        [PYTHON, "tests/bench/baseline_duckdb.py", "--inbox", str(inbox), "--out", duckdb_out],
        env,
    )
    c = None
    if "pandas" not in skip:
        c = step(
            "c_pandas",
            [
                PYTHON,
                "-m",
                "tests.bench.baseline_pandas",
                "--inbox",
                str(inbox),
                "--out",
                pandas_out,
            ],
            env,
        )

    incremental = None
    if "incremental" not in skip and next_quarter.exists():
        for path in sorted(next_quarter.rglob("*")):
            if path.is_file():
                target = inbox / path.relative_to(next_quarter)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)
        incremental_profile = work / "pipeline_profile_incremental.json"
        incremental = step(
            "a_incremental",
            [PYTHON, "-m", "tests.bench.pipeline_run", "--profile", str(incremental_profile)],
            env,
        )
        # Leave the inbox as generated, so a second run measures the same thing.
        remove_next_quarter(inbox, next_quarter)

    for threads in [t for t in args.threads.split(",") if t]:
        copy = work / "threads" / "warehouse.duckdb"
        shutil.rmtree(copy.parent, ignore_errors=True)
        copy.parent.mkdir(parents=True)
        shutil.copy2(warehouse, copy)
        step(
            f"dbt_threads_{threads}",
            [str(BIN / "dbt"), "build", "--full-refresh", "--profiles-dir", ".", "--quiet",
             "--target-path", str(work / "threads" / "target")],
            _env(work, copy, CX_DBT_THREADS=threads),
        )  # fmt: skip

    summary = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": _machine(),
        "preset": args.preset,
        "inbox_rows": rows,
        "duckdb_threads": env.get("CX_DUCKDB_THREADS", "2"),
        "duckdb_memory_limit": env.get("CX_DUCKDB_MEMORY_LIMIT", "2GB"),
        "ratios": {
            "a_over_b": round(a.seconds / b.seconds, 2),
            "a_minus_1_5b_seconds": round(a.seconds - 1.5 * b.seconds, 1),
            **({"c_over_a": round(c.seconds / a.seconds, 2)} if c else {}),
            **(
                {"incremental_over_a": round(incremental.seconds / a.seconds, 3)}
                if incremental
                else {}
            ),
        },  # fmt: skip
        "steps": results,
        "pipeline_profile": json.loads(profile.read_text()),
    }
    (work / "results.json").write_text(json.dumps(summary, indent=2))
    print(f"\n{summary['date']} · {summary['machine']} · preset {args.preset}")
    print("inbox rows: " + ", ".join(f"{k} {v:,}" for k, v in rows.items()))
    print("\n| step | wall time | peak RSS (tree) | peak RSS (largest process) |")
    print("|---|---|---|---|")
    for r in results:
        mb = f"{r['peak_tree_mb']} MB | {r['peak_process_mb']} MB"
        print(f"| {r['step']} | {r['seconds']} s | {mb} |")
    print("\nratios: " + ", ".join(f"{k} = {v}" for k, v in summary["ratios"].items()))
    print(f"results: {work / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
