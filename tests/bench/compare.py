"""Compare a baseline's <mart>.parquet files with the warehouse's dbt marts, row by row.

    python -m tests.bench.compare --warehouse data/warehouse.duckdb --out DIR

Rows are matched on each mart's key; every column of the dbt mart must be in the baseline,
with equal text, dates and flags and numbers within 1e-9 (relative 1e-12 for large sums).
"""

import argparse
import datetime as dt
import math
from decimal import Decimal
from pathlib import Path

import duckdb

KEYS = {
    "mart_cx_scores__quarter": ("quarter_start", "segment", "touchpoint"),
    "mart_churn__quarter_segment": ("quarter_start", "segment"),
    "mart_retention__cohort": ("cohort_quarter_start", "quarter_start"),
    "mart_revenue_at_risk__quarter_segment": ("quarter_start", "segment"),
}
ABS_TOL = 1e-9
REL_TOL = 1e-12


def _rows(con: duckdb.DuckDBPyConnection, relation: str, key: tuple[str, ...]):
    cursor = con.execute(f"select * from {relation}")
    columns = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    positions = [columns.index(k) for k in key]
    by_key = {}
    for row in rows:
        by_key[tuple(row[p] for p in positions)] = dict(zip(columns, row, strict=True))
    return columns, rows, by_key


def _number(value) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _same(a, b) -> bool:
    if a is None or b is None:
        # A NaN from pandas stands for SQL NULL.
        return (a is None or (isinstance(a, float) and math.isnan(a))) and (
            b is None or (isinstance(b, float) and math.isnan(b))
        )
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if _number(a) and _number(b):
        return math.isclose(float(a), float(b), rel_tol=REL_TOL, abs_tol=ABS_TOL)
    if isinstance(a, dt.datetime) or isinstance(b, dt.datetime):
        a = a.date() if isinstance(a, dt.datetime) else a
        b = b.date() if isinstance(b, dt.datetime) else b
    return a == b


def compare_mart(
    con: duckdb.DuckDBPyConnection, mart: str, parquet: Path, limit: int = 10
) -> list[str]:
    """Differences between marts.<mart> and the baseline's parquet file (empty: equal)."""
    key = KEYS[mart]
    expected_cols, expected_rows, expected = _rows(con, f"marts.{mart}", key)
    path = parquet.resolve().as_posix().replace("'", "''")
    got_cols, got_rows, got = _rows(con, f"read_parquet('{path}')", key)
    problems = []
    missing = [c for c in expected_cols if c not in got_cols]
    if missing:
        problems.append(f"{mart}: baseline lacks columns {missing}")
    if len(expected_rows) != len(got_rows) or len(expected) != len(got):
        problems.append(
            f"{mart}: {len(expected_rows)} rows ({len(expected)} keys) in dbt, "
            f"{len(got_rows)} rows ({len(got)} keys) in the baseline"
        )
    for k in sorted(set(expected) ^ set(got), key=str)[:limit]:
        problems.append(f"{mart}: key {k} only in {'dbt' if k in expected else 'the baseline'}")
    for k in sorted(set(expected) & set(got), key=str):
        for column in expected_cols:
            if column in got_cols and not _same(expected[k][column], got[k][column]):
                problems.append(
                    f"{mart} {k} {column}: dbt {expected[k][column]!r}, baseline {got[k][column]!r}"
                )
                if len(problems) >= limit:
                    return problems
    return problems


def compare_all(warehouse: Path, out: Path) -> list[str]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return [p for mart in KEYS for p in compare_mart(con, mart, out / f"{mart}.parquet")]
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True, help="the baseline's output folder")
    args = parser.parse_args(argv)
    problems = compare_all(args.warehouse, args.out)
    for problem in problems:
        print(problem)
    print("equal" if not problems else f"{len(problems)} differences (first ones above)")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
