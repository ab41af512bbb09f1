"""The tables the report reads, as a schema snapshot for hand-made test warehouses.

The renderer refuses a warehouse that lacks a table it reads (a failed model is not "no data").
Unit tests write only the rows they assert on; `complete_report_tables` adds every other table
the report reads, empty, with the columns of a real build. tests/data/report_tables.sql is that
snapshot; test_pipeline holds it equal to the pipeline's own build. To refresh it after a mart
changes its columns:

    .venv/bin/python -m tests.python.report_tables data/warehouse.duckdb
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

from reports.data import report_tables

SNAPSHOT = Path(__file__).resolve().parent.parent / "data" / "report_tables.sql"


def table_ddl(con: duckdb.DuckDBPyConnection) -> list[str]:
    """One `create table if not exists` per report table, with the warehouse's column types."""
    out = []
    for name in report_tables():
        schema, table = name.split(".")
        cols = con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [schema, table],
        ).fetchall()
        if not cols:
            raise ValueError(f"{name} is not in the warehouse")
        body = ", ".join(f'"{c}" {t}' for c, t in cols)
        out.append(f"create table if not exists {name} ({body});")
    return out


def complete_report_tables(warehouse: Path) -> Path:
    """Create, empty, every report table the warehouse does not have yet."""
    con = duckdb.connect(str(warehouse))
    try:
        for schema in sorted({t.split(".")[0] for t in report_tables()}):
            con.execute(f"create schema if not exists {schema}")
        for statement in SNAPSHOT.read_text(encoding="utf-8").splitlines():
            if statement.strip():
                con.execute(statement)
    finally:
        con.close()
    return warehouse


if __name__ == "__main__":
    source = duckdb.connect(sys.argv[1], read_only=True)
    SNAPSHOT.write_text("\n".join(table_ddl(source)) + "\n", encoding="utf-8")
    source.close()
    print(f"wrote {SNAPSHOT}")
