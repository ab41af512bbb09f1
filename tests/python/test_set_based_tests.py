"""The set-based data tests (macros/tests/columns_not_null.sql, columns_in_range.sql): one query
per model in place of one dbt node per column, failing with a row per failing column; and the
project's tests still check every column they checked one by one."""

import json
import re

import duckdb
import jinja2

from orchestration.settings import PROJECT_DIR

MACROS = PROJECT_DIR / "macros" / "tests"


class _Adapter:
    @staticmethod
    def quote(name: str) -> str:
        return f'"{name}"'


def _test_sql(name: str, **arguments) -> str:
    """The SQL dbt compiles from the generic test `name`, rendered with plain Jinja."""
    source = (MACROS / f"{name}.sql").read_text(encoding="utf-8")
    body = re.search(r"\{% test \w+\(.*?\) %\}(.*)\{% endtest %\}", source, re.S).group(1)
    return jinja2.Template(body).render(model="t", adapter=_Adapter, **arguments)


def _table() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute('create table t (a integer, "column" varchar, b double, d integer)')
    con.execute("insert into t values (1, null, 5, 1), (null, 'x', 20, 2), (3, 'y', null, 3)")
    return con


def test_columns_not_null_fails_with_a_row_per_column_with_nulls() -> None:
    con = _table()
    sql = _test_sql("columns_not_null", columns=["a", "column", "b", "d"])
    assert sorted(con.execute(sql).fetchall()) == [("a", 1), ("b", 1), ("column", 1)]
    assert con.execute(_test_sql("columns_not_null", columns=["d"])).fetchall() == []
    con.execute("delete from t")
    assert con.execute(sql).fetchall() == []  # an empty table has no nulls


def test_columns_in_range_fails_with_a_row_per_column_outside_its_range() -> None:
    con = _table()
    sql = _test_sql("columns_in_range", ranges={"b": [0, 10], "a": [None, 2], "d": [1, 3]})
    assert sorted(con.execute(sql).fetchall()) == [("a", "..2", 1), ("b", "0..10", 1)]


def _checked(manifest: dict, single: str, merged: str, merged_argument: str) -> set[tuple]:
    """(model, column) pairs a kind of test checks, one by one or in a set-based test."""
    pairs = set()
    for node in manifest["nodes"].values():
        meta = node.get("test_metadata") or {}
        if node["resource_type"] != "test" or not node.get("attached_node"):
            continue
        model = node["attached_node"]
        if meta.get("name") == single:
            pairs.add((model, meta["kwargs"]["column_name"]))
        elif meta.get("name") == merged:
            pairs |= {(model, column) for column in meta["kwargs"][merged_argument]}
    return pairs


def test_every_column_checked_one_by_one_before_is_checked_now() -> None:
    """Before the set-based tests (session 8), 268 not_null and 125 accepted_range tests."""
    manifest = json.loads((PROJECT_DIR / "target" / "manifest.json").read_text())
    assert len(_checked(manifest, "not_null", "columns_not_null", "columns")) == 268
    assert len(_checked(manifest, "accepted_range", "columns_in_range", "ranges")) == 125
    tests = [n for n in manifest["nodes"].values() if n["resource_type"] == "test"]
    assert len(tests) == 272  # was 556


def test_no_model_keeps_two_plain_not_null_tests() -> None:
    """A not_null or accepted_range of its own is one with a config (a `where`, a severity)."""
    manifest = json.loads((PROJECT_DIR / "target" / "manifest.json").read_text())
    plain: dict[tuple[str, str], int] = {}
    for node in manifest["nodes"].values():
        meta = node.get("test_metadata") or {}
        if meta.get("name") in ("not_null", "accepted_range") and not (
            node["config"].get("where") or node["config"].get("severity") == "warn"
        ):
            key = (node["attached_node"], meta["name"])
            plain[key] = plain.get(key, 0) + 1
    assert [key for key, count in plain.items() if count > 1] == []
