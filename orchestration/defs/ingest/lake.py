"""The landing zone: every load also lands as Parquet, so Spark reads the raw layer too.

DuckDB stays the loader (one typing and validation path); after a source's files are loaded,
`sync_loads` copies each load that is not in the lake yet, read back from the committed
tables, so the lake holds exactly what the warehouse holds:

    <lake>/<raw table>/load_id=<n>/part-0.parquet        the rows of load n (survey_responses,
                                                         survey_driver_scores, crm_orders, ...)
    <lake>/ops/load_audit/load_id=<n>/part-0.parquet     load n's audit row
    <lake>/ops/quarantine/load_id=<n>/part-0.parquet     load n's quarantined rows
    <lake>/analytics/<table>/part-0.parquet              a Python analytics table (replaced)

A load partition is immutable: it is written once, to a hidden temp file renamed into place,
and never rewritten; the audit partition is written last, so a load whose audit partition
exists is complete in the lake, and a run that stopped half-way finishes it next time. The
dbt sources on Spark are external tables over these folders (macros/spark/lake_tables.sql);
`load_id` is their Hive partition column (the ops tables keep it only as the partition).
"""

import os
from pathlib import Path

import duckdb
import polars as pl

from orchestration.defs.ingest.sources import Source
from orchestration.sql import literal

PART_FILE = "part-0.parquet"


def partition_dir(root: Path, load_id: int) -> Path:
    return root / f"load_id={load_id}"


def _copy_to_parquet(con: duckdb.DuckDBPyConnection, select: str, folder: Path) -> bool:
    """Write the rows of `select` to folder/part-0.parquet unless it exists; True if written."""
    target = folder / PART_FILE
    if target.exists():
        return False
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{PART_FILE}.tmp"
    con.execute(f"copy ({select}) to {literal(str(tmp))} (format parquet, compression zstd)")
    os.replace(tmp, target)
    return True


def sync_loads(con: duckdb.DuckDBPyConnection, source: Source, lake: Path) -> list[int]:
    """Copy every load of `source` that is not complete in the lake; returns their load ids.

    Rejected files have an audit row and no data: only their audit partition is written.
    """
    loads = con.execute(
        "select load_id, status from ops.load_audit where source = ? order by load_id",
        [source.name],
    ).fetchall()
    written = []
    for load_id, status in loads:
        audit_dir = partition_dir(lake / "ops" / "load_audit", load_id)
        if (audit_dir / PART_FILE).exists():
            continue
        if status == "loaded":
            tables = [source.name] + [w.table for w in source.wides]
            for table in tables:
                _copy_to_parquet(
                    con,
                    f"select * from raw.{table} where _load_id = {load_id} order by _line",
                    partition_dir(lake / table, load_id),
                )
            _copy_to_parquet(
                con,
                f"select * exclude (load_id) from ops.quarantine where load_id = {load_id} "
                "order by line, reason",
                partition_dir(lake / "ops" / "quarantine", load_id),
            )
        _copy_to_parquet(
            con,
            f"select * exclude (load_id) from ops.load_audit where load_id = {load_id}",
            audit_dir,
        )
        written.append(load_id)
    return written


def write_analytics_table(
    lake: Path, table: str, frame: pl.DataFrame, schema: str = "analytics"
) -> Path:
    """Replace <lake>/<schema>/<table>/part-0.parquet by `frame` in one rename."""
    folder = lake / schema / table
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{PART_FILE}.tmp"
    frame.write_parquet(tmp, compression="zstd")
    os.replace(tmp, folder / PART_FILE)
    return folder / PART_FILE
