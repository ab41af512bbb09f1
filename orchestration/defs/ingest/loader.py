"""Loads inbox files into the DuckDB `raw` schema: one transaction, one audit row per file.

Every source goes through `load_source`: a reader (readers.py) puts the file's rows into a
text temp table, the declared column mapping names its columns, SQL built from the source
declaration types each value and names what is wrong with a row; valid rows go to
`raw.<source>`, the others to `ops.quarantine` with their reason, and `ops.load_audit`
records rows read = loaded + quarantined with the file's content hash. A hash already loaded
is skipped, so a re-run or a re-sent file loads nothing twice.
"""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import duckdb

from orchestration.defs.ingest import mapping
from orchestration.defs.ingest.readers import (
    READABLE_SUFFIXES,
    FileScan,
    ReadResult,
    RejectedFile,
    read_file,
    scan_bytes,
)
from orchestration.defs.ingest.sources import Column, Source, column_aliases, normalise_header
from orchestration.sql import literal, quote

log = logging.getLogger(__name__)

FINNISH_TIME_FORMATS = (
    "%d.%m.%Y %H.%M.%S",
    "%d.%m.%Y %H.%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
)
# Times with an offset, or without one (CX_TIMEZONE), that DuckDB's timestamptz cast reads;
# tests/python/test_loader.py loads each, so the quarantine reason cannot promise more.
ISO_TIME_EXAMPLES = ("2025-12-31", "2025-12-31 14:30:15", "2025-12-31T14:30:15+02:00")
# The date and time the other formats are shown with in a quarantine reason.
TIME_EXAMPLE = datetime(2025, 12, 31, 14, 30, 15)
# Decimals: decimal(DIGITS, PLACES); the parsing patterns and the reason text both use them.
DECIMAL_DIGITS, DECIMAL_PLACES = 18, 4
DECIMAL_EXAMPLES = ("1234.5", "1 234,50", "1,234.50", "-12,5")
SQL_TYPES = {
    "text": "varchar",
    "int": "integer",
    "timestamp": "timestamptz",
    "decimal": f"decimal({DECIMAL_DIGITS}, {DECIMAL_PLACES})",
}
META_COLUMNS = "_load_id integer not null, _file varchar not null, _line bigint not null"
SNAPSHOT_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})")
# Partial downloads and editor lock files: never inbox files.
IGNORED_NAME = re.compile(r"^(\.|~\$)|\.(tmp|part|partial|crdownload|download)$", re.IGNORECASE)
# Spaces, no-break spaces and narrow no-break spaces group thousands in Finnish numbers.
THOUSANDS_SPACES = "[ \u00a0\u202f]"


@dataclass
class FileResult:
    file: str
    status: str  # loaded | rejected | skipped | deferred
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_excluded: int = 0  # not answers (Qualtrics previews, spam), or loaded before
    message: str = ""
    # What was wrong with the quarantined rows, counted: (kind, rows), most rows first. A row
    # with two problems counts under both.
    reasons: tuple[tuple[str, int], ...] = ()

    def summary(self) -> str:
        """The run's log line for a loaded file: counts, and why rows were left out."""
        text = (
            f"{self.file}: {_n(self.rows_read)} read, {_n(self.rows_loaded)} loaded, "
            f"{_n(self.rows_quarantined)} quarantined"
        )
        if self.reasons:
            text += " (" + ", ".join(f"{_n(n)} × {kind}" for kind, n in self.reasons) + ")"
        if self.rows_excluded:
            text += f", {_n(self.rows_excluded)} excluded"
        return text


def _n(count: int) -> str:
    """1 000 000: thousands grouped with a space, as in the report's Finnish numbers."""
    return f"{count:,}".replace(",", " ")


