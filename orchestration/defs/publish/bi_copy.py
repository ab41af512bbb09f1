"""The read-only copy of the marts for BI tools, republished atomically after every build.

DuckDB allows one writing process and the pipeline is it: a BI tool that opened
data/warehouse.duckdb would block the next run (or be blocked by it). So after the marts are
built and tested, this asset writes a separate edition under $CX_PUBLISHED_DIR:

- `kokemus.duckdb`: the `marts` and `seeds` schemas, plus `meta.published_edition`, written
  beside as a temporary file through the pipeline's own connection (ATTACH, CREATE TABLE AS,
  DETACH), fsynced, then renamed over the old one. A reader that has the old file open keeps
  reading the old edition; a new connection gets the new one; nobody sees half a file.
- `parquet/<schema>.<table>.parquet`: `parquet` is a symlink to this edition's directory,
  swapped by one rename; the previous edition's directory is kept for readers still on it.
- `manifest.json`: the edition timestamp, every table with its row count and the warehouse
  load ids the edition was built from, written last.

Tables and columns carry dbt's descriptions as DuckDB comments, so a SQL client shows the
documentation beside the schema.

The file uses DuckDB storage version v1.0.0 so BI drivers on older DuckDB releases open it.
The step depends on every mart and seed, so a failed blocking check or dbt test upstream
stops it in the same run and the previous edition stays published.
"""

import json
import os
import shutil
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.defs.analytics.downstream_dbt import dbt_after_analytics
from orchestration.defs.publish.partitions import ONCE_PER_RUN
from orchestration.defs.transform.dbt import dbt_models, dbt_project
from orchestration.resources import DuckDBWarehouse
from orchestration.settings import PUBLISHED_DATABASE, get_settings
from orchestration.sql import has_table, literal, quote

DATABASE_FILE = PUBLISHED_DATABASE
PARQUET_LINK = "parquet"
MANIFEST_FILE = "manifest.json"
EDITION_TABLE = ("meta", "published_edition")
# Readable by DuckDB 1.0 and later (JDBC drivers in DBeaver / Metabase lag the Python package).
STORAGE_VERSION = "v1.0.0"
# Schemas BI may see: everything else in the warehouse holds raw rows or PII.
PUBLISHED_SCHEMAS = ("marts", "seeds")


@dataclass(frozen=True)
class PublishedTable:
    """One dbt model or seed the BI copy carries, with dbt's documentation for comments."""

    key: dg.AssetKey
    schema: str
    name: str
    description: str = ""
    columns: tuple[tuple[str, str], ...] = ()  # (column, description) where documented

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"


def published_tables() -> list[PublishedTable]:
    """Every dbt table in a published schema, from both dbt ops: a new mart is picked up as is.

    Read from the dbt manifest the assets were built from (schema, alias, descriptions), so
    the copy follows dbt's relation names rather than guessing them from asset keys.
    """
    nodes = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))["nodes"]
    tables = []
    for op in (dbt_models, dbt_after_analytics):
        for spec in op.specs:
            node = nodes.get(str(spec.metadata.get("dagster_dbt/unique_id", "")))
            if (
                node is None
                or node["resource_type"] not in {"model", "seed"}
                or node["schema"] not in PUBLISHED_SCHEMAS
                or node["config"].get("materialized") == "ephemeral"
            ):
                continue
            columns = tuple(
                (c["name"], c["description"].strip())
                for c in node["columns"].values()
                if c.get("description", "").strip()
            )
            tables.append(
                PublishedTable(
                    spec.key,
                    node["schema"],
                    node.get("alias") or node["name"],
                    " ".join(node.get("description", "").split()),
                    columns,
                )
            )
    return sorted(tables, key=lambda t: (t.schema, t.name))


def published_asset_keys() -> list[dg.AssetKey]:
    """The asset keys of `published_tables()`: the BI copy's upstream dependencies."""
    return [t.key for t in published_tables()]


@dataclass(frozen=True)
class Edition:
    """What one publish wrote: the edition stamp, table → row count, and where it lies."""

    edition: str
    tables: dict[str, int]
    database: Path
    database_bytes: int
    parquet_dir: Path
    parquet_bytes: int
    seconds: float


