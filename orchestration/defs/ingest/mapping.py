"""Exports as the survey tools (and CRMs) write them: `_mapping.yml`, header detection, suggestion.

A source folder of the inbox may hold `_mapping.yml`, a list of entries; the first entry whose
`files` glob matches a file's name says which export column fills which contract column
(`columns`), constants for every row (`values`), answer texts → numbers (`labels`), the time zone
of timestamps without an offset and, where the tool's default is not known, a `date_format`.

The reader (readers.py) has put the file in temp table `_in` with row 1 as its header. Here
the header rows are recognised (Qualtrics: ids, question texts, ImportIds; SurveyMonkey:
questions and `Response`/choice labels; one row for everything else), and a mapped file's `_in`
is rebuilt in the contract's layout: only the columns the entry names (nothing else, so e-mail
and IP addresses never reach a table, the lake or a log), typed text the loader then checks as
it checks any contract file. A file that is neither the contract nor mapped is rejected with a
ready-to-edit entry (`suggest_entry`, also `make suggest-mapping FILE=...`).
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb
import yaml

from orchestration.defs.ingest.readers import ReadResult, RejectedFile, read_file, scan_bytes
from orchestration.defs.ingest.sources import (
    SOURCES_BY_NAME,
    SURVEY_RESPONSES,
    Source,
    column_aliases,
    normalise_header,
)
from orchestration.settings import get_settings
from orchestration.sql import literal

MAPPING_FILE = "_mapping.yml"
ENTRY_KEYS = {"files", "columns", "values", "labels", "timezone", "date_format"}
IMPORT_ID = re.compile(r"""^\{\s*["']ImportId["']\s*:\s*["']([^"']*)["']""")
PLAIN_ANSWER = {"response", "open-ended response"}
# Qualtrics `Status`: previews and spam are not answers (numeric codes of the same).
QUALTRICS_NOT_ANSWERS = (
    "survey preview",
    "spam",
    "preview spam",
    "imported spam",
    "offline survey preview",
)
QUALTRICS_NOT_ANSWER_CODES = ("1", "8", "9", "12", "17")
QUALTRICS_SEEN_NOT_ANSWERED = "-99"
# Timestamps: ISO 8601 is always tried (try_cast); these per tool, after any `date_format`.
FINNISH = ("%d.%m.%Y %H.%M.%S", "%d.%m.%Y %H.%M", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y")
US_12H = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p")
US_24H = ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y")
DAY_FIRST = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y %I:%M:%S %p", "%d/%m/%Y")
MONTH_FIRST = (*US_24H, *US_12H)
TIME_FORMATS = {
    "qualtrics": ("%Y-%m-%d %H:%M:%S", *US_24H),
    "qualtrics-legacy": ("%Y-%m-%d %H:%M:%S", *US_24H),
    "surveymonkey": (*US_12H, *US_24H),
    # Google Forms writes the locale it was exported in: fi and de (5.11.2024 12.11.13), sv
    # (ISO), en-US (11/5/2024) or en-GB (05/11/2024): a/b/yyyy is ordered from the file's values.
    "google-forms": (*FINNISH, "%Y/%m/%d %I:%M:%S %p"),
    "typeform": ("%Y-%m-%d %H:%M:%S",),
    "formbricks": ("%Y-%m-%d %H:%M:%S", "%a %b %d %Y"),
    "webropol": FINNISH,
}
GENERIC_TIME_FORMATS = FINNISH
# Tools whose a/b/yyyy dates are always month first (their documented default).
MONTH_FIRST_TOOLS = ("qualtrics", "qualtrics-legacy", "surveymonkey")
SLASH_DATE = r"^\s*([0-9]{1,2})/([0-9]{1,2})/[0-9]{4}\b"
TOOL_NAMES = {
    "qualtrics": "Qualtrics (3 header rows: ids, question texts, ImportIds)",
    "qualtrics-legacy": "Qualtrics legacy (2 header rows: V1... ids, question texts)",
    "surveymonkey": "SurveyMonkey (2 header rows: questions, Response / choice labels)",
    "google-forms": "Google Forms (1 header row, question texts)",
    "typeform": "Typeform (1 header row)",
    "formbricks": "Formbricks (1 header row)",
    "webropol": "Webropol Excel (1 header row: respondent number, answer time, questions)",
    "one-row": "one header row (a CRM report or another tool)",
}
FORMBRICKS_MARKS = {"formbricks id (internal)", "useragent - browser"}
GOOGLE_FORMS_FIRST = {"timestamp", "aikaleima", "tidsstämpel", "tidsstempel", "zeitstempel"}
# Webropol's Excel export: a respondent-number column first, then the answer time (fi, en, sv).
WEBROPOL_FIRST = {"vastaaja", "vastaajan numero", "respondent", "respondent number", "svarande"}
WEBROPOL_TIME = {
    "vastausaika",
    "vastauspäivämäärä",
    "vastattu",
    "answer time",
    "date of answer",
    "answered",
    "svarstid",
    "svarsdatum",
}


class MappingError(RejectedFile):
    """`_mapping.yml` itself is wrong: every file it would apply to is rejected."""


@dataclass(frozen=True)
class Entry:
    files: str
    columns: dict[str, str]
    values: dict[str, str]
    labels: dict[str, dict[str, str]]  # contract column → {trimmed lower-case text: number}
    timezone: str
    date_format: str | None
    fingerprint: str  # hash of the entry as written: a changed entry makes the file new


@dataclass(frozen=True)
class HeaderColumn:
    pos: int
    id: str  # row 1 (Qualtrics id), or the column's name where the tool has no ids
    text: str  # the question text (SurveyMonkey: `<question> - <row 2>` for choices)
    import_id: str | None = None  # Qualtrics row 3

    @property
    def name(self) -> str:
        """How the column is shown: its id, with the question text when it differs."""
        return self.id if self.text in ("", self.id) else f"{self.id} ({self.text})"

    def matches(self, ref: str) -> bool:
        return ref.strip() in {self.id.strip(), self.text.strip(), self.import_id or ""}


@dataclass(frozen=True)
class Layout:
    tool: str
    columns: list[HeaderColumn]
    header_lines: tuple[int, ...] = ()  # _in lines that are header rows 2 and 3, not answers

    @property
    def description(self) -> str:
        return TOOL_NAMES[self.tool]

    def find(self, ref: str) -> HeaderColumn | None:
        for match in (
            lambda c: c.id.strip() == ref.strip(),
            lambda c: (c.import_id or "") == ref.strip(),
            lambda c: c.text.strip() == ref.strip(),
            lambda c: c.text.strip().lower() == ref.strip().lower(),
        ):
            found = [c for c in self.columns if match(c)]
            if found:
                return found[0]
        return None


@dataclass
class Mapped:
    read: ReadResult
    files: str  # the entry's glob
    tool: str  # the detected layout
    excluded: int = 0
    left_out: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# -- _mapping.yml -------------------------------------------------------------------------------


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _parse_entry(raw: object, i: int, source: Source, where: str) -> Entry:
    def bad(problem: str) -> MappingError:
        return MappingError(f"{where}: entry {i + 1}: {problem}")

    if not isinstance(raw, dict) or not isinstance(raw.get("files"), str):
        raise bad('each entry needs `files: "<glob on the file name>"`.')
    unknown = set(raw) - ENTRY_KEYS
    if unknown:
        raise bad(f"unknown key(s) {', '.join(sorted(unknown))}; known: {', '.join(ENTRY_KEYS)}.")
    columns = raw.get("columns") or {}
    values = raw.get("values") or {}
    labels = raw.get("labels") or {}
    for key, part in (("columns", columns), ("values", values), ("labels", labels)):
        if not isinstance(part, dict):
            raise bad(f"`{key}` must be a mapping of contract column: value.")
    names = set(source.column_names)
    prefixes = "".join(f", {w.prefix}<name>" for w in source.wides)

    def known(name: str) -> bool:
        return name in names or source.wide_of(name) is not None

    strange = [str(c) for c in [*columns, *values] if not known(str(c))]
    if strange:
        raise bad(
            f"{', '.join(strange)} not column(s) of {source.name}; the contract's columns: "
            f"{', '.join(source.column_names)}{prefixes}."
        )
    both = sorted(set(map(str, columns)) & set(map(str, values)))
    if both:
        raise bad(f"{', '.join(both)} in both `columns` and `values`; keep one.")
    for col, mapping in labels.items():
        if str(col) not in set(map(str, columns)) or not isinstance(mapping, dict):
            raise bad(f"labels for {col}: give {{text: number}} for a column named in `columns`.")
    if not columns:
        raise bad("`columns` names no export column.")
    if source is SURVEY_RESPONSES:
        if "responded_at" not in columns:
            raise bad("a survey export needs its time column: `responded_at: <column>`.")
        scores = [c for c in source.at_least_one_of if c in columns]
        if not scores and not any(source.wide_of(str(c)) for c in columns):
            raise bad("a survey export needs at least one score column (nps_score, csat_score...).")
    else:
        missing = [
            c.name
            for c in source.columns
            if c.not_empty and c.name not in columns and c.name not in values
        ]
        if missing:
            raise bad(f"{', '.join(missing)} must come from `columns` or `values`.")
    timezone = _text(raw.get("timezone") or get_settings().timezone)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise bad(f"unknown timezone {timezone!r} (an IANA name like Europe/Helsinki).") from exc
    date_format = raw.get("date_format")
    fingerprint = hashlib.sha256(
        json.dumps(raw, sort_keys=True, default=str, ensure_ascii=False).encode()
    ).hexdigest()
    return Entry(
        files=raw["files"],
        columns={str(k): _text(v) for k, v in columns.items()},
        values={str(k): _text(v) for k, v in values.items()},
        labels={
            str(col): {_text(t).strip().lower(): _text(n) for t, n in m.items()}
            for col, m in labels.items()
        },
        timezone=timezone,
        date_format=_text(date_format) if date_format else None,
        fingerprint=fingerprint,
    )


def read_mapping(folder: Path, source: Source) -> list[Entry]:
    """The entries of folder/_mapping.yml ([] without one); MappingError names what is wrong."""
    path = folder / MAPPING_FILE
    if not path.is_file():
        return []
    where = f"{folder.name}/{MAPPING_FILE}"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise MappingError(f"{where}: not valid YAML ({exc}). Fix the file.") from exc
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise MappingError(f'{where}: must be a YAML list of entries (`- files: "..."`).')
    return [_parse_entry(e, i, source, where) for i, e in enumerate(raw)]


def entry_for(folder: Path, source: Source, name: str) -> Entry | None:
    """The first entry whose `files` glob matches the file name (case-insensitively)."""
    for entry in read_mapping(folder, source):
        if fnmatch.fnmatchcase(name.lower(), entry.files.lower()):
            return entry
    return None


def content_hash(file_hash: str, entry: Entry | None) -> str:
    """A mapped file's identity is its bytes and its entry: a changed entry loads it again."""
    if entry is None:
        return file_hash
    return hashlib.sha256(f"{file_hash}:{entry.fingerprint}".encode()).hexdigest()


# -- header detection ---------------------------------------------------------------------------


def _first_rows(con: duckdb.DuckDBPyConnection, width: int, n: int = 2) -> list[tuple]:
    cols = ", ".join(f"c{i}" for i in range(width)) or "1"
    return con.execute(f"select _line, {cols} from _in order by _line limit {n}").fetchall()


def detect_layout(con: duckdb.DuckDBPyConnection, header: list[str]) -> Layout:
    """Recognise the tool from the header rows (row 1 in `header`, rows 2-3 still in `_in`)."""
    # A blank xlsx header cell comes from the reader as fastexcel's placeholder name.
    header = [re.sub(r"^__UNNAMED__\d+$", "", (h or "").strip()) for h in header]
    rows = _first_rows(con, len(header))
    row2 = [(v or "").strip() for v in rows[0][1:]] if rows else []
    row3 = [(v or "").strip() for v in rows[1][1:]] if len(rows) > 1 else []
    import_ids = [IMPORT_ID.match(v) for v in row3]
    if row3 and any(import_ids):
        columns = [
            HeaderColumn(i, h, row2[i], m.group(1) if m else None)
            for i, (h, m) in enumerate(zip(header, import_ids, strict=True))
        ]
        return Layout("qualtrics", columns, (rows[0][0], rows[1][0]))
    if header and header[0].upper() == "V1" and row2 and row2[0].lower() == "responseid":
        columns = [
            # V-columns are known by their row-2 names (ResponseID, Status...).
            HeaderColumn(i, row2[i] if re.fullmatch(r"V\d+", h) else h, row2[i])
            for i, h in enumerate(header)
        ]
        return Layout("qualtrics-legacy", columns, (rows[0][0],))
    # SurveyMonkey: row 2 is empty under the respondent id and `Response` under a question.
    if row2 and not row2[0] and any(v.lower() in PLAIN_ANSWER for v in row2):
        columns, question = [], ""
        for i, h in enumerate(header):
            question = h or question
            sub = row2[i]
            name = question if not sub or sub.lower() in PLAIN_ANSWER else f"{question} - {sub}"
            columns.append(HeaderColumn(i, name, name))
        return Layout("surveymonkey", columns, (rows[0][0],))
    lowered = {h.lower() for h in header}
    if header and header[0].lower() in GOOGLE_FORMS_FIRST and "response id" not in lowered:
        tool = "google-forms"
    elif header and header[0].lower() in WEBROPOL_FIRST and WEBROPOL_TIME & lowered:
        tool = "webropol"
    elif "#" in lowered and ({"submit date (utc)", "network id"} & lowered):
        tool = "typeform"
    elif "response id" in lowered and (FORMBRICKS_MARKS & lowered):
        tool = "formbricks"
    else:
        tool = "one-row"
    return Layout(tool, [HeaderColumn(i, h, h) for i, h in enumerate(header)])


# -- applying an entry --------------------------------------------------------------------------


def _timestamp(v: str, formats: tuple[str, ...], timezone: str) -> str:
    """ISO 8601 in UTC for the loader; text that parses in no known format is passed on."""
    fmts = "[" + ", ".join(literal(f) for f in formats) + "]"
    has_offset = (
        f"regexp_matches({v}, '[0-9]:[0-9]{{2}}(:[0-9]{{2}}([.,][0-9]+)?)?"
        f" ?(Z|[+-][0-9]{{2}}(:?[0-9]{{2}})?)$')"
    )
    naive = f"coalesce(try_strptime({v}, {fmts}), try_cast({v} as timestamp))"
    sane = f"case when year({naive}) between 1900 and 2999 then {naive} end"
    iso = "'%Y-%m-%dT%H:%M:%S.%fZ'"
    return (
        f"case when {v} is null then null "
        f"when {has_offset} then coalesce(strftime(timezone('UTC', "
        f"try_cast({v} as timestamptz)), {iso}), {v}) "
        f"else coalesce(strftime(timezone('UTC', timezone({literal(timezone)}, {sane})), {iso}), "
        f"{v}) end"
    )


def _time_formats(
    con: duckdb.DuckDBPyConnection,
    entry: Entry,
    layout: Layout,
    times: dict[str, HeaderColumn],
    keep: str,
    where: str,
) -> tuple[str, ...]:
    """The strftime formats to try, in order: the entry's `date_format`, then the tool's own.

    `a/b/yyyy` is month first for the tools that always write it so (SurveyMonkey, Qualtrics);
    for the others (Google Forms in the locale it was exported in, Webropol, Typeform...) the
    file's values decide: a first number above 12 is a day, a second above 12 a month. When no
    value tells, the day/month order is ambiguous and the file is rejected: `date_format` says.
    """
    tool = TIME_FORMATS.get(layout.tool, ()) + GENERIC_TIME_FORMATS
    if entry.date_format:
        # The entry says the format: no other day/month order is guessed behind it.
        return (entry.date_format, *(f for f in tool if "/" not in f))
    if layout.tool in MONTH_FIRST_TOOLS:
        return (*tool, *MONTH_FIRST)
    slash: list[str] = []
    for contract, column in times.items():
        first, second, example = con.execute(
            f"select max(cast(regexp_extract(c, {literal(SLASH_DATE)}, 1) as int)), "
            f"max(cast(regexp_extract(c, {literal(SLASH_DATE)}, 2) as int)), "
            f"min(c) from (select trim(_in.c{column.pos}) as c from _in where {keep}) "
            f"where regexp_matches(c, {literal(SLASH_DATE)})"
        ).fetchall()[0]
        if first is None:
            continue
        day_first, month_first = first > 12, second > 12
        fix = (
            f'Add `date_format: "%d/%m/%Y %H:%M:%S"` (day first) or `date_format: '
            f'"%m/%d/%Y %H:%M:%S"` (month first) to the entry {entry.files!r} of {MAPPING_FILE}.'
        )
        if day_first == month_first:
            problem = (
                "mixes day-first and month-first dates"
                if day_first
                else f"has dates like {example!r} whose day/month order no value tells"
            )
            raise RejectedFile(f"{where}: column {column.name!r} ({contract}) {problem}. {fix}")
        order = DAY_FIRST if day_first else MONTH_FIRST
        if slash and slash != list(order):
            raise RejectedFile(f"{where}: the time columns do not share one day/month order. {fix}")
        slash = list(order)
    return (*tool, *slash)


def _derived_id(cells: list[str]) -> str:
    joined = ", ".join(f"coalesce({c}, '')" for c in cells)
    return f"'row-' || left(sha256(concat_ws(chr(31), {joined})), 24)"


def apply_mapping(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    entry: Entry,
    layout: Layout,
    read: ReadResult,
    rel: str,
) -> Mapped:
    """Rebuild `_in` in the contract layout from the entry; reject what it cannot find."""
    where = f"{rel} (entry {entry.files!r} of {MAPPING_FILE})"
    found: dict[str, HeaderColumn] = {}
    for contract, ref in entry.columns.items():
        column = layout.find(ref)
        if column is None:
            shown = ", ".join(repr(c.name) for c in layout.columns if c.id or c.text)
            raise RejectedFile(
                f"{where}: no column {ref!r} for {contract}; detected {layout.description} "
                f"with columns {shown}. Use a column's id or its exact question text."
            )
        found[contract] = column
    qualtrics = layout.tool.startswith("qualtrics")

    def cell(column: HeaderColumn) -> str:
        v = f"nullif(trim(_in.c{column.pos}), '')"
        if qualtrics:
            v = f"nullif({v}, {literal(QUALTRICS_SEEN_NOT_ANSWERED)})"
        return v

    kinds = {c.name: c.kind for c in source.columns}
    header_lines = ", ".join(str(n) for n in layout.header_lines) or "null"
    keep = f"_line not in ({header_lines})" if layout.header_lines else "true"
    times = {c: found[c] for c in found if kinds.get(c) == "timestamp"}
    formats = _time_formats(con, entry, layout, times, keep, where)
    drivers = [c for c in entry.columns if c not in kinds]
    names = list(source.column_names) + drivers
    exprs, reasons, reason_kinds = [], [], []
    derived = (
        source is SURVEY_RESPONSES
        and "response_id" not in entry.columns
        and "response_id" not in entry.values
    )
    for name in names:
        if name in found:
            v = cell(found[name])
            if name in entry.labels:
                cases = " ".join(
                    f"when {literal(t)} then {literal(n)}" for t, n in entry.labels[name].items()
                )
                mapped = f"case lower({v}) {cases} end"
                accepted = ", ".join(f'"{t}"' for t in entry.labels[name])
                unknown = f"{v} is not null and {mapped} is null"
                reasons.append(
                    f"case when {unknown} then "
                    f"'label \"' || {v} || '\" of ' || {literal(name)} || ' (column ' || "
                    f"{literal(repr(found[name].name))} || ') not in the labels of "
                    f"{MAPPING_FILE} (accepted: ' || {literal(accepted)} || ')' end"
                )
                reason_kinds.append(
                    f"case when {unknown} then "
                    f"{literal(f'{name} label not in the labels of {MAPPING_FILE}')} end"
                )
                v = mapped
            elif kinds.get(name) == "timestamp":
                v = _timestamp(v, formats, entry.timezone)
            exprs.append(v)
        elif name in entry.values:
            exprs.append(literal(entry.values[name]))
        elif name == "response_id" and derived:
            cells = [cell(found[c]) for c in sorted(found)]
            exprs.append(_derived_id(cells))
        else:
            exprs.append("cast(null as varchar)")
    select = ", ".join(f"{e} as c{i}" for i, e in enumerate(exprs))
    reason = f"nullif(concat_ws('; ', {', '.join(reasons)}), '')" if reasons else "null"
    kind_list = f"[{', '.join(reason_kinds)}]::varchar[]"
    notes: list[str] = []
    excluded = 0
    status = layout.find("Status") if qualtrics else None
    if status is not None:
        s = f"trim(_in.c{status.pos})"
        not_answer = (
            f"(lower({s}) in ({', '.join(map(literal, QUALTRICS_NOT_ANSWERS))}) "
            f"or {s} in ({', '.join(map(literal, QUALTRICS_NOT_ANSWER_CODES))}))"
        )
        excluded = con.execute(
            f"select count(*) from _in where {keep} and {not_answer}"
        ).fetchall()[0][0]
        keep = f"{keep} and not coalesce({not_answer}, false)"
        if excluded:
            notes.append(f"{excluded} Qualtrics preview or spam row(s) excluded")
    con.execute("drop table if exists _mapped")
    con.execute(
        f"create temp table _mapped as select {select}, _line, {reason} as _map_reason, "
        f"{kind_list} as _map_kinds from _in where {keep}"
    )
    con.execute("drop table _in")
    con.execute("alter table _mapped rename to _in")
    if derived:
        seen = f"c{names.index('response_id')} in (select response_id from raw.{source.name})"
        # Tools without ids export cumulatively: an answer whose content was loaded is known.
        again = con.execute(f"select count(*) from _in where {seen}").fetchall()[0][0]
        if again:
            con.execute(f"delete from _in where {seen}")
            excluded += again
            notes.append(f"{again} answer(s) loaded from an earlier export excluded")
        rid = f"c{names.index('response_id')}"
        repeated = (
            f"_line in (select _line from (select _line, row_number() over "
            f"(partition by {rid} order by _line) as n from _in) where n > 1)"
        )
        twice = con.execute(f"select count(*) from _in where {repeated}").fetchall()[0][0]
        if twice:
            con.execute(f"delete from _in where {repeated}")
            excluded += twice
            notes.append(f"{twice} answer(s) repeated within the file excluded")
    used = {c.pos for c in found.values()}
    if status is not None:
        used.add(status.pos)
    left_out = [c.name for c in layout.columns if c.pos not in used and (c.id or c.text)]
    malformed = [
        (line, "(not kept: a line of a mapped export that could not be parsed)", why)
        for line, _, why in read.malformed
    ]
    mapped_read = replace(
        read,
        header=names,
        malformed=malformed,
        row_reason="_in._map_reason",
        row_kinds="_in._map_kinds",
        time_formats=formats,
    )
    return Mapped(mapped_read, entry.files, layout.tool, excluded, left_out, notes)


# -- suggestion ---------------------------------------------------------------------------------

# Words in question texts and ids (en, fi, sv), in order of preference.
GUESSES: dict[str, tuple[str, ...]] = {
    "response_id": (
        r"^responseid$",
        r"^response ?id$",
        r"^respondent ?id$",
        r"^#$",
        r"^vastaus ?(id|tunnus)$",
        r"^svars?-?id$",
        r"^vastaaja(n numero)?$",
        r"^respondent( number)?$",
        r"^svarande$",
    ),
    "customer_id": (
        r"^externalreference$",
        r"^externaldatareference$",
        r"customer ?(id|number)",
        r"asiakas(numero|tunnus| ?id)",
        r"kund(nummer| ?id)",
        r"^user ?id$",
    ),
    "responded_at": (
        r"^recordeddate$",
        r"^enddate$",
        r"^end date$",
        r"^submit(ted)? (date|at)",
        r"^timestamp$",
        r"^aikaleima$",
        r"^tidsstämpel$",
        r"vastaus ?(aika|pvm|päivä)",
        r"^answer time$",
        r"^svarstid$",
        r"^date submitted$",
        r"^startdate$",
        r"^start date$",
    ),
    "nps_score": (r"how likely", r"recommend", r"suosittel", r"rekommendera", r"\bnps\b"),
    "csat_score": (r"satisf", r"tyytyv", r"nöjd"),
    "ces_score": (r"\beasy\b", r"effort", r"helppo", r"vaivat", r"\benkel", r"\blätt"),
    "comment": (
        r"comment",
        r"kommentti",
        r"kommentar",
        r"\bwhy\b",
        r"miksi",
        r"varför",
        r"feedback",
        r"palaute",
        r"anything else",
        r"jotain muuta",
        r"något annat",
    ),
}
SCALES = (
    ("very dissatisfied", "dissatisfied", "neutral", "satisfied", "very satisfied"),
    (
        "erittäin tyytymätön",
        "tyytymätön",
        "ei tyytyväinen eikä tyytymätön",
        "tyytyväinen",
        "erittäin tyytyväinen",
    ),
    ("mycket missnöjd", "missnöjd", "varken nöjd eller missnöjd", "nöjd", "mycket nöjd"),
)


def _pick(layout: Layout, patterns: tuple[str, ...], taken: set[int]) -> HeaderColumn | None:
    for pattern in patterns:
        for column in layout.columns:
            if column.pos in taken:
                continue
            if any(re.search(pattern, t.strip().lower()) for t in (column.id, column.text) if t):
                return column
    return None


def _glob(name: str) -> str:
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    generic = re.sub(r"\d[\d_\-. :]*\d|\d", "*", stem)
    return re.sub(r"\*+", "*", generic) + (f".{suffix}" if suffix else "")


def _ref(layout: Layout, column: HeaderColumn) -> str:
    """How an entry names the column: its id where the tool has ids, else the question text."""
    return column.id if layout.tool.startswith("qualtrics") else column.text


def _yaml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _labels(con: duckdb.DuckDBPyConnection, layout: Layout, column: HeaderColumn) -> str | None:
    keep = "true"
    if layout.header_lines:
        keep = f"_line not in ({', '.join(map(str, layout.header_lines))})"
    values = [
        r[0]
        for r in con.execute(
            f"select distinct trim(c{column.pos}) from _in where {keep} "
            f"and nullif(trim(c{column.pos}), '') is not null "
            f"and not regexp_full_match(trim(c{column.pos}), '-?[0-9]+') limit 12"
        ).fetchall()
    ]
    if not values:
        return None
    for scale in SCALES:
        if all(v.lower() in scale for v in values):
            pairs = ", ".join(f"{_yaml_str(t.capitalize())}: {i + 1}" for i, t in enumerate(scale))
            return "{" + pairs + "}"
    pairs = ", ".join(f"{_yaml_str(v)}: 0" for v in values)
    return "{" + pairs + "}   # EDIT: the number of each answer"


def suggest_entry(
    con: duckdb.DuckDBPyConnection, source: Source, layout: Layout, file_name: str
) -> str:
    """A `_mapping.yml` entry guessing the contract's columns from ids and question texts."""
    taken: set[int] = set()
    chosen: dict[str, HeaderColumn] = {}
    if source is SURVEY_RESPONSES:
        for name, patterns in GUESSES.items():
            column = _pick(layout, patterns, taken)
            if column is not None:
                chosen[name] = column
                taken.add(column.pos)
    else:
        aliases = column_aliases().get(source.name, {})
        for column in layout.columns:
            for ref in (column.id, column.text):
                key = normalise_header(ref)
                target = aliases.get(key, key)
                if target in source.column_names and target not in chosen:
                    chosen[target] = column
                    taken.add(column.pos)
                    break
    lines = [f"- files: {_yaml_str(_glob(file_name))}", "  columns:"]
    order = [c for c in source.column_names if c in chosen]
    for name in order:
        lines.append(f"    {name}: {_yaml_str(_ref(layout, chosen[name]))}")
    if source is SURVEY_RESPONSES:
        if "response_id" not in chosen:
            lines.append("    # response_id: none in this export; derived from each row's content")
        if "responded_at" not in chosen:
            lines.append('    responded_at: "EDIT: the column with the answer time"')
        if not any(c in chosen for c in source.at_least_one_of):
            lines.append('    nps_score: "EDIT: the column with a score (or csat_score...)"')
    else:
        for column in source.columns:
            if column.not_empty and column.name not in chosen:
                lines.append(f'    {column.name}: "EDIT: the export\'s column"')
    lines.append("  values:")
    if source is SURVEY_RESPONSES:
        stem = _glob(file_name).rsplit(".", 1)[0].lower()
        survey = re.sub(r"[^a-z0-9]+", "_", stem).strip("_") or "survey"
        lines.append(f"    survey: {_yaml_str(survey)}")
        lines.append("    # touchpoint: store")
        lines.append("    # channel: email")
    else:
        lines.append("    # <column>: <the same value for every row>")
    label_lines = []
    for name in ("nps_score", "csat_score", "ces_score"):
        if name in chosen:
            labels = _labels(con, layout, chosen[name])
            if labels:
                label_lines.append(f"    {name}: {labels}")
    if label_lines:
        lines += ["  labels:", *label_lines]
    time = chosen.get("responded_at")
    if layout.tool == "typeform" or (time is not None and "utc" in time.text.lower()):
        lines.append("  timezone: UTC")
    else:
        lines.append(f"  timezone: {get_settings().timezone}")
    lines.append('  # date_format: "%d.%m.%Y %H.%M.%S"   # only if the times do not load')
    return "\n".join(lines) + "\n"


def question_columns(layout: Layout) -> list[str]:
    return [c.name for c in layout.columns if c.id or c.text]


def unmapped_message(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    layout: Layout,
    rel: str,
    file_name: str,
    why: str | None = None,
) -> str:
    """The rejection of a file that is neither the contract nor matched by an entry."""
    shown = ", ".join(repr(c) for c in question_columns(layout))
    head = why or f"{rel}: not in the contract layout."
    return (
        f"{head} No entry of {source.name}/{MAPPING_FILE} matches it either. Detected format: "
        f"{layout.description}; columns: {shown}. To load it, save this entry (edit the "
        f"guesses) in {source.name}/{MAPPING_FILE}:\n"
        + suggest_entry(con, source, layout, file_name)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Print a ready-to-edit _mapping.yml entry for an export file."
    )
    parser.add_argument("file", type=Path)
    parser.add_argument(
        "--source",
        help="the inbox source (default: the file's folder name, else survey_responses)",
    )
    args = parser.parse_args(argv)
    path: Path = args.file
    if not path.is_file():
        sys.stderr.write(f"{path}: no such file\n")
        return 2
    name = args.source or path.parent.name
    source = SOURCES_BY_NAME.get(name, SURVEY_RESPONSES)
    con = duckdb.connect()
    try:
        read = read_file(con, path, scan_bytes(path), path.name)
        layout = detect_layout(con, read.header)
        sys.stdout.write(
            f"# {path.name}: {layout.description}\n"
            f"# columns: {', '.join(repr(c) for c in question_columns(layout))}\n"
            f"# for {source.name}/{MAPPING_FILE}:\n" + suggest_entry(con, source, layout, path.name)
        )
    except RejectedFile as exc:
        sys.stderr.write(f"{exc}\n")
        return 1
    finally:
        con.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
