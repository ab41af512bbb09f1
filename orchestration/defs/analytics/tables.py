"""Writing an analytics table back to DuckDB, shared by the Python analytics assets."""

from collections.abc import Sequence

import duckdb
import polars as pl


def replace_table(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    table: str,
    frame: pl.DataFrame,
    order_by: Sequence[str] = (),
) -> None:
    """Replace `schema.table` by `frame` in one transaction: readers see the old or the new rows.

    `order_by` fixes the stored row order, so a rerun writes an identical table.
    """
    view = f"_replace_{table}"
    order = f" order by {', '.join(order_by)}" if order_by else ""
    con.execute("begin transaction")
    try:
        con.execute(f"create schema if not exists {schema}")
        con.register(view, frame.to_arrow())
        con.execute(f"create or replace table {schema}.{table} as select * from {view}{order}")
        con.unregister(view)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
