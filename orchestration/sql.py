"""SQL text for values and names that come from data (file paths, driver names, descriptions),
and the one catalog question several modules ask."""

import duckdb


def quote(name: str) -> str:
    """A quoted identifier: `"name"`, inner double quotes doubled."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A string literal: `'text'`, inner single quotes doubled."""
    return "'" + text.replace("'", "''") + "'"


def has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    """Whether the warehouse has `schema.table` (a fresh one has no ops tables yet).

    The result is fetched to the end: a result left open on `con` makes DuckDB refuse the next
    `con.sql(...)` ("connection has an unfinished result").
    """
    return bool(
        con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchall()[0][0]
    )