def _fsync(path: Path) -> None:
    """Flushes a file, or a directory's entries (so a rename in it survives a crash)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_database(
    con: duckdb.DuckDBPyConnection,
    target: Path,
    tables: Sequence[PublishedTable],
    edition: datetime,
    run_id: str,
) -> dict[str, int]:
    """Copies `tables` into a new DuckDB file at `target`; returns 'schema.table' → rows."""
    alias = "bi_edition"
    source = quote(con.execute("select current_database()").fetchall()[0][0])
    path = str(target).replace("'", "''")
    con.execute(f"attach '{path}' as {alias} (storage_version '{STORAGE_VERSION}')")
    try:
        counts: dict[str, int] = {}
        for schema in sorted({t.schema for t in tables} | {EDITION_TABLE[0]}):
            con.execute(f"create schema {alias}.{quote(schema)}")
        for table in tables:
            name = f"{quote(table.schema)}.{quote(table.name)}"
            con.execute(f"create table {alias}.{name} as select * from {source}.{name}")
            counts[table.qualified] = con.execute(
                f"select count(*) from {alias}.{name}"
            ).fetchall()[0][0]
            _comment(con, f"{alias}.{name}", table)
        con.execute(
            f"create table {alias}.{EDITION_TABLE[0]}.{EDITION_TABLE[1]} as select "
            "?::timestamptz as edition, ?::varchar as run_id, ?::integer as tables, "
            "?::bigint as total_rows",
            [edition, run_id, len(counts), sum(counts.values())],
        )
        con.execute(f"checkpoint {alias}")
    finally:
        con.execute(f"detach {alias}")
    return counts


def _comment(con: duckdb.DuckDBPyConnection, relation: str, table: PublishedTable) -> None:
    """dbt's descriptions as table and column comments (columns the table really has)."""
    if table.description:
        con.execute(f"comment on table {relation} is {literal(table.description)}")
    present = {r[0] for r in con.execute(f"describe {relation}").fetchall()}
    for column, description in table.columns:
        if column in present:
            con.execute(f"comment on column {relation}.{quote(column)} is {literal(description)}")