@dataclass
class SourceResult:
    source: str
    files: list[FileResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    def total(self, attr: str) -> int:
        return sum(getattr(f, attr) for f in self.files)


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
            file_format varchar,
            loaded_at timestamptz not null default current_timestamp,
            rows_excluded bigint not null default 0
        )"""
    )
    # Warehouses made before rows_excluded: the column is added at the end, as created above.
    con.execute(
        "alter table ops.load_audit add column if not exists rows_excluded bigint default 0"
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
        # A column the contract gained after this warehouse was created: added, empty for
        # the loads before it (the loader inserts by name). One catalog read per table; an
        # ALTER only for what is missing.
        present = {
            name
            for (name,) in con.execute(
                "select column_name from information_schema.columns "
                "where table_schema = 'raw' and table_name = ?",
                [source.name],
            ).fetchall()
        }
        for c in source.columns:
            if c.name not in present:
                con.execute(
                    f"alter table raw.{source.name} add column {quote(c.name)} {SQL_TYPES[c.kind]}"
                )
        for wide in source.wides:
            key = source.key[0]
            con.execute(
                f"create table if not exists raw.{wide.table} ("
                f"{quote(key)} varchar not null, name varchar not null, score integer not null, "
                f"{META_COLUMNS})"
            )


def inbox_files(inbox: Path, source: Source) -> list[Path]:
    folder = inbox / source.name
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in READABLE_SUFFIXES and not IGNORED_NAME.search(p.name)
    )


def _value(pos: int | None) -> str:
    """The trimmed text of a file column, NULL when empty or absent."""
    return f"nullif(trim(_in.c{pos}), '')" if pos is not None else "cast(null as varchar)"


def _decimal(v: str) -> str:
    """Decimal text in Finnish (1 234,50) or international (1,234.50 / 1234.50) form."""
    t = f"regexp_replace({v}, '{THOUSANDS_SPACES}', '', 'g')"
    places, sql_type = f"{{1,{DECIMAL_PLACES}}}", SQL_TYPES["decimal"]
    return (
        f"case when regexp_full_match({t}, '[+-]?[0-9]+(,[0-9]{places})?') "
        f"then try_cast(replace({t}, ',', '.') as {sql_type}) "
        f"when regexp_full_match({t}, '[+-]?[0-9]{{1,3}}(,[0-9]{{3}})+([.][0-9]{places})?') "
        f"then try_cast(replace({t}, ',', '') as {sql_type}) "
        f"when regexp_full_match({t}, '[+-]?[0-9]+([.][0-9]{places})?') "
        f"then try_cast({t} as {sql_type}) end"
    )


def _typed(column: Column, v: str) -> str:
    if column.kind == "int":
        # try_cast: digits too many for an integer make the row bad, not the load crash.
        return f"case when regexp_full_match({v}, '[+-]?[0-9]+') then try_cast({v} as integer) end"
    if column.kind == "decimal":
        return _decimal(v)
    if column.kind == "timestamp":
        formats = ", ".join(literal(f) for f in FINNISH_TIME_FORMATS)
        # Finnish dates only with a four-digit year: %Y would read 3.4.25 as the year 25.
        return (
            f"coalesce(try_cast({v} as timestamptz), "
            f"case when regexp_matches({v}, '^[0-9]{{1,2}}[.][0-9]{{1,2}}[.][0-9]{{4}}([^0-9]|$)') "
            f"then cast(try_strptime({v}, [{formats}]) as timestamptz) end)"
        )
    if column.allowed:
        # Compared lower-cased, so loaded lower-cased: raw holds the values the contract lists.
        return f"lower({v})"
    return v


def _out_of_range(column: Column, typed: str, scale_value: str | None) -> str | None:
    """SQL that is true when the typed value lies outside its (scale's) range."""
    if column.scales and scale_value:
        _, ranges = column.scales
        default = column.range or next(iter(ranges.values()))
        branches = " ".join(
            f"when {scale_value} = {literal(name)} then {typed} not between {lo} and {hi}"
            for name, (lo, hi) in ranges.items()
        )
        return f"case {branches} else {typed} not between {default[0]} and {default[1]} end"
    if column.range:
        lo, hi = column.range
        return f"{typed} not between {lo} and {hi}"
    return None


# -- what is wrong with a value, and what would be accepted -------------------------------------
# The texts below are built from the same constants and declarations as the parsing SQL above
# (formats, decimal places, ranges, scales, allowed values), so a reason never promises another
# format than the loader reads.


def accepted_integer(column: Column) -> str:
    if column.scales:
        scale_col, ranges = column.scales
        default = column.range or next(iter(ranges.values()))
        by_range: dict[tuple[int, int], list[str]] = {}
        for name, lo_hi in ranges.items():
            by_range.setdefault(lo_hi, []).append(name)
        by_range.setdefault(default, []).append("empty")
        return "a whole number " + ", ".join(
            f"from {lo} to {hi} when {scale_col} is {' or '.join(names)}"
            for (lo, hi), names in by_range.items()
        )
    if column.range:
        return f"a whole number from {column.range[0]} to {column.range[1]}"
    return "a whole number"


def accepted_decimal() -> str:
    return (
        f"a number with at most {DECIMAL_PLACES} decimals and "
        f"{DECIMAL_DIGITS - DECIMAL_PLACES} digits before them, such as "
        f"{', '.join(DECIMAL_EXAMPLES[:-1])} or {DECIMAL_EXAMPLES[-1]}"
    )


def time_examples(formats: tuple[str, ...]) -> list[str]:
    """Each strptime format as the date TIME_EXAMPLE written in it, without repeats."""
    return list(dict.fromkeys(TIME_EXAMPLE.strftime(f) for f in formats))


def accepted_times(formats: tuple[str, ...] = FINNISH_TIME_FORMATS, hint: str = "") -> str:
    shown = list(dict.fromkeys([*ISO_TIME_EXAMPLES, *time_examples(formats)]))
    return (
        f"a real date and time as {', '.join(shown[:-1])} or {shown[-1]}, the year in four "
        f"digits{hint}"
    )


@dataclass(frozen=True)
class Problem:
    """One check of a row: `when` is SQL that is true when the row breaks it; `kind` names what
    is wrong without the value (the log counts rows per kind); `shown` is SQL for the value the
    reason quotes; `accepted` says in words what would have loaded."""

    when: str
    kind: str
    shown: str | None = None
    accepted: str | None = None

    def reason(self) -> str:
        text = literal(self.kind)
        if self.shown:
            text += f" || ': \"' || {self.shown} || '\"'"
        if self.accepted:
            text += f" || {literal(f' (accepted: {self.accepted})')}"
        return f"case when {self.when} then {text} end"

    def counted(self) -> str:
        return f"case when {self.when} then {literal(self.kind)} end"


def _problems(
    column: Column,
    v: str,
    scale_value: str | None = None,
    time_formats: tuple[str, ...] = FINNISH_TIME_FORMATS,
    time_hint: str = "",
) -> list[Problem]:
    """What can be wrong with one value of the column, each with what is accepted."""
    name = column.name
    typed = _typed(column, v)
    wrong = f"{v} is not null and {typed} is null"
    checks = []
    if column.not_empty:
        checks.append(Problem(f"{v} is null", f"empty {name}"))
    if column.kind == "int":
        checks.append(Problem(wrong, f"{name} is not an integer", v, accepted_integer(column)))
        out = _out_of_range(column, typed, scale_value)
        if out and column.scales:
            checks.append(
                Problem(out, f"{name} out of range for its scale", v, accepted_integer(column))
            )
        elif out and column.range:
            # The kind names the range: it says what is accepted.
            lo, hi = column.range
            checks.append(Problem(out, f"{name} out of range {lo}-{hi}", v))
    elif column.allowed:
        known = ", ".join(literal(a) for a in column.allowed)
        # The kind lists the allowed values: it says what is accepted (in any letter case).
        checks.append(
            Problem(
                f"{v} is not null and lower({v}) not in ({known})",
                f"{name} not one of {'/'.join(column.allowed)}",
                v,
            )
        )
    elif column.pattern:
        regex, accepted = column.pattern
        checks.append(
            Problem(
                f"{v} is not null and not regexp_full_match(upper({v}), {literal(regex)})",
                f"unparseable {name}",
                v,
                accepted,
            )
        )
    elif column.kind == "decimal":
        checks.append(Problem(wrong, f"{name} is not a number", v, accepted_decimal()))
    elif column.kind == "timestamp":
        checks.append(
            Problem(wrong, f"unparseable {name}", v, accepted_times(time_formats, time_hint))
        )
    return checks


@dataclass(frozen=True)
class ColumnMap:
    canonical: dict[str, int]  # canonical column → position in the file
    wide: dict[str, int]  # driver_<name>, importance_<name> → position
    extra: list[str]  # headers that are neither: reported, not loaded


def map_columns(source: Source, header: list[str], rel: str) -> ColumnMap:
    """Match the file's header to the contract via the declared aliases; reject what can't."""
    aliases = column_aliases().get(source.name, {})
    names = set(source.column_names)
    canonical: dict[str, int] = {}
    wide: dict[str, int] = {}
    extra: list[str] = []
    for pos, name in enumerate(header):
        key = normalise_header(name)
        target = aliases.get(key, key)
        if target in names or source.wide_of(target):
            bucket = canonical if target in names else wide
            if target in bucket:
                raise RejectedFile(
                    f"{rel}: columns {header[bucket[target]]!r} and {name!r} both mean "
                    f"{target}; remove one of them from the export."
                )
            bucket[target] = pos
        else:
            extra.append(name)
    missing = [c.name for c in source.columns if c.required and c.name not in canonical]
    if missing:
        raise RejectedFile(
            f"{rel}: required column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"missing; found: {', '.join(header)}. Rename the column(s) in the export to the "
            f"names in docs/contract.md, or add the export's names to seeds/column_aliases.csv."
        )
    return ColumnMap(canonical, wide, extra)


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


def _check_scales(
    con: duckdb.DuckDBPyConnection, source: Source, cmap: ColumnMap, rel: str
) -> None:
    for column in source.columns:
        if not column.scales or column.scales[0] not in cmap.canonical:
            continue
        scale_col, ranges = column.scales
        v = _value(cmap.canonical[scale_col])
        unknown = [
            r[0]
            for r in con.execute(
                f"select distinct {v} from _in where {v} is not null "
                f"and {v} not in ({', '.join(literal(k) for k in ranges)}) order by 1 limit 5"
            ).fetchall()
        ]
        if unknown:
            raise RejectedFile(
                f"{rel}: unknown {scale_col} {', '.join(repr(u) for u in unknown)}; known: "
                f"{', '.join(ranges)}. Scales are never converted: export {column.name} on a "
                "known scale and say which in the scale column."
            )


def _build_select(
    source: Source, cmap: ColumnMap, snapshot_date: str | None, read: ReadResult | None = None
) -> tuple[str, str, str]:
    """Typed projection, the reason expression and the list of problem kinds, over `_in`."""
    exprs, problems = [], []
    time_formats, time_hint = FINNISH_TIME_FORMATS, ""
    if read is not None and read.time_formats:
        # A mapped export: its entry's and tool's formats, then the contract's.
        time_formats = tuple(dict.fromkeys(read.time_formats + FINNISH_TIME_FORMATS))
        time_hint = f", or the format given as date_format in {mapping.MAPPING_FILE}"
    for column in source.columns:
        v = _value(cmap.canonical.get(column.name))
        scale = None
        if column.scales:
            scale = _value(cmap.canonical.get(column.scales[0]))
        exprs.append(f"{_typed(column, v)} as {quote(column.name)}")
        problems.extend(_problems(column, v, scale, time_formats, time_hint))
    for name, pos in cmap.wide.items():
        wide = source.wide_of(name)
        assert wide is not None  # map_columns kept only the names of a family
        problems.extend(_problems(Column(name, "int", range=wide.range), _value(pos)))
    if source.row_rules:
        values = {c.name: _value(cmap.canonical.get(c.name)) for c in source.columns}
        names = {n: _typed(c, values[n]) for n, c in zip(values, source.columns, strict=True)}
        names |= {f"{n}_text": v for n, v in values.items()}
        problems.extend(
            Problem(rule.when.format(**names), rule.reason) for rule in source.row_rules
        )
    if source.unique_in_file:
        problems.append(_repeated_key(source, cmap))
    if source.at_least_one_of:
        scored = [_value(cmap.canonical.get(c)) for c in source.at_least_one_of]
        scored += [_value(pos) for pos in cmap.wide.values()]
        scores = ", ".join(source.at_least_one_of)
        if source.wides:
            scores += f" or a {' or '.join(f'{w.prefix}<name>' for w in source.wides)} rating"
        problems.append(
            Problem(
                f"coalesce({', '.join(scored)}) is null",
                "no score at all",
                None,
                f"at least one of {scores}",
            )
        )
    if snapshot_date:
        exprs.append(f"date {literal(snapshot_date)} as extracted_at")
    reasons = ([read.row_reason] if read is not None and read.row_reason else []) + [
        p.reason() for p in problems
    ]
    reason = f"nullif(concat_ws('; ', {', '.join(reasons)}), '')" if reasons else "null"
    kinds = f"[{', '.join(p.counted() for p in problems)}]::varchar[]"
    if read is not None and read.row_kinds:
        kinds = f"list_concat({read.row_kinds}, {kinds})"
    return ", ".join(exprs), reason, kinds


def _repeated_key(source: Source, cmap: ColumnMap) -> Problem:
    """Every row whose key (lower-cased; empty equals empty) another row of the file repeats."""
    keys = ", ".join(f"lower({_value(cmap.canonical.get(k))})" for k in source.key)
    window = f"over (partition by {keys})"
    names = ", ".join(source.key[:-1]) + f" and {source.key[-1]}"
    return Problem(
        f"count(*) {window} > 1",
        f"{names} repeated in the file",
        f"'lines ' || array_to_string(list_sort(list(_in._line) {window}), ', ')",
        "one row per key; remove or merge the repeats",
    )


def _raw_row(header: list[str]) -> str:
    """The row as the file had it, as a JSON object keyed by the file's own headers."""
    pairs = ", ".join(f"{literal(h)}, _in.c{i}" for i, h in enumerate(header))
    return f"json_object({pairs})" if pairs else "'{}'"


def _already_loaded(con: duckdb.DuckDBPyConnection, digest: str) -> bool:
    return (
        con.execute(
            "select count(*) from ops.load_audit where content_hash = ? and status = 'loaded'",
            [digest],
        ).fetchall()[0][0]
        > 0
    )


def identify(
    path: Path, source: Source
) -> tuple[FileScan, mapping.Entry | None, mapping.MappingError | None]:
    """A file's scan, its `_mapping.yml` entry, or the error reading its mapping.

    `scan.content_hash` is what ops.load_audit records for the file: a mapped file is its
    bytes and its entry (after the entry changes it loads again); a file whose mapping cannot
    be read is rejected under its bare hash. orchestration/build_state.py asks the same.
    """
    scan = scan_bytes(path)
    try:
        entry = mapping.entry_for(path.parent, source, path.name)
    except mapping.MappingError as exc:
        return scan, None, exc
    return replace(scan, content_hash=mapping.content_hash(scan.content_hash, entry)), entry, None


def load_file(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    path: Path,
    inbox: Path,
    xlsx_sheet: str | None = None,
) -> FileResult:
    """Load one file in one transaction; never raises for bad input."""
    rel = path.relative_to(inbox).as_posix()
    scan, entry, error = identify(path, source)
    if error is not None:
        _audit(con, source, rel, scan, "rejected", 0, 0, f"{rel}: {error}", None, None)
        log.error("%s: %s", rel, error)
        return FileResult(rel, "rejected", message=f"{rel}: {error}")
    if _already_loaded(con, scan.content_hash):
        return FileResult(rel, "skipped", message="same content already loaded")
    mapped = None
    try:
        read = read_file(con, path, scan, rel, xlsx_sheet)
        layout = mapping.detect_layout(con, read.header)
        if entry is not None:
            mapped = mapping.apply_mapping(con, source, entry, layout, read, rel)
            read = mapped.read
        elif layout.header_lines:  # a survey tool's export: never the contract's layout
            raise RejectedFile(mapping.unmapped_message(con, source, layout, rel, path.name))
        try:
            cmap = map_columns(source, read.header, rel)
        except RejectedFile as exc:
            if entry is not None:
                raise
            raise RejectedFile(
                mapping.unmapped_message(con, source, layout, rel, path.name, str(exc))
            ) from exc
        snapshot_date = _snapshot_date(source, path, rel)
        _check_scales(con, source, cmap, rel)
    except RejectedFile as exc:
        con.execute("drop table if exists _in")
        _audit(con, source, rel, scan, "rejected", 0, 0, str(exc), None, None)
        log.error("%s", exc)
        return FileResult(rel, "rejected", message=str(exc))
    try:
        return _insert(con, source, rel, scan, read, cmap, snapshot_date, mapped)
    finally:
        con.execute("drop table if exists _checked")
        con.execute("drop table if exists _in")


def _file_format(read: ReadResult) -> str:
    if read.delimiter:
        return f"csv {read.encoding} delimiter {read.delimiter!r}"
    return f"{read.encoding} sheet {read.sheet!r}" if read.sheet else read.encoding


def _insert(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    rel: str,
    scan: FileScan,
    read: ReadResult,
    cmap: ColumnMap,
    snapshot_date: str | None,
    mapped: mapping.Mapped | None = None,
) -> FileResult:
    select, reason, kinds = _build_select(source, cmap, snapshot_date, read)
    wide_select = "".join(f", {_value(p)} as {quote(w)}" for w, p in cmap.wide.items())
    con.execute("begin transaction")
    try:
        load_id = _next_load_id(con)
        meta = f"{load_id} as _load_id, {literal(rel)} as _file, _in._line as _line"
        con.execute(
            f"create temp table _checked as select {select}, {meta}, {reason} as _reason, "
            f"{kinds} as _kinds{wide_select} from _in"
        )
        target_cols = list(source.column_names) + (["extracted_at"] if snapshot_date else [])
        cols = ", ".join(quote(c) for c in target_cols)
        con.execute(
            f"insert into raw.{source.name} ({cols}, _load_id, _file, _line) "
            f"select {cols}, _load_id, _file, _line from _checked where _reason is null"
        )
        for wide in source.wides:
            key = quote(source.key[0])
            unions = " union all ".join(
                f"select {key}, {literal(w[len(wide.prefix) :])}, cast({quote(w)} as integer), "
                f"_load_id, _file, _line from _checked "
                f"where _reason is null and {quote(w)} is not null"
                for w in cmap.wide
                if source.wide_of(w) is wide
            )
            if unions:
                con.execute(f"insert into raw.{wide.table} {unions}")
        # The row as the file had it only for the rows quarantined (a JSON object of every
        # column of every row cost as much as the checks at 10 M rows): `_line` numbers _in.
        con.execute(
            "insert into ops.quarantine (load_id, source, file, line, raw_row, reason) "
            f"select _checked._load_id, {literal(source.name)}, _checked._file, _checked._line, "
            f"{_raw_row(read.header)}, _checked._reason "
            "from _checked inner join _in on _in._line = _checked._line "
            "where _checked._reason is not null"
        )
        if read.malformed:
            con.executemany(
                "insert into ops.quarantine (load_id, source, file, line, raw_row, reason) "
                "values (?, ?, ?, ?, ?, ?)",
                [
                    [load_id, source.name, rel, line, text, why]
                    for line, text, why in read.malformed
                ],
            )
        parsed, loaded = con.execute(
            "select count(*), count(*) filter (where _reason is null) from _checked"
        ).fetchall()[0]
        kinds_counted = Counter(
            dict(
                con.execute(
                    "select kind, count(*) from (select unnest(_kinds) as kind from _checked "
                    "where _reason is not null) where kind is not null group by kind"
                ).fetchall()
            )
        )
        # The reader's reasons read "malformed CSV line (<kind>): <parser message>".
        kinds_counted.update(why.partition(": ")[0] for _, _, why in read.malformed)
        excluded = mapped.excluded if mapped else 0
        rows_read = parsed + len(read.malformed) + excluded
        left_out = mapped.left_out if mapped else cmap.extra
        extra = ", ".join(left_out) or None
        file_format = _file_format(read)
        if mapped:
            file_format += (
                f"; {mapped.tool} export mapped by {mapping.MAPPING_FILE} entry {mapped.files!r}"
            )
        _audit(
            con,
            source,
            rel,
            scan,
            "loaded",
            rows_read,
            loaded,
            "; ".join(mapped.notes) if mapped and mapped.notes else None,
            extra,
            file_format,
            load_id=load_id,
            excluded=excluded,
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    if left_out:
        log.warning("%s: columns not in the contract were not loaded: %s", rel, extra)
    return FileResult(
        rel,
        "loaded",
        rows_read=rows_read,
        rows_loaded=loaded,
        rows_quarantined=rows_read - loaded - excluded,
        rows_excluded=excluded,
        reasons=tuple(sorted(kinds_counted.items(), key=lambda kv: (-kv[1], kv[0]))),
    )


def _next_load_id(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("select coalesce(max(load_id), 0) + 1 from ops.load_audit").fetchall()[0][0]


def _audit(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    rel: str,
    scan: FileScan,
    status: str,
    read: int,
    loaded: int,
    message: str | None,
    extra: str | None,
    file_format: str | None,
    load_id: int | None = None,
    excluded: int = 0,
) -> None:
    con.execute(
        "insert into ops.load_audit (load_id, source, file, content_hash, size_bytes, status, "
        "rows_read, rows_loaded, rows_quarantined, message, extra_columns, file_format, "
        "rows_excluded) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            load_id or _next_load_id(con),
            source.name,
            rel,
            scan.content_hash,
            scan.size,
            status,
            read,
            loaded,
            read - loaded - excluded,
            message,
            extra,
            file_format,
            excluded,
        ],
    )


def load_source(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    inbox: Path,
    *,
    settle_seconds: float = 0.0,
    xlsx_sheet: str | None = None,
) -> SourceResult:
    """Load every new file of one source from the inbox.

    A file modified less than `settle_seconds` ago may still be being copied: it is deferred
    (neither loaded nor rejected) and picked up by a later run.
    """
    result = SourceResult(source.name)
    now = time.time()
    for path in inbox_files(inbox, source):
        if settle_seconds and now - path.stat().st_mtime < settle_seconds:
            rel = path.relative_to(inbox).as_posix()
            result.files.append(
                FileResult(
                    rel,
                    "deferred",
                    message=(
                        f"{rel}: modified less than {settle_seconds:g} s ago; loaded next run"
                    ),
                )
            )
            continue
        result.files.append(load_file(con, source, path, inbox, xlsx_sheet))
    return result
