"""Readers: any inbox file (CSV in its encodings and dialects, xlsx, Parquet) → a text temp table.

Every reader leaves the temp table `_in` with positional text columns c0..cN plus `_line`
(where the row came from) and returns the file's header and the lines DuckDB could not parse.
Typing and validation happen later, in SQL, the same way for every format.
"""

from __future__ import annotations

import codecs
import csv
import functools
import hashlib
import io
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

READABLE_SUFFIXES = (".csv", ".txt", ".xlsx", ".parquet")
DELIMITER_CANDIDATES = (",", ";", "\t", "|")
CHUNK = 1 << 20
MAX_LINE_SIZE = 16777216


class RejectedFile(Exception):
    """The whole file cannot be loaded; the message names the file, the problem and the fix."""


@dataclass(frozen=True)
class FileScan:
    """What one pass over the bytes tells: identity, size and how the text is encoded."""

    content_hash: str
    size: int
    is_utf8: bool
    has_nul: bool
    bom: str | None  # "utf-8", "utf-16" or None


@dataclass
class ReadResult:
    header: list[str]
    malformed: list[tuple[int, str, str]] = field(default_factory=list)  # line, text, reason
    encoding: str = "utf-8"
    delimiter: str | None = None
    sheet: str | None = None
    # SQL over `_in` giving a reason found before typing (a label not in _mapping.yml), or None,
    # and the list of those reasons' kinds (what the run's log counts).
    row_reason: str | None = None
    row_kinds: str | None = None
    # A mapped export's strptime formats for its times (tried before the contract's), or None.
    time_formats: tuple[str, ...] | None = None


def scan_bytes(path: Path) -> FileScan:
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    size, is_utf8, has_nul, first = 0, True, False, b""
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            if not first:
                first = chunk[:4]
            digest.update(chunk)
            size += len(chunk)
            has_nul = has_nul or b"\x00" in chunk
            if is_utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    is_utf8 = False
    if is_utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            is_utf8 = False
    bom = None
    if first.startswith(codecs.BOM_UTF8):
        bom = "utf-8"
    elif first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        bom = "utf-16"
    return FileScan(digest.hexdigest(), size, is_utf8, has_nul, bom)


@contextmanager
def utf8_text(path: Path, scan: FileScan, rel: str) -> Iterator[tuple[Path, str]]:
    """The file as UTF-8 on disk: itself when it already is, else a transcoded temporary copy."""
    if scan.bom == "utf-16":
        encoding = "utf-16"
    elif scan.has_nul:
        raise RejectedFile(
            f"{rel}: contains NUL bytes, so it is not a text CSV (a binary file, or a "
            "spreadsheet saved under a .csv name). Export it again as CSV (UTF-8) or .xlsx."
        )
    elif scan.is_utf8:
        yield path, "utf-8"
        return
    else:
        encoding = "cp1252"  # Windows-1252: what Excel writes on Finnish Windows
    fd, tmp = tempfile.mkstemp(suffix=".csv", prefix="kokemus-")
    try:
        with (
            os.fdopen(fd, "w", encoding="utf-8", newline="") as out,
            path.open("r", encoding=encoding, errors="strict", newline="") as src,
        ):
            for chunk in iter(lambda: src.read(CHUNK), ""):
                out.write(chunk)
    except UnicodeDecodeError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise RejectedFile(
            f"{rel}: the text is neither UTF-8 nor Windows-1252 ({exc.reason} at byte "
            f"{exc.start}). Export it again as CSV UTF-8."
        ) from exc
    try:
        yield Path(tmp), encoding
    finally:
        Path(tmp).unlink(missing_ok=True)


def _first_record(path: Path) -> str:
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        head = fh.read(1 << 16)
    end = len(head)
    in_quotes = False
    for i, ch in enumerate(head):
        if ch == '"':
            in_quotes = not in_quotes
        elif ch in "\r\n" and not in_quotes:
            end = i
            break
    return head[:end]


def _detect_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in DELIMITER_CANDIDATES}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _blank_records(path: Path, delimiter: str) -> list[bool] | None:
    """Per record after the header, in file order: is it a blank line? None if unparseable."""
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, MAX_LINE_SIZE))
    try:
        with path.open("r", encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh, delimiter=delimiter, quotechar='"', doublequote=True)
            next(reader, None)
            return [not fields for fields in reader]
    except csv.Error:
        return None
    finally:
        csv.field_size_limit(limit)


def _positional_columns(n: int) -> str:
    return "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(n)) + "}"


