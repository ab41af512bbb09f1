"""Benchmark baseline (b): run baseline_duckdb.sql, one DuckDB script, over an inbox.

    python tests/bench/baseline_duckdb.py --inbox DIR --out DIR

writes <out>/<mart>.parquet for the period marts. Threads and memory limit come from
CX_DUCKDB_THREADS / CX_DUCKDB_MEMORY_LIMIT, as in the pipeline (defaults 2 and 2GB); the
database is in memory, spilling to a temp folder inside <out>.
"""

import argparse
import os
import sys
import time
from pathlib import Path

import duckdb

SCRIPT = Path(__file__).with_name("baseline_duckdb.sql")
MARTS = (
    "mart_cx_scores__quarter",
    "mart_churn__quarter_segment",
    "mart_retention__cohort",
    "mart_revenue_at_risk__quarter_segment",
)


def _sql_path(path: Path) -> str:
    return path.resolve().as_posix().replace("'", "''")


def run(inbox: Path, out: Path) -> dict[str, int]:
    """Compute the marts from the inbox CSVs into out/; returns rows per mart."""
    out.mkdir(parents=True, exist_ok=True)
    sql = SCRIPT.read_text(encoding="utf-8")
    sql = sql.replace("{inbox}", _sql_path(inbox)).replace("{out}", _sql_path(out))
    con = duckdb.connect(
        config={
            "threads": int(os.environ.get("CX_DUCKDB_THREADS", "2")),
            "memory_limit": os.environ.get("CX_DUCKDB_MEMORY_LIMIT", "2GB"),
            "temp_directory": str(out / ".duckdb_tmp"),
        }
    )
    try:
        con.execute("set enable_progress_bar = false")
        con.execute(sql)
        return {
            mart: con.execute(f"select count(*) from {mart}").fetchall()[0][0] for mart in MARTS
        }
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inbox", type=Path, required=True, help="inbox folder (CX_INBOX)")
    parser.add_argument("--out", type=Path, required=True, help="folder for <mart>.parquet")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    rows = run(args.inbox, args.out)
    elapsed = time.perf_counter() - started
    summary = ", ".join(f"{mart} {n}" for mart, n in rows.items())
    print(f"duckdb baseline: {summary} rows in {elapsed:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
