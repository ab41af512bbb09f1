"""The read-only copy of the marts for BI tools, republished atomically after every build.

DuckDB allows one writing process and the pipeline is it: a BI tool that opened
data/warehouse.duckdb would block the next run (or be blocked by it). So after the marts are
built and tested, this asset writes a separate edition under $CX_PUBLISHED_DIR:

- `kokemus.duckdb`: the `marts` and `seeds` schemas, plus `meta.published_edition`, written
  beside as a temporary file through the pipeline's own connection (ATTACH, CREATE TABLE AS,
  DETACH), fsynced, then renamed over the old one. A reader that has the old file open keeps
  reading the old edition; a new connection gets the new one; nobody sees half a file.
- `parquet/<schema>.<table>.parquet`, or for a table partitioned for BI (below)
  `parquet/<schema>.<table>/<column>=<value>.parquet`, one file per value: `parquet` is a
  symlink to this edition's directory, swapped by one rename; the previous edition's directory
  is kept for readers still on it.
- `manifest.json`: the edition timestamp, every table with its row count, columns and
  fingerprint, and the warehouse load ids the edition was built from, written last.

Only what changed is written. Each table's fingerprint is its row count and the sum of its rows'
hashes (per value of its partition column, for a table whose dbt config sets
`meta: {bi_partition_by: <column>}`, the big facts). The next edition starts from a copy of the
previous file and replaces only the tables, or the partitions, whose fingerprint or columns
differ; unchanged Parquet files are hard links to the previous edition's. So one more quarter
rewrites that quarter of the 20 M-row order fact, not all of it (BENCHMARKS.md). A previous
edition that cannot be trusted (no fingerprints, another DuckDB version, a database file whose
edition is not the manifest's, half of its blocks free) is not reused: everything is written
anew, as on the first publish.

Tables and columns carry dbt's descriptions as DuckDB comments, so a SQL client shows the
documentation beside the schema.

The file uses DuckDB storage version v1.0.0 so BI drivers on older DuckDB releases open it.
The step depends on every mart and seed, so a failed blocking check or dbt test upstream
stops it in the same run and the previous edition stays published.
"""

import hashlib
import json
import os
import re
import shutil
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
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
# The dbt `meta` key naming a table's partition column for the BI copy (the big facts).
PARTITION_META = "bi_partition_by"
# What a fingerprint means; a manifest written under another version is not reused.
FINGERPRINT_VERSION = 1
# The part key of an unpartitioned table, and of a partitioned one without rows.
WHOLE = ""
# The part key of rows whose partition column is NULL.
NULL_PART = "__null__"
# A copied database file with more than this share of free blocks is written anew instead.
MAX_FREE_SHARE = 0.5
# A table whose changed partitions hold more than this share of its rows is rewritten whole
# (deleting most of a table's rows would leave most of its blocks free).
MAX_CHANGED_SHARE = 0.5

# part key -> (rows, sum of the rows' hashes as text)
Parts = dict[str, tuple[int, str]]


@dataclass(frozen=True)
class PublishedTable:
    """One dbt model or seed the BI copy carries, with dbt's documentation for comments."""

    key: dg.AssetKey
    schema: str
    name: str
    description: str = ""
    columns: tuple[tuple[str, str], ...] = ()  # (column, description) where documented
    partition_by: str | None = None  # dbt meta bi_partition_by: one Parquet file per value

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def relation(self) -> str:
        return f"{quote(self.schema)}.{quote(self.name)}"

    @property
    def parquet_glob(self) -> str:
        """What a reader opens, relative to the edition's directory."""
        if self.partition_by is None:
            return f"{self.qualified}.parquet"
        return f"{self.qualified}/*.parquet"

    def part_filter(self, key: str) -> str:
        """A SQL predicate for the rows of part `key` (a part key of `fingerprint`)."""
        if self.partition_by is None:
            return "true"
        if key == WHOLE:
            return "false"
        column = quote(self.partition_by)
        return f"{column} is null" if key == NULL_PART else f"{column}::varchar = {literal(key)}"

    def parquet_name(self, key: str) -> str:
        """The Parquet file of part `key`, relative to the edition's directory."""
        if self.partition_by is None:
            return f"{self.qualified}.parquet"
        if key == WHOLE:
            return f"{self.qualified}/empty.parquet"
        safe = re.sub(r"[^0-9A-Za-z._-]", "_", key)
        if safe != key:  # two values must not share a file name
            safe += "-" + hashlib.sha256(key.encode()).hexdigest()[:8]
        return f"{self.qualified}/{self.partition_by}={safe}.parquet"