def _load_ids(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """The warehouse's file loads behind this edition (ops.load_audit), for lineage."""
    if not has_table(con, "ops", "load_audit"):
        return {"last_load_id": None, "loaded_files": 0, "loaded_load_ids": []}
    ids = [
        r[0]
        for r in con.execute(
            "select load_id from ops.load_audit where status = 'loaded' order by load_id"
        ).fetchall()
    ]
    last = con.execute("select max(load_id) from ops.load_audit").fetchall()[0][0]
    return {"last_load_id": last, "loaded_files": len(ids), "loaded_load_ids": ids}


def _write_parquet(
    con: duckdb.DuckDBPyConnection, directory: Path, tables: Sequence[PublishedTable]
) -> int:
    """One zstd Parquet file per table in `directory`; returns the bytes written."""
    directory.mkdir(parents=True)
    for table in tables:
        path = directory / f"{table.qualified}.parquet"
        path_literal = str(path).replace("'", "''")
        con.execute(
            f"copy (select * from {quote(table.schema)}.{quote(table.name)}) to '{path_literal}' "
            "(format parquet, compression zstd)"
        )
        _fsync(path)
    _fsync(directory)
    return sum(p.stat().st_size for p in directory.iterdir())


def _swap_parquet_link(published: Path, edition_dir: Path) -> None:
    """Points `parquet` at `edition_dir` with one rename (a symlink replaced atomically)."""
    link = published / PARQUET_LINK
    if link.is_dir() and not link.is_symlink():  # a plain directory from a manual copy
        link.rename(published / f".parquet-replaced-{time.time_ns()}")
    staged = published / f".{PARQUET_LINK}.link.tmp"
    staged.unlink(missing_ok=True)
    staged.symlink_to(edition_dir.name, target_is_directory=True)
    os.replace(staged, link)
    _fsync(published)


def _prune_parquet_editions(published: Path, keep: Iterable[str]) -> None:
    """Removes Parquet edition directories other than `keep` (current and previous)."""
    kept = set(keep)
    for path in published.glob(".parquet-*"):
        if path.is_dir() and not path.is_symlink() and path.name not in kept:
            shutil.rmtree(path, ignore_errors=True)


def _write_manifest(published: Path, manifest: dict[str, object]) -> None:
    staged = published / f".{MANIFEST_FILE}.tmp"
    staged.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    _fsync(staged)
    os.replace(staged, published / MANIFEST_FILE)
    _fsync(published)


def publish_edition(
    con: duckdb.DuckDBPyConnection,
    published: Path,
    tables: Sequence[PublishedTable],
    run_id: str = "",
) -> Edition:
    """Writes a new edition of `tables` under `published` and swaps it in atomically.

    Everything is written beside the live files first; the live names change only by
    `os.replace`, after an fsync, so a crash leaves the previous edition whole.
    """
    started = time.perf_counter()
    published.mkdir(parents=True, exist_ok=True)
    # A run killed mid-write leaves its staged file behind; only one pipeline writes here.
    for stale in published.glob(f".{DATABASE_FILE}.*.tmp*"):
        stale.unlink(missing_ok=True)
    edition = datetime.now(UTC)
    token = edition.strftime("%Y%m%dT%H%M%S%fZ")
    staged_db = published / f".{DATABASE_FILE}.{token}.tmp"
    parquet_dir = published / f".parquet-{token}"
    link = published / PARQUET_LINK
    previous_parquet = link.resolve().name if link.is_symlink() else None
    try:
        loads = _load_ids(con)
        counts = _write_database(con, staged_db, tables, edition, run_id)
        _fsync(staged_db)
        parquet_bytes = _write_parquet(con, parquet_dir, tables)
    except BaseException:
        for leftover in (staged_db, Path(f"{staged_db}.wal")):
            leftover.unlink(missing_ok=True)
        shutil.rmtree(parquet_dir, ignore_errors=True)
        raise
    database = published / DATABASE_FILE
    os.replace(staged_db, database)
    _fsync(published)
    _swap_parquet_link(published, parquet_dir)
    _prune_parquet_editions(published, {parquet_dir.name, previous_parquet or ""})
    database_bytes = database.stat().st_size
    _write_manifest(
        published,
        {
            "edition": edition.isoformat(),
            "run_id": run_id,
            "database": DATABASE_FILE,
            "storage_version": STORAGE_VERSION,
            "duckdb_version": duckdb.__version__,
            "parquet_dir": PARQUET_LINK,
            # The directory `parquet` points at: read from it to stay on this edition.
            "parquet_edition_dir": parquet_dir.name,
            "tables": {
                name: {"rows": rows, "parquet": f"{PARQUET_LINK}/{name}.parquet"}
                for name, rows in counts.items()
            },
            "warehouse_loads": loads,
        },
    )
    return Edition(
        edition=edition.isoformat(),
        tables=counts,
        database=database,
        database_bytes=database_bytes,
        parquet_dir=link,
        parquet_bytes=parquet_bytes,
        seconds=time.perf_counter() - started,
    )


@dg.asset(
    key=dg.AssetKey(["bi", "published_warehouse"]),
    group_name="publish",
    backfill_policy=ONCE_PER_RUN,
    kinds={"duckdb", "parquet"},
    deps=published_asset_keys(),
    description="Read-only copy of the marts and seeds for BI tools: "
    "$CX_PUBLISHED_DIR/kokemus.duckdb and parquet/<schema>.<table>.parquet, replaced "
    "atomically after every successful build, with manifest.json naming the edition.",
)
def published_warehouse(
    context: dg.AssetExecutionContext, warehouse: DuckDBWarehouse
) -> dg.MaterializeResult:
    tables = published_tables()
    with warehouse.connect() as con:
        result = publish_edition(con, get_settings().published_dir, tables, context.run_id)
    context.log.info(
        f"published edition {result.edition}: {len(result.tables)} tables, "
        f"{sum(result.tables.values())} rows, {result.database_bytes} bytes "
        f"in {result.seconds:.2f} s"
    )
    rows_table = "\n".join(f"| {name} | {rows} |" for name, rows in result.tables.items())
    return dg.MaterializeResult(
        metadata={
            "edition": dg.MetadataValue.text(result.edition),
            "tables": dg.MetadataValue.int(len(result.tables)),
            "rows": dg.MetadataValue.int(sum(result.tables.values())),
            "bytes": dg.MetadataValue.int(result.database_bytes),
            "parquet_bytes": dg.MetadataValue.int(result.parquet_bytes),
            "path": dg.MetadataValue.path(str(result.database)),
            "parquet_dir": dg.MetadataValue.path(str(result.parquet_dir)),
            "seconds": dg.MetadataValue.float(round(result.seconds, 3)),
            "table_rows": dg.MetadataValue.md("| table | rows |\n|---|---|\n" + rows_table),
        }
    )
