"""The set-based column tests (macros/tests/column_rules.sql): one query per model in place of
one dbt node (and one Dagster asset check) per column and rule, failing with a row per broken
rule; and the project's tests still check every column and rule they checked one by one."""

import json
import re
from collections import Counter

import duckdb
import jinja2

from orchestration.settings import PROJECT_DIR

MACROS = PROJECT_DIR / "macros" / "tests"


class _Adapter:
    @staticmethod
    def quote(name: str) -> str:
        return f'"{name}"'


def _column_rules_sql(**arguments) -> str:
    """The SQL dbt compiles from column_rules, rendered with plain Jinja (and dbt's `do`)."""
    source = (MACROS / "column_rules.sql").read_text(encoding="utf-8")
    helper = re.search(r"(\{% macro _column_rules_literal.*?\{%- endmacro %\})", source, re.S)[1]
    body = re.search(r"\{% test column_rules\(.*?\) %\}(.*)\{% endtest %\}", source, re.S)[1]
    environment = jinja2.Environment(extensions=["jinja2.ext.do"])
    defaults = {"not_null": [], "unique": [], "unique_combinations": [], "ranges": {}}
    return environment.from_string(helper + body).render(
        model="t", adapter=_Adapter, **{**defaults, "accepted_values": {}, **arguments}
    )


def _table() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(
        'create table t (a integer, "column" varchar, b double, d integer, k varchar, ok boolean)'
    )
    con.execute(
        "insert into t values"
        " (1, null, 5, 1, 'x', true), (null, 'x', 20, 2, 'x', true),"
        " (3, 'y', null, 3, null, false), (3, 'z', 1, 3, null, null)"
    )
    return con


def _failures(con: duckdb.DuckDBPyConnection, **arguments) -> list[tuple]:
    return sorted(con.execute(_column_rules_sql(**arguments)).fetchall())


def test_not_null_fails_with_a_row_per_column_with_nulls() -> None:
    con = _table()
    assert _failures(con, not_null=["a", "column", "b", "d"]) == [
        ("not_null", "a", "", 1),
        ("not_null", "b", "", 1),
        ("not_null", "column", "", 1),
    ]
    assert _failures(con, not_null=["d"]) == []
    con.execute("delete from t")
    assert _failures(con, not_null=["a"]) == []  # an empty table has no nulls


def test_ranges_are_inclusive_open_where_null_and_let_nulls_pass() -> None:
    con = _table()
    assert _failures(con, ranges={"b": [0, 10], "a": [None, 2], "d": [1, 3]}) == [
        ("accepted_range", "a", "..2", 2),
        ("accepted_range", "b", "0..10", 1),
    ]


def test_accepted_values_quote_strings_not_booleans_or_numbers_and_let_nulls_pass() -> None:
    con = _table()
    assert _failures(con, accepted_values={"column": ["x", "y"], "ok": [True], "d": [1, 2]}) == [
        ("accepted_values", "column", "x, y", 1),
        ("accepted_values", "d", "1, 2", 2),
        ("accepted_values", "ok", "True", 1),
    ]
    assert _failures(con, accepted_values={"k": ["x"], "ok": [True, False]}) == []


def test_unique_ignores_nulls_as_dbt_does_and_a_combination_counts_them() -> None:
    con = _table()
    # a: 3 twice; k: 'x' twice (its two nulls are not keys); d: 3 twice.
    assert _failures(con, unique=["a", "k", "column"]) == [
        ("unique", "a", "", 1),
        ("unique", "k", "", 1),
    ]
    # (a, k): (3, null) twice — a null is a value like any other in a combination.
    assert _failures(con, unique_combinations=[["a", "k"], ["a", "d", "column"]]) == [
        ("unique_combination", "a, k", "", 1),
    ]


def test_all_rules_in_one_query_and_none_fails_on_good_rows() -> None:
    con = _table()
    con.execute("delete from t where a is null or b is null")
    sql = _column_rules_sql(
        not_null=["a", "b"],
        unique=["column"],
        unique_combinations=[["a", "column"]],
        ranges={"b": [0, 10]},
        accepted_values={"column": ["y"]},
    )
    assert sql.count(" from t") == 3  # the counts, one per uniqueness rule
    assert sorted(con.execute(sql).fetchall()) == [("accepted_values", "column", "y", 1)]


# What each kind of test checks, one by one (before) or inside column_rules (now).
_RULES = {
    "not_null": "not_null",
    "unique": "unique",
    "unique_combination_of_columns": "unique_combinations",
    "accepted_range": "ranges",
    "accepted_values": "accepted_values",
}


def _checks(manifest: dict) -> Counter:
    """Every (rule, model, column or key) the project's data tests check, by rule."""
    checks: list[tuple] = []
    for node in manifest["nodes"].values():
        meta = node.get("test_metadata") or {}
        if node["resource_type"] != "test" or not node.get("attached_node"):
            continue
        model, kwargs, name = node["attached_node"], meta.get("kwargs") or {}, meta.get("name")
        if name == "column_rules":
            for rule in _RULES.values():
                checks += [(rule, model, str(column)) for column in kwargs.get(rule, [])]
        elif name == "unique_combination_of_columns":
            checks.append(("unique_combinations", model, str(kwargs["combination_of_columns"])))
        elif name in _RULES:
            checks.append((_RULES[name], model, kwargs["column_name"]))
    return Counter(rule for rule, _, _ in checks)


def test_every_column_and_rule_checked_one_by_one_before_is_checked_now() -> None:
    """Session 7 had 556 data tests; session 8 merged not-null and range tests (272 tests);
    column_rules (session 9) merges the rest of the plain column tests: 110 tests. Session 12
    dropped the relationships tests of stg_survey__driver_scores and _importance_scores, which
    could not fail (the views' inner join is that relation): 108 tests."""
    manifest = json.loads((PROJECT_DIR / "target" / "manifest.json").read_text())
    assert _checks(manifest) == {
        "not_null": 268,
        "accepted_values": 48,
        "unique": 41,
        "unique_combinations": 38,
        "ranges": 125,
    }
    tests = [n for n in manifest["nodes"].values() if n["resource_type"] == "test"]
    assert len(tests) == 108
    relationships = sorted(
        n["attached_node"].split(".")[-1]
        for n in tests
        if (n.get("test_metadata") or {}).get("name") == "relationships"
    )
    assert "stg_survey__driver_scores" not in relationships
    assert "stg_survey__importance_scores" not in relationships


def test_a_column_test_of_its_own_is_one_with_a_config() -> None:
    """A not_null, unique, accepted_values or accepted_range outside column_rules has a `where`
    or a severity of its own; a model has at most one column_rules test."""
    manifest = json.loads((PROJECT_DIR / "target" / "manifest.json").read_text())
    own, rules_per_model = [], Counter()
    for node in manifest["nodes"].values():
        meta = node.get("test_metadata") or {}
        if meta.get("name") == "column_rules":
            rules_per_model[node["attached_node"]] += 1
        elif meta.get("name") in _RULES and not (
            node["config"].get("where") or node["config"].get("severity") == "warn"
        ):
            own.append(node["unique_id"])
    assert own == []
    assert max(rules_per_model.values()) == 1