def read_csv(con: duckdb.DuckDBPyConnection, path: Path, scan: FileScan, rel: str) -> ReadResult:
    with utf8_text(path, scan, rel) as (text_path, encoding):
        header_line = _first_record(text_path)
        if not header_line.strip():
            raise RejectedFile(
                f"{rel}: the file is empty (no header row). Export it again with a header row."
            )
        delimiter = _detect_delimiter(header_line)
        header = next(csv.reader(io.StringIO(header_line), delimiter=delimiter))
        literal_path = str(text_path).replace("'", "''")
        literal_delim = delimiter.replace("'", "''")
        con.execute("drop table if exists _rejects")
        con.execute("drop table if exists _reject_scans")
        con.execute(
            f"""create temp table _in as
            select *, cast(null as bigint) as _line from read_csv('{literal_path}',
                auto_detect = false, header = true, delim = '{literal_delim}', quote = '"',
                escape = '"', columns = {_positional_columns(len(header))},
                strict_mode = true, store_rejects = true, rejects_table = '_rejects',
                rejects_scan = '_reject_scans', max_line_size = {MAX_LINE_SIZE})"""
        )
        rejects = con.execute(
            "select line, any_value(csv_line), any_value(error_type)::varchar, "
            "any_value(error_message) from _rejects group by line order by line"
        ).fetchall()
        # _line is DuckDB's record number + 1, as in its rejects table: the physical line when
        # no earlier field spans lines. _in skips blank and rejected records, so number the kept
        # ones from the full record list.
        rejected = {int(r[0]) for r in rejects}
        blank = _blank_records(text_path, delimiter) or []
        kept = [i + 2 for i, b in enumerate(blank) if not b and i + 2 not in rejected]
        if (
            len(kept) < len(blank)
            and len(kept) == con.execute("select count(*) from _in").fetchall()[0][0]
        ):
            import pyarrow as pa

            lines = pa.table(
                {"n": pa.array(range(len(kept)), pa.int64()), "line": pa.array(kept, pa.int64())}
            )
            con.register("_lines", lines)
            try:
                con.execute("update _in set _line = m.line from _lines as m where _in.rowid = m.n")
            finally:
                con.unregister("_lines")
        else:  # every record kept, or the two parsers disagree on records
            con.execute("update _in set _line = rowid + 2")
        malformed = [
            (int(line), text or "", f"malformed CSV line ({kind.lower()}): {message}")
            for line, text, kind, message in rejects
        ]
        con.execute("drop table if exists _rejects")
        con.execute("drop table if exists _reject_scans")
    return ReadResult(header, malformed, encoding, delimiter)


def read_xlsx(
    con: duckdb.DuckDBPyConnection, path: Path, rel: str, sheet: str | None
) -> ReadResult:
    import fastexcel  # imported here: only xlsx loads pay for it

    try:
        reader = fastexcel.read_excel(str(path))
        names = reader.sheet_names
        if sheet and sheet not in names:
            raise RejectedFile(
                f"{rel}: no sheet named {sheet!r}; sheets: {', '.join(names)}. "
                "Set CX_XLSX_SHEET to one of them or leave it empty for the first sheet."
            )
        chosen = sheet or names[0]
        # No header row for fastexcel: it would skip leading empty rows (shifting the row
        # numbers) and rename a duplicated header (hiding it from the duplicate check).
        batch = reader.load_sheet(chosen, header_row=None, skip_rows=0, dtypes="string").to_arrow()
    except RejectedFile:
        raise
    except Exception as exc:  # fastexcel raises its own error types for broken workbooks
        raise RejectedFile(
            f"{rel}: could not be read as an Excel workbook ({exc}). Save it again as .xlsx."
        ) from exc
    import pyarrow as pa
    import pyarrow.compute as pc

    table = pa.Table.from_batches([batch], schema=batch.schema)
    top = -1  # the header is the first row holding a value; table row i is sheet row i + 1
    if table.num_columns:
        filled = functools.reduce(pc.or_, (pc.is_valid(c) for c in table.columns))
        top = pc.index(filled, True).as_py()
    if top < 0:
        raise RejectedFile(
            f"{rel}: sheet {chosen!r} is empty (no header row). "
            "Save the workbook again with the data on its first sheet, or set CX_XLSX_SHEET."
        )
    header = [table.column(i)[top].as_py() or name for i, name in enumerate(table.column_names)]
    table = table.slice(top + 1).rename_columns([f"c{i}" for i in range(len(header))])
    con.register("_xlsx", table)
    try:
        con.execute(
            f"create temp table _in as select *, row_number() over () + {top + 1} as _line "
            "from _xlsx"
        )
    finally:
        con.unregister("_xlsx")
    return ReadResult(header, encoding="xlsx", sheet=chosen)


def read_parquet(con: duckdb.DuckDBPyConnection, path: Path, rel: str) -> ReadResult:
    literal_path = str(path).replace("'", "''")
    try:
        header = [
            r[0]
            for r in con.execute(
                f"describe select * from read_parquet('{literal_path}')"
            ).fetchall()
        ]
        casts = ", ".join(
            f'cast("{h.replace(chr(34), chr(34) * 2)}" as varchar) as c{i}'
            for i, h in enumerate(header)
        )
        con.execute(
            f"create temp table _in as select {casts}, cast(null as bigint) as _line "
            f"from read_parquet('{literal_path}')"
        )
    except duckdb.Error as exc:
        raise RejectedFile(
            f"{rel}: could not be read as Parquet ({exc}). Export it again."
        ) from exc
    con.execute("update _in set _line = rowid + 1")  # row number in the file
    return ReadResult(header, encoding="parquet")


def read_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    scan: FileScan,
    rel: str,
    xlsx_sheet: str | None = None,
) -> ReadResult:
    """Fill temp table `_in` from the file; raise RejectedFile when it cannot be read."""
    con.execute("drop table if exists _in")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return read_xlsx(con, path, rel, xlsx_sheet)
    if suffix == ".parquet":
        return read_parquet(con, path, rel)
    try:
        return read_csv(con, path, scan, rel)
    except duckdb.Error as exc:
        raise RejectedFile(
            f"{rel}: could not be read as CSV ({str(exc).splitlines()[0]}). "
            "Export it again as CSV UTF-8 with a header row."
        ) from exc
