"""models/staging/__sources.yml, written from the declared sources (sources.py).

The dbt sources follow the contract instead of restating it: each raw table's columns and
types, its grain sentence and the raw asset that writes it come from `SOURCES`. `make prepare`
rewrites the file when sources.py changes; the file stays committed so that plain `dbt`
commands (and the Spark target) work on a clone, and a test fails while it is stale.

    python -m orchestration.defs.ingest.dbt_sources          # rewrite the file
    python -m orchestration.defs.ingest.dbt_sources --check  # exit 1 if it is stale
"""

from __future__ import annotations

import sys
import textwrap

from orchestration.defs.ingest.loader import DECIMAL_DIGITS, DECIMAL_PLACES
from orchestration.defs.ingest.sources import SOURCES, Kind, Source
from orchestration.settings import PROJECT_DIR

SOURCES_YAML = PROJECT_DIR / "models" / "staging" / "__sources.yml"

# The dbt (Spark) data type of each kind of column; the raw tables' DuckDB types are
# loader.SQL_TYPES, and tests/python/test_lake.py holds the two to the same columns.
DBT_TYPES: dict[Kind, str] = {
    "text": "string",
    "int": "int",
    "timestamp": "timestamp",
    "decimal": f'"decimal({DECIMAL_DIGITS},{DECIMAL_PLACES})"',
}
META = [("_load_id", "int"), ("_file", "string"), ("_line", "bigint")]

HEADER = """\
# Written by `python -m orchestration.defs.ingest.dbt_sources` from
# orchestration/defs/ingest/sources.py (`make prepare` does it): edit the sources there.
version: 2

sources:
  - name: raw
    description: >
      Inbox files as loaded by the Dagster raw assets (orchestration/defs/ingest): typed,
      validated, append-only; every row carries the load id, file and line it came from.
      Rejected rows are in ops.quarantine, never here. Each table's meta names the raw asset
      that writes it (orchestration/defs/ingest/assets.py), so the Dagster graph stays connected.
    schema: raw
    tables:
"""


def _description(text: str) -> str:
    if len(f"        description: {text}") <= 100:
        return f"        description: {text}\n"
    body = textwrap.fill(text, width=90, initial_indent=" " * 10, subsequent_indent=" " * 10)
    return f"        description: >\n{body}\n"


def _table(name: str, description: str, asset: str, columns: list[tuple[str, str]]) -> str:
    lines = [
        f"      - name: {name}\n",
        _description(description),
        "        meta:\n",
        "          dagster:\n",
        f"            asset_key: [raw, {asset}]\n",
        "        external:\n",
        f"          location: {name}\n",
        "          partitions: [{name: load_id, data_type: int}]\n",
        "        columns:\n",
        *(f"          - {{name: {c}, data_type: {t}}}\n" for c, t in [*columns, *META]),
    ]
    return "".join(lines)


def _tables(source: Source) -> list[str]:
    columns = [(c.name, DBT_TYPES[c.kind]) for c in source.columns]
    if source.snapshot:
        columns.append(("extracted_at", "date"))
    tables = [_table(source.name, source.description, source.name, columns)]
    for wide in source.wides:
        tables.append(
            _table(
                wide.table,
                f"The {wide.prefix}<name> columns of {source.name}, one row per "
                f"{source.key[0].removesuffix('_id')} × {wide.dimension}"
                + (f" ({wide.description})." if wide.description else "."),
                source.name,
                [(source.key[0], "string"), ("name", "string"), ("score", "int")],
            )
        )
    return tables


def render() -> str:
    """The whole file, from SOURCES."""
    return HEADER + "".join(t for source in SOURCES for t in _tables(source))


def main(argv: list[str]) -> int:
    text = render()
    current = SOURCES_YAML.read_text(encoding="utf-8") if SOURCES_YAML.exists() else ""
    if "--check" in argv:
        if current != text:
            sys.stderr.write(
                f"{SOURCES_YAML.relative_to(PROJECT_DIR)} is stale: run "
                "`python -m orchestration.defs.ingest.dbt_sources` (or `make prepare`)\n"
            )
            return 1
        return 0
    if current != text:
        SOURCES_YAML.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
