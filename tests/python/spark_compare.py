"""Row-by-row comparison of the marts built by DuckDB and by Spark (test_spark.py)."""

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal

import duckdb

TOLERANCE = 1e-9


@dataclass
class TableDiff:
    table: str
    problems: list[str] = field(default_factory=list)


def _norm(value):
    """A value both engines' drivers can be compared on: instants as epoch microseconds."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        raise TypeError("timestamps are compared as epoch microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _sort_key(row: tuple) -> tuple:
    """Exact columns first (strings, ints, dates, flags), floats rounded: keys before numbers."""
    exact = tuple((0, "") if v is None else (1, str(v)) for v in row if not isinstance(v, float))
    rough = tuple((0, 0.0) if v is None else (1, round(v, 6)) for v in row if isinstance(v, float))
    return exact + rough


def values_equal(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if _is_number(a) and _is_number(b):
        if isinstance(a, int) and isinstance(b, int):
            return a == b
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return abs(a - b) <= TOLERANCE * max(1.0, abs(a), abs(b))
    return a == b


def duckdb_rows(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> tuple[list, list]:
    cols = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table],
    ).fetchall()
    exprs = [f'epoch_us("{c}")' if t.startswith("TIMESTAMP") else f'"{c}"' for c, t in cols]
    rows = con.execute(f"select {', '.join(exprs)} from {schema}.{table}").fetchall()
    return [c for c, _ in cols], [tuple(_norm(v) for v in r) for r in rows]


def spark_rows(spark, schema: str, table: str) -> tuple[list, list]:
    frame = spark.table(f"{schema}.{table}")
    exprs = [
        f"unix_micros(`{f.name}`)" if f.dataType.typeName() == "timestamp" else f"`{f.name}`"
        for f in frame.schema.fields
    ]
    rows = frame.selectExpr(*exprs).collect()
    return [f.name for f in frame.schema.fields], [tuple(_norm(v) for v in r) for r in rows]


def compare_table(table: str, duck: tuple[list, list], spark: tuple[list, list]) -> TableDiff:
    diff = TableDiff(table)
    (duck_cols, duck_rows), (spark_cols, spark_rows_) = duck, spark
    if duck_cols != spark_cols:
        diff.problems.append(f"columns differ: duckdb {duck_cols} vs spark {spark_cols}")
        return diff
    if len(duck_rows) != len(spark_rows_):
        diff.problems.append(f"row count: duckdb {len(duck_rows)} vs spark {len(spark_rows_)}")
    for d, s in zip(
        sorted(duck_rows, key=_sort_key), sorted(spark_rows_, key=_sort_key), strict=False
    ):
        bad = [
            f"{c}: duckdb {dv!r} vs spark {sv!r}"
            for c, dv, sv in zip(duck_cols, d, s, strict=True)
            if not values_equal(dv, sv)
        ]
        if bad:
            diff.problems.append("; ".join(bad))
        if len(diff.problems) >= 5:
            break
    return diff
