"""Writing an analytics table back to DuckDB (and the lake), shared by the analytics assets."""

from collections.abc import Mapping, Sequence
from pathlib import Path

import duckdb
import polars as pl

from orchestration.defs.ingest.lake import write_analytics_table


def replace_table(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    table: str,
    frame: pl.DataFrame,
    order_by: Sequence[str] = (),
    lake_dir: Path | None = None,
    companions: Mapping[str, pl.DataFrame] | None = None,
) -> None:
    """Replace `schema.table` by `frame` in one transaction: readers see the old or the new rows.

    `order_by` fixes the stored row order, so a rerun writes an identical table. With
    `lake_dir`, the same rows also replace <lake_dir>/<schema>/<table>/part-0.parquet, which
    the Spark target reads (macros/spark/lake_tables.sql). `companions` (table name → rows)
    replace tables of the same schema in the same transaction (bookkeeping that must never
    describe other rows than the table's; not written to the lake).
    """
    order = f" order by {', '.join(order_by)}" if order_by else ""
    con.execute("begin transaction")
    try:
        con.execute(f"create schema if not exists {schema}")
        for name, rows, suffix in [
            (table, frame, order),
            *((n, f, "") for n, f in (companions or {}).items()),
        ]:
            view = f"_replace_{name}"
            con.register(view, rows.to_arrow())
            con.execute(f"create or replace table {schema}.{name} as select * from {view}{suffix}")
            con.unregister(view)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    if lake_dir is not None:
        write_analytics_table(lake_dir, table, frame.sort(order_by) if order_by else frame, schema)