def published_tables() -> list[PublishedTable]:
    """Every dbt table in a published schema, from both dbt ops: a new mart is picked up as is.

    Read from the dbt manifest the assets were built from (schema, alias, descriptions, the
    `bi_partition_by` meta), so the copy follows dbt's relation names rather than guessing them
    from asset keys.
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
            meta = node["config"].get("meta") or node.get("meta") or {}
            tables.append(
                PublishedTable(
                    spec.key,
                    node["schema"],
                    node.get("alias") or node["name"],
                    " ".join(node.get("description", "").split()),
                    columns,
                    meta.get(PARTITION_META),
                )
            )
    return sorted(tables, key=lambda t: (t.schema, t.name))


def published_asset_keys() -> list[dg.AssetKey]:
    """The asset keys of `published_tables()`: the BI copy's upstream dependencies."""
    return [t.key for t in published_tables()]


@dataclass(frozen=True)
class Edition:
    """What one publish wrote: the edition stamp, table → row count, and where it lies.

    `rewritten` names each table that was written, with the part keys written for a table
    updated partition by partition (None: the whole table); tables not in it were carried over
    from the previous edition unchanged. `reused` says whether the previous edition was.
    """

    edition: str
    tables: dict[str, int]
    database: Path
    database_bytes: int
    parquet_dir: Path
    parquet_bytes: int
    seconds: float
    rewritten: dict[str, list[str] | None]
    reused: bool


@dataclass
class _Written:
    """One table of the edition: its columns, fingerprint and the part keys written now
    (None: all of them)."""

    table: PublishedTable
    columns: list[list[str]]
    parts: Parts
    rewrite: set[str] | None


def fingerprint(con: duckdb.DuckDBPyConnection, relation: str, partition_by: str | None) -> Parts:
    """Rows and the sum of the rows' hashes of `relation`, per value of `partition_by` as text.

    The sum is over DuckDB's hash of each whole row, so it does not depend on row order; a
    relation without rows is {WHOLE: (0, "0")}.
    """
    part = f"{quote(partition_by)}::varchar" if partition_by else "null"
    rows = con.execute(
        f"select {part}, count(*), sum(hash(_kokemus_row))::hugeint::varchar "
        f"from {relation} as _kokemus_row group by all"
    ).fetchall()
    if not rows:
        return {WHOLE: (0, "0")}
    if partition_by is None:
        return {WHOLE: (rows[0][1], rows[0][2])}
    return {NULL_PART if key is None else key: (n, digest) for key, n, digest in rows}


def _rows(parts: Parts) -> int:
    return sum(n for n, _ in parts.values())


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[list[str]]:
    return [[r[0], r[1]] for r in con.execute(f"describe select * from {relation}").fetchall()]


