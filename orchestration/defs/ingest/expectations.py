"""Great Expectations suites on the raw tables: what each raw table must satisfy.

Blocking expectations restate what the loader guarantees (keys present, scores in range,
known statuses and scales): a failure means rows reached raw without the loader's checks,
and the marts and reports must not be rebuilt on them. Warning expectations describe what
is unusual but loadable (an unknown touchpoint, a key sent twice in one file).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from typing import Any

import duckdb

from orchestration.defs.ingest.sources import SOURCES, Source, Wide
from orchestration.lib import dimensions


@dataclass(frozen=True)
class Expect:
    kind: str  # a class in great_expectations.expectations
    kwargs: dict[str, Any]
    blocking: bool
    # For an expectation on a dimension column: the dimension, so a failure can name the seed.
    dimension: str | None = None

    @property
    def label(self) -> str:
        target = self.kwargs.get("column") or "+".join(self.kwargs.get("column_list", []))
        return f"{self.kind}({target})"

    def hint(self, examples: list[Any]) -> str:
        """What to do about a failure, when there is something to say."""
        if not self.dimension:
            return ""
        shown = ", ".join(f"'{x}'" for x in examples) or "values"
        return (
            f"{self.kwargs['column']} has {shown} that {dimensions.SEED_NAME} does not declare: "
            f"add them there as dimension '{self.dimension}' with their display names "
            "(docs/contract.md, 'Your own dimensions')"
        )


def not_null(column: str) -> Expect:
    return Expect("ExpectColumnValuesToNotBeNull", {"column": column}, True)


def between(column: str, lo: float, hi: float, blocking: bool = True) -> Expect:
    return Expect(
        "ExpectColumnValuesToBeBetween",
        {"column": column, "min_value": lo, "max_value": hi},
        blocking,
    )


def in_set(
    column: str, values: list[str], blocking: bool = False, dimension: str | None = None
) -> Expect:
    return Expect(
        "ExpectColumnValuesToBeInSet", {"column": column, "value_set": values}, blocking, dimension
    )


def unique_per_load(*columns: str) -> Expect:
    return Expect("ExpectCompoundColumnsToBeUnique", {"column_list": [*columns, "_load_id"]}, False)


def suite_of(source: Source) -> list[Expect]:
    """The raw table's suite, read off its declaration (sources.py) and the dimensions seed.

    Blocking: required values (keys among them) present, ranges, scales and allowed values —
    what the loader guarantees. Warnings: a value the dimensions seed does not declare, an unusual
    amount, a key sent twice within one load.
    """
    suite = [not_null(c.name) for c in source.columns if c.not_empty]
    if source.snapshot:
        suite.append(not_null("extracted_at"))
    for c in source.columns:
        if c.range:
            suite.append(between(c.name, *c.range))
        if c.scales:
            suite.append(in_set(c.scales[0], list(c.scales[1]), blocking=True))
        if c.allowed:
            suite.append(in_set(c.name, list(c.allowed), blocking=True))
        if c.usual:
            suite.append(between(c.name, *c.usual, blocking=False))
        if c.dimension:
            values = dimensions.values(c.dimension)
            suite.append(in_set(c.name, values, dimension=c.dimension))
    suite.append(unique_per_load(*(k for k in source.key if k != "extracted_at")))
    return suite


def wide_suite_of(source: Source, wide: Wide) -> list[Expect]:
    """The suite of a wide family's long table (raw.survey_driver_scores,
    raw.survey_importance_scores): the key and name present, every rating in the family's range
    (blocking, what the loader guarantees); a name the dimensions seed does not declare, a
    rating given twice for one answer within a load (warnings)."""
    key = source.key[0]
    return [
        not_null(key),
        not_null("name"),
        between("score", *wide.range),
        in_set("name", dimensions.values(wide.dimension), dimension=wide.dimension),
        unique_per_load(key, "name"),
    ]


def tables_of(source: Source) -> list[str]:
    """The raw tables a source's suites validate: its own and its wide families' tables."""
    return [source.name, *(w.table for w in source.wides)]


SUITES: dict[str, list[Expect]] = {s.name: suite_of(s) for s in SOURCES} | {
    w.table: wide_suite_of(s, w) for s in SOURCES for w in s.wides
}


@dataclass(frozen=True)
class Outcome:
    expectation: Expect
    success: bool
    element_count: int
    unexpected_count: int
    examples: list[Any]


def _columns(suite: list[Expect]) -> list[str]:
    cols: list[str] = []
    for e in suite:
        for c in [e.kwargs.get("column"), *e.kwargs.get("column_list", [])]:
            if c and c not in cols:
                cols.append(c)
    return cols


@cache
def _context() -> Any:
    import great_expectations as gx  # 5 s to import: only when a check runs
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


# Rows per Great Expectations batch: consecutive new loads are validated together up to this
# size (one validation, each expectation a query over the batch) and their outcome is kept per
# batch. The data stays in DuckDB, so the size bounds no memory; it bounds how much a replaced
# load drags along (the other loads of its batch are validated again with its successor).
BATCH_ROWS = 10_000_000

RESULTS_DDL = """
create table if not exists ops.expectation_results (
    source varchar not null,
    suite_version varchar not null,
    load_ids integer[] not null,
    expectation_index integer not null,
    expectation varchar not null,
    blocking boolean not null,
    success boolean not null,
    element_count bigint not null,
    unexpected_count bigint not null,
    examples varchar[] not null,
    validated_at timestamptz not null default current_timestamp
)
"""


def suite_version(table: str) -> str:
    """A fingerprint of the suite: loads validated under another suite are validated again."""
    spec = repr([(e.kind, sorted(e.kwargs.items()), e.blocking) for e in SUITES[table]])
    return hashlib.sha256(spec.encode()).hexdigest()[:16]


def _batches(loads: list[tuple[int, int]], limit: int) -> list[tuple[list[int], int]]:
    """Consecutive loads grouped up to `limit` rows (a larger load forms a batch of its own),
    each batch with its row count."""
    batches: list[tuple[list[int], int]] = []
    for load_id, rows in loads:
        if batches and batches[-1][1] + rows <= limit:
            ids, size = batches.pop()
            batches.append(([*ids, load_id], size + rows))
        else:
            batches.append(([load_id], rows))
    return batches


def validate(
    con: duckdb.DuckDBPyConnection, table: str, batch_rows: int = BATCH_ROWS
) -> list[Outcome]:
    """The table's suite over every load of raw.<table>, one outcome per expectation.

    Every expectation holds row by row or within one load, so the table passes exactly when
    each load passes: loads already validated under this suite are not read again. New loads
    are validated in batches of at most `batch_rows` rows and their outcomes kept in
    ops.expectation_results; the outcome returned sums all of them, so a load that failed
    keeps failing the check until it is replaced, and a rerun costs only what arrived.
    """
    version = suite_version(table)
    con.execute(RESULTS_DDL)
    loads = con.execute(
        f"""
        select _load_id, count(*) from raw.{table}
        where _load_id not in (
            select unnest(load_ids) from ops.expectation_results
            where source = ? and suite_version = ?
        )
        group by _load_id order by _load_id
        """,
        [table, version],
    ).fetchall()
    for batch, _rows in _batches(loads, batch_rows):
        outcomes = _validate_batch(con, table, batch)
        con.execute("begin")  # the whole batch or nothing: a half-recorded batch is redone
        for index, outcome in enumerate(outcomes):
            con.execute(
                "insert into ops.expectation_results (source, suite_version, load_ids, "
                "expectation_index, expectation, blocking, success, element_count, "
                "unexpected_count, examples) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    table,
                    version,
                    batch,
                    index,
                    outcome.expectation.label,
                    outcome.expectation.blocking,
                    outcome.success,
                    outcome.element_count,
                    outcome.unexpected_count,
                    [str(x) for x in outcome.examples],
                ],
            )
        con.execute("commit")
    # Only loads still in raw count (a test or an operator may have removed some).
    summary = dict(
        (row[0], row[1:])
        for row in con.execute(
            f"""
            select
                expectation_index,
                bool_and(success),
                sum(element_count),
                sum(unexpected_count),
                flatten(list(examples order by validated_at) filter (where not success))
            from ops.expectation_results
            where source = ? and suite_version = ?
                and list_has_any(load_ids, (select list(distinct _load_id) from raw.{table}))
            group by expectation_index
            """,
            [table, version],
        ).fetchall()
    )
    return [
        Outcome(spec, bool(found[0]), int(found[1]), int(found[2]), list(found[3] or [])[:5])
        if (found := summary.get(index))
        else Outcome(spec, True, 0, 0, [])
        for index, spec in enumerate(SUITES[table])
    ]


@cache
def _kept_connection() -> type:
    """duckdb_engine's DBAPI connection class, for cursors of the pipeline's DuckDB connection.

    Great Expectations runs each metric query, leaves the SQLAlchemy connection (which closes
    or rolls back the DBAPI connection) and only then fetches the rows. Drivers that buffer
    results allow that; a DuckDB cursor drops its result on close or rollback. So both wait
    until the validation is over: `_validate_batch` closes every cursor it handed out.
    (The queries only read, so there is nothing to roll back.) Imported here, not at module
    level: SQLAlchemy is only needed when a check runs.
    """
    import duckdb_engine

    class KeptConnection(duckdb_engine.ConnectionWrapper):
        def close(self) -> None:
            pass

        def rollback(self) -> None:
            pass

    return KeptConnection


def _raised(exception_info: dict[str, Any]) -> str | None:
    """The message of an exception GE caught while computing an expectation's metrics, if any.

    GE reports it either flat or per metric ({metric id: {"raised_exception": ...}})."""
    for info in [exception_info, *exception_info.values()]:
        if isinstance(info, dict) and info.get("raised_exception"):
            return str(info.get("exception_message"))
    return None


def _validate_batch(
    con: duckdb.DuckDBPyConnection, table: str, load_ids: list[int]
) -> list[Outcome]:
    """Run the table's suite on the given loads' rows, in DuckDB; outcomes in suite order.

    Great Expectations' SQL datasource (SQLAlchemy through duckdb_engine, on cursors of `con`:
    a second connection to the warehouse file would be refused while the pipeline holds it)
    turns each expectation into queries over the batch; no rows leave DuckDB except the
    examples of a failure.
    """
    import great_expectations as gx
    import sqlalchemy as sa

    suite_spec = SUITES[table]
    cols = ", ".join(f'"{c}"' for c in _columns(suite_spec))
    ids = ", ".join(str(int(i)) for i in load_ids)
    query = f"select {cols} from raw.{table} where _load_id in ({ids})"
    context = _context()
    name = f"raw_{table}"
    for existing in [s.name for s in context.suites.all()]:
        if existing == name:
            context.suites.delete(name)
    suite = context.suites.add(gx.ExpectationSuite(name=name))
    for index, spec in enumerate(suite_spec):
        suite.add_expectation(
            getattr(gx.expectations, spec.kind)(**spec.kwargs, meta={"index": index})
        )
    cursors: list[duckdb.DuckDBPyConnection] = []

    def connect() -> Any:
        cursors.append(con.cursor())
        return _kept_connection()(cursors[-1])

    source = context.data_sources.add_or_update_sql(
        name,
        connection_string="duckdb:///:memory:",  # unused: `creator` makes the connections
        kwargs={"creator": connect, "poolclass": sa.pool.NullPool},
    )
    try:
        batch = source.add_query_asset(table, query=query).add_batch_definition_whole_table("whole")
        result = batch.get_batch().validate(suite)
    finally:
        for cursor in cursors:
            cursor.close()
        context.data_sources.delete(name)
    outcomes = []
    for item in result.results:
        spec = suite_spec[item.expectation_config.meta["index"]]
        details = item.result or {}
        if (error := _raised(item.exception_info or {})) is not None:
            raise RuntimeError(
                f"Great Expectations could not evaluate {spec.label} on raw.{table}: {error}"
            )
        outcomes.append(
            Outcome(
                spec,
                bool(item.success),
                int(details.get("element_count", 0) or 0),
                int(details.get("unexpected_count", 0) or 0),
                list(details.get("partial_unexpected_list", []) or [])[:5],
            )
        )
    return sorted(outcomes, key=lambda o: suite_spec.index(o.expectation))
