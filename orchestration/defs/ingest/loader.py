"""Loads inbox files into the DuckDB `raw` schema: one transaction, one audit row per file.

Every source goes through `load_source`: DuckDB reads the file (all columns as text), SQL built
from the source declaration types each value and names what is wrong with a row; valid rows go
to `raw.<source>`, the others to `ops.quarantine` with their reason, and `ops.load_audit`
records rows read = loaded + quarantined with the file's content hash. A hash already loaded is
skipped, so a re-run or a re-sent file loads nothing twice.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.defs.ingest.sources import Column, Source

log = logging.getLogger(__name__)

READABLE_SUFFIXES = (".csv", ".parquet")
FINNISH_TIME_FORMATS = (
    "%d.%m.%Y %H.%M.%S",
    "%d.%m.%Y %H.%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
)
SQL_TYPES = {
    "text": "varchar",
    "int": "integer",
    "timestamp": "timestamptz",
    "decimal": "decimal(18, 2)",
}
META_COLUMNS = "_load_id integer not null, _file varchar not null, _line bigint not null"
SNAPSHOT_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})")


class RejectedFile(Exception):
    """The whole file cannot be loaded; the message names the file, the problem and the fix."""


@dataclass
class FileResult:
    file: str
    status: str  # loaded | rejected | skipped
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    message: str = ""


@dataclass
class SourceResult:
    source: str
    files: list[FileResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    def total(self, attr: str) -> int:
        return sum(getattr(f, attr) for f in self.files)


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def ensure_schema(con: duckdb.DuckDBPyConnection, sources: tuple[Source, ...]) -> None:
    """Create the raw and ops tables if they are missing (idempotent)."""
    con.execute("create schema if not exists raw")
    con.execute("create schema if not exists ops")
    con.execute(
        """
        create table if not exists ops.load_audit (
            load_id integer primary key, source varchar not null, file varchar not null,
            content_hash varchar not null, size_bytes bigint not null, status varchar not null,
            rows_read bigint not null, rows_loaded bigint not null,
            rows_quarantined bigint not null, message varchar, extra_columns varchar,
            loaded_at timestamptz not null default current_timestamp
        )"""
    )
    con.execute(
        """
        create table if not exists ops.quarantine (
            load_id integer not null, source varchar not null, file varchar not null,
            line bigint not null, raw_row varchar not null, reason varchar not null,
            quarantined_at timestamptz not null default current_timestamp
        )"""
    )
    for source in sources:
        cols = [f"{quote(c.name)} {SQL_TYPES[c.kind]}" for c in source.columns]
        if source.snapshot:
            cols.append("extracted_at date not null")
        con.execute(
            f"create table if not exists raw.{source.name} ({', '.join(cols)}, {META_COLUMNS})"
        )
        if source.wide_table:
            key = source.key[0]
            con.execute(
                f"create table if not exists raw.{source.wide_table} ("
                f"{quote(key)} varchar not null, name varchar not null, score integer not null, "
                f"{META_COLUMNS})"
            )


def inbox_files(inbox: Path, source: Source) -> list[Path]:
    folder = inbox / source.name
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in READABLE_SUFFIXES
    )


def content_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _value(col: str | None) -> str:
    """The trimmed text of a file column, NULL when empty or absent."""
    return f"nullif(trim(_in.{quote(col)}), '')" if col else "cast(null as varchar)"


def _typed(column: Column, v: str) -> str:
    if column.kind == "int":
        return f"case when regexp_full_match({v}, '[+-]?[0-9]+') then cast({v} as integer) end"
    if column.kind == "decimal":
        return (
            f"case when regexp_full_match({v}, '[+-]?[0-9]+([.][0-9]+)?') "
            f"then cast({v} as decimal(18, 2)) end"
        )
    if column.kind == "timestamp":
        formats = ", ".join(literal(f) for f in FINNISH_TIME_FORMATS)
        return (
            f"coalesce(try_cast({v} as timestamptz), "
            f"cast(try_strptime({v}, [{formats}]) as timestamptz))"
        )
    return v


def _problems(column: Column, v: str) -> list[str]:
    """SQL expressions that give a reason text when the value is wrong, else NULL."""
    name = column.name
    shown = f"'\"' || {v} || '\"'"
    checks = []
    if column.not_empty:
        checks.append(f"case when {v} is null then 'empty {name}' end")
    if column.kind == "int":
        checks.append(
            f"case when {v} is not null and {_typed(column, v)} is null "
            f"then '{name} is not an integer: ' || {shown} end"
        )
        if column.range:
            lo, hi = column.range
            checks.append(
                f"case when {_typed(column, v)} not between {lo} and {hi} "
                f"then '{name} out of range {lo}-{hi}: ' || {shown} end"
            )
    elif column.kind == "decimal":
        checks.append(
            f"case when {v} is not null and {_typed(column, v)} is null "
            f"then '{name} is not a number: ' || {shown} end"
        )
    elif column.kind == "timestamp":
        checks.append(
            f"case when {v} is not null and {_typed(column, v)} is null "
            f"then 'unparseable {name}: ' || {shown} end"
        )
    return checks


def _read_into_temp(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    """Read the file as text columns into temp table _in; return its normalised header."""
    con.execute("drop table if exists _in")
    if path.suffix.lower() == ".parquet":
        reader = f"select columns(*)::varchar from read_parquet({literal(str(path))})"
    else:
        reader = (
            f"select * from read_csv({literal(str(path))}, all_varchar = true, "
            "header = true, auto_detect = true)"
        )
    con.execute(f"create temp table _in as {reader}")
    header = [row[0] for row in con.execute("describe _in").fetchall()]
    renames = {h: h.strip().lower() for h in header if h != h.strip().lower()}
    for old, new in renames.items():
        con.execute(f"alter table _in rename column {quote(old)} to {quote(new)}")
    return [h.strip().lower() for h in header]


def _check_header(source: Source, header: list[str], rel: str) -> None:
    missing = [c.name for c in source.columns if c.required and c.name not in header]
    if missing:
        raise RejectedFile(
            f"{rel}: required column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"missing; found: {', '.join(header)}. Rename the column(s) in the export "
            f"to the names in DATA_CONTRACT.md and put the file back in the inbox."
        )


def _snapshot_date(source: Source, path: Path, rel: str) -> str | None:
    if not source.snapshot:
        return None
    match = SNAPSHOT_DATE.search(path.name)
    if not match:
        raise RejectedFile(
            f"{rel}: a {source.name} file is a snapshot and its name must carry the extraction "
            f"date; rename it like {source.name}_2025-12-31{path.suffix}."
        )
    return match.group(1)


def _build_select(
    source: Source, header: list[str], wide: list[str], snapshot_date: str | None
) -> tuple[str, str]:
    """Typed projection and the reason expression over temp table _in."""
    present = set(header)
    exprs, reasons = [], []
    for column in source.columns:
        v = _value(column.name if column.name in present else None)
        exprs.append(f"{_typed(column, v)} as {quote(column.name)}")
        reasons.extend(_problems(column, v))
    for name in wide:
        wide_col = Column(name, "int", range=source.wide_range)
        reasons.extend(_problems(wide_col, _value(name)))
    if source.at_least_one_of:
        scored = [_value(c if c in present else None) for c in source.at_least_one_of]
        scored += [_value(c) for c in wide]
        reasons.append(
            f"case when coalesce({', '.join(scored)}) is null then 'no score at all' end"
        )
    if snapshot_date:
        exprs.append(f"date {literal(snapshot_date)} as extracted_at")
    reason = f"nullif(concat_ws('; ', {', '.join(reasons)}), '')" if reasons else "null"
    return ", ".join(exprs), reason


def load_file(
    con: duckdb.DuckDBPyConnection, source: Source, path: Path, inbox: Path
) -> FileResult:
    """Load one file in one transaction; never raises for bad input."""
    rel = path.relative_to(inbox).as_posix()
    digest = content_hash(path)
    known = con.execute(
        "select count(*) from ops.load_audit where content_hash = ? and status = 'loaded'",
        [digest],
    ).fetchall()[0][0]
    if known:
        return FileResult(rel, "skipped", message="same content already loaded")
    size = path.stat().st_size
    try:
        header = _read_into_temp(con, path)
        _check_header(source, header, rel)
        snapshot_date = _snapshot_date(source, path, rel)
    except (duckdb.Error, RejectedFile) as exc:
        message = (
            str(exc)
            if isinstance(exc, RejectedFile)
            else (
                f"{rel}: could not be read as {path.suffix.lstrip('.')} ({exc}). "
                "Export it again as UTF-8 CSV with a header row."
            )
        )
        con.execute("drop table if exists _in")
        _audit(con, source, rel, digest, size, "rejected", 0, 0, message, None)
        log.error(message)
        return FileResult(rel, "rejected", message=message)

    prefix = source.wide_prefix
    wide = [h for h in header if prefix and h.startswith(prefix) and len(h) > len(prefix)]
    extra = [h for h in header if h not in set(source.column_names) | set(wide)]
    select, reason = _build_select(source, header, wide, snapshot_date)
    wide_select = "".join(f", {_value(w)} as {quote(w)}" for w in wide)
    con.execute("begin transaction")
    try:
        load_id = _next_load_id(con)
        meta = f"{load_id} as _load_id, {literal(rel)} as _file, _in.rowid + 2 as _line"
        con.execute(
            f"create temp table _checked as select {select}, {meta}, {reason} as _reason, "
            f"to_json(_in) as _raw_row{wide_select} from _in"
        )
        target_cols = list(source.column_names) + (["extracted_at"] if snapshot_date else [])
        cols = ", ".join(quote(c) for c in target_cols)
        con.execute(
            f"insert into raw.{source.name} ({cols}, _load_id, _file, _line) "
            f"select {cols}, _load_id, _file, _line from _checked where _reason is null"
        )
        if wide:
            key = quote(source.key[0])
            unions = " union all ".join(
                f"select {key}, {literal(w[len(prefix) :])}, cast({quote(w)} as integer), "
                f"_load_id, _file, _line from _checked "
                f"where _reason is null and {quote(w)} is not null"
                for w in wide
            )
            con.execute(f"insert into raw.{source.wide_table} {unions}")
        con.execute(
            "insert into ops.quarantine (load_id, source, file, line, raw_row, reason) "
            f"select _load_id, {literal(source.name)}, _file, _line, _raw_row, _reason "
            "from _checked where _reason is not null"
        )
        read, loaded = con.execute(
            "select count(*), count(*) filter (where _reason is null) from _checked"
        ).fetchall()[0]
        _audit(
            con,
            source,
            rel,
            digest,
            size,
            "loaded",
            read,
            loaded,
            None,
            ", ".join(extra) or None,
            load_id=load_id,
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        con.execute("drop table if exists _checked")
        con.execute("drop table if exists _in")
    if extra:
        log.warning("%s: columns not in the contract were not loaded: %s", rel, ", ".join(extra))
    return FileResult(
        rel, "loaded", rows_read=read, rows_loaded=loaded, rows_quarantined=read - loaded
    )


def _next_load_id(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("select coalesce(max(load_id), 0) + 1 from ops.load_audit").fetchall()[0][0]


def _audit(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    rel: str,
    digest: str,
    size: int,
    status: str,
    read: int,
    loaded: int,
    message: str | None,
    extra: str | None,
    load_id: int | None = None,
) -> None:
    con.execute(
        "insert into ops.load_audit (load_id, source, file, content_hash, size_bytes, status, "
        "rows_read, rows_loaded, rows_quarantined, message, extra_columns) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            load_id or _next_load_id(con),
            source.name,
            rel,
            digest,
            size,
            status,
            read,
            loaded,
            read - loaded,
            message,
            extra,
        ],
    )


def load_source(con: duckdb.DuckDBPyConnection, source: Source, inbox: Path) -> SourceResult:
    """Load every new file of one source from the inbox."""
    result = SourceResult(source.name)
    for path in inbox_files(inbox, source):
        result.files.append(load_file(con, source, path, inbox))
    return result