def _fsync(path: Path) -> None:
    """Flushes a file, or a directory's entries (so a rename in it survives a crash)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _previous_manifest(published: Path) -> dict | None:
    """The live edition's manifest if its files can be carried over into the next edition."""
    try:
        manifest = json.loads((published / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    parquet_dir = str(manifest.get("parquet_edition_dir", ""))
    if (
        manifest.get("fingerprint_version") != FINGERPRINT_VERSION
        or manifest.get("duckdb_version") != duckdb.__version__
        or manifest.get("storage_version") != STORAGE_VERSION
        or not (published / DATABASE_FILE).is_file()
        or not parquet_dir.startswith(".parquet-")
        or not (published / parquet_dir).is_dir()
    ):
        return None
    return manifest


def _copy_is_reusable(con: duckdb.DuckDBPyConnection, alias: str, manifest: dict) -> bool:
    """Whether the attached copy is the edition `manifest` describes, and not mostly free blocks.

    A run stopped between replacing the database and writing the manifest leaves a database
    newer than its manifest: its fingerprints would be wrong, so it is not reused.
    """
    try:
        stamp = con.execute(
            f"select epoch_us(edition) from {alias}.meta.published_edition"
        ).fetchall()
    except duckdb.Error:
        return False
    expected = datetime.fromisoformat(manifest["edition"]) - datetime(1970, 1, 1, tzinfo=UTC)
    if stamp != [(expected // timedelta(microseconds=1),)]:
        return False
    free, total = con.execute(
        "select free_blocks, total_blocks from pragma_database_size() where database_name = ?",
        [alias],
    ).fetchall()[0]
    return free <= MAX_FREE_SHARE * total


def _previous_parts(manifest: dict | None, table: PublishedTable, columns: list) -> Parts | None:
    """The table's fingerprint in the previous edition, if it can be updated from it."""
    if manifest is None:
        return None
    entry = manifest["tables"].get(table.qualified)
    if (
        entry is None
        or entry.get("columns") != columns
        or entry.get("partition_by") != table.partition_by
    ):
        return None
    return {key: (part["rows"], part["hash"]) for key, part in entry["parts"].items()}


def _write_edition(
    con: duckdb.DuckDBPyConnection,
    target: Path,
    parquet_dir: Path,
    tables: Sequence[PublishedTable],
    edition: datetime,
    run_id: str,
    previous: dict | None,
) -> tuple[list[_Written], bool, int]:
    """Writes `tables` into the DuckDB file at `target`: a new file, or, when `previous` is the
    manifest of the edition `target` was copied from, that copy with only the changed tables
    and partitions replaced; then the Parquet files into `parquet_dir`, from that file (a view
    such as fct_survey_responses is not computed again, and the two formats hold the same
    rows). Returns what was written, whether the copy was reused and the Parquet bytes."""
    alias = "bi_edition"
    source = quote(con.execute("select current_database()").fetchall()[0][0])
    path = str(target).replace("'", "''")
    attach = f"attach '{path}' as {alias} (storage_version '{STORAGE_VERSION}')"
    con.execute(attach)
    try:
        if previous is not None and not _copy_is_reusable(con, alias, previous):
            con.execute(f"detach {alias}")
            target.unlink()
            previous = None
            con.execute(attach)
        written = []
        for schema in sorted({t.schema for t in tables} | {EDITION_TABLE[0]}):
            con.execute(f"create schema if not exists {alias}.{quote(schema)}")
        for table in tables:
            item = _write_table(con, source, alias, table, previous)
            _comment(con, f"{alias}.{table.relation}", table, {c[0] for c in item.columns})
            written.append(item)
        if previous is not None:
            _drop_unpublished(con, alias, {t.qualified for t in tables})
        meta = f"{alias}.{EDITION_TABLE[0]}.{EDITION_TABLE[1]}"
        con.execute(f"drop table if exists {meta}")
        con.execute(
            f"create table {meta} as select "
            "?::timestamptz as edition, ?::varchar as run_id, ?::integer as tables, "
            "?::bigint as total_rows",
            [edition, run_id, len(written), sum(_rows(w.parts) for w in written)],
        )
        con.execute(f"checkpoint {alias}")
        previous_dir = None if previous is None else target.parent / previous["parquet_edition_dir"]
        parquet_bytes = _write_parquet(con, alias, parquet_dir, written, previous_dir)
    finally:
        con.execute(f"detach {alias}")
    return written, previous is not None, parquet_bytes


def _write_table(
    con: duckdb.DuckDBPyConnection,
    source: str,
    alias: str,
    table: PublishedTable,
    previous: dict | None,
) -> _Written:
    """Copies one table into the edition, or only its changed partitions, or nothing."""
    origin = f"{source}.{table.relation}"
    target = f"{alias}.{table.relation}"
    columns = _columns(con, origin)
    if table.partition_by is not None and table.partition_by not in {c[0] for c in columns}:
        raise ValueError(
            f"{table.qualified}: its dbt config sets meta {PARTITION_META}: "
            f"{table.partition_by!r}, which is not one of its columns "
            f"({', '.join(c[0] for c in columns)}); name a column there (quarter_start for a "
            "quarterly fact) or remove the key (README, 'What a publish writes')"
        )
    before = _previous_parts(previous, table, columns)
    if before is not None:
        now = fingerprint(con, origin, table.partition_by)
        changed = {k for k in now.keys() | before.keys() if now.get(k) != before.get(k)}
        if not changed:
            return _Written(table, columns, now, set())
        changed_rows = sum(before.get(k, (0, ""))[0] for k in changed)
        if table.partition_by is not None and changed_rows <= MAX_CHANGED_SHARE * _rows(before):
            for key in sorted(changed):
                con.execute(f"delete from {target} where {table.part_filter(key)}")
                if key in now:
                    con.execute(
                        f"insert into {target} select * from {origin} "
                        f"where {table.part_filter(key)}"
                    )
            return _Written(table, columns, now, changed)
    con.execute(f"drop table if exists {target}")
    con.execute(f"create table {target} as select * from {origin}")
    return _Written(table, columns, fingerprint(con, target, table.partition_by), None)


def _drop_unpublished(con: duckdb.DuckDBPyConnection, alias: str, keep: set[str]) -> None:
    """Drops the copied edition's tables that are no longer published (a removed mart)."""
    rows = con.execute(
        "select schema_name, table_name from duckdb_tables() "
        "where database_name = ? and schema_name in ?",
        [alias, list(PUBLISHED_SCHEMAS)],
    ).fetchall()
    for schema, name in rows:
        if f"{schema}.{name}" not in keep:
            con.execute(f"drop table {alias}.{quote(schema)}.{quote(name)}")


def _comment(
    con: duckdb.DuckDBPyConnection, relation: str, table: PublishedTable, present: set[str]
) -> None:
    """dbt's descriptions as table and column comments (of the columns `present` in it)."""
    if table.description:
        con.execute(f"comment on table {relation} is {literal(table.description)}")
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
    con: duckdb.DuckDBPyConnection,
    alias: str,
    directory: Path,
    written: Sequence[_Written],
    previous_dir: Path | None,
) -> int:
    """One zstd Parquet file per table, or per partition, in `directory`; a file whose rows
    did not change is a hard link to the previous edition's. Returns the bytes it holds."""
    directory.mkdir(parents=True)
    for item in written:
        table = item.table
        if table.partition_by is not None:
            (directory / table.qualified).mkdir()
        for key in sorted(item.parts):
            name = table.parquet_name(key)
            path = directory / name
            old = previous_dir / name if previous_dir is not None else None
            if item.rewrite is not None and key not in item.rewrite and old and old.is_file():
                _link(old, path)
                continue
            path_literal = str(path).replace("'", "''")
            con.execute(
                f"copy (select * from {alias}.{table.relation} where {table.part_filter(key)}) "
                f"to '{path_literal}' (format parquet, compression zstd)"
            )
            _fsync(path)
        if table.partition_by is not None:
            _fsync(directory / table.qualified)
    _fsync(directory)
    return sum(p.stat().st_size for p in directory.rglob("*.parquet"))


def _link(old: Path, new: Path) -> None:
    """`new` as a hard link to `old` (no file is ever written in place), else a copy."""
    try:
        os.link(old, new)
    except OSError:  # a file system without hard links
        shutil.copy2(old, new)
        _fsync(new)


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


def _table_entry(item: _Written) -> dict[str, object]:
    table = item.table
    return {
        "rows": _rows(item.parts),
        "parquet": f"{PARQUET_LINK}/{table.parquet_glob}",
        "columns": item.columns,
        "partition_by": table.partition_by,
        "parts": {
            key: {"rows": n, "hash": digest, "file": f"{PARQUET_LINK}/{table.parquet_name(key)}"}
            for key, (n, digest) in sorted(item.parts.items())
        },
    }


def publish_edition(
    con: duckdb.DuckDBPyConnection,
    published: Path,
    tables: Sequence[PublishedTable],
    run_id: str = "",
) -> Edition:
    """Writes a new edition of `tables` under `published` and swaps it in atomically.

    Everything is written beside the live files first (the database as a copy of the live one
    when that edition can be carried over); the live names change only by `os.replace`, after
    an fsync, so a crash leaves the previous edition whole.
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
    previous = _previous_manifest(published)
    try:
        loads = _load_ids(con)
        if previous is not None:
            shutil.copyfile(published / DATABASE_FILE, staged_db)
        written, reused, parquet_bytes = _write_edition(
            con, staged_db, parquet_dir, tables, edition, run_id, previous
        )
        _fsync(staged_db)
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
    entries = {w.table.qualified: _table_entry(w) for w in written}
    _write_manifest(
        published,
        {
            "edition": edition.isoformat(),
            "run_id": run_id,
            "database": DATABASE_FILE,
            "storage_version": STORAGE_VERSION,
            "duckdb_version": duckdb.__version__,
            "fingerprint_version": FINGERPRINT_VERSION,
            "parquet_dir": PARQUET_LINK,
            # The directory `parquet` points at: read from it to stay on this edition.
            "parquet_edition_dir": parquet_dir.name,
            "tables": entries,
            "warehouse_loads": loads,
        },
    )
    return Edition(
        edition=edition.isoformat(),
        tables={w.table.qualified: _rows(w.parts) for w in written},
        database=database,
        database_bytes=database_bytes,
        parquet_dir=link,
        parquet_bytes=parquet_bytes,
        seconds=time.perf_counter() - started,
        rewritten={
            w.table.qualified: None if w.rewrite is None else sorted(w.rewrite)
            for w in written
            if w.rewrite is None or w.rewrite
        },
        reused=reused,
    )


@dg.asset(
    key=dg.AssetKey(["bi", "published_warehouse"]),
    group_name="publish",
    backfill_policy=ONCE_PER_RUN,
    kinds={"duckdb", "parquet"},
    deps=published_asset_keys(),
    description="Read-only copy of the marts and seeds for BI tools: "
    "$CX_PUBLISHED_DIR/kokemus.duckdb and parquet/<schema>.<table>.parquet (a directory of "
    "one file per quarter for the big facts), replaced atomically after every successful "
    "build, with manifest.json naming the edition. Only changed tables and quarters are "
    "written; the rest is carried over from the previous edition.",
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
        f"in {result.seconds:.2f} s; {_written_summary(result)}"
    )
    rows_table = "\n".join(
        f"| {name} | {rows} | {_written_cell(result.rewritten, name)} |"
        for name, rows in result.tables.items()
    )
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
            "tables_written": dg.MetadataValue.int(len(result.rewritten)),
            "reused_previous_edition": dg.MetadataValue.bool(result.reused),
            "table_rows": dg.MetadataValue.md(
                "| table | rows | written |\n|---|---|---|\n" + rows_table
            ),
        }
    )


def _written_cell(rewritten: dict[str, list[str] | None], name: str) -> str:
    if name not in rewritten:
        return "kept"
    parts = rewritten[name]
    return "whole table" if parts is None else f"{len(parts)} partition(s): {', '.join(parts)}"


def _written_summary(result: Edition) -> str:
    if not result.reused:
        return "every table written (no previous edition to carry over)"
    return (
        f"{len(result.rewritten)} table(s) written, "
        f"{len(result.tables) - len(result.rewritten)} carried over unchanged"
    )
