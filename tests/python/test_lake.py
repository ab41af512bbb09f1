"""The Parquet landing zone (orchestration/defs/ingest/lake.py) and the Spark sources over it.

The Spark build itself is tests/python/test_spark.py (make test-spark); these run in the main
suite on the pipeline fixture's warehouse, whose lake is `lake/` beside it.
"""

from pathlib import Path

import pytest
import yaml
from spark_compare import TableDiff, compare_table, values_equal

from orchestration.defs.ingest.lake import PART_FILE, sync_loads
from orchestration.defs.ingest.sources import SOURCES
from orchestration.settings import PROJECT_DIR

RAW_TABLES = [s.name for s in SOURCES] + [w.table for s in SOURCES for w in s.wides]
# DuckDB type of a warehouse column -> the Spark type its dbt source declares.
SPARK_TYPES = {
    "VARCHAR": "string",
    "INTEGER": "int",
    "BIGINT": "bigint",
    "DOUBLE": "double",
    "DATE": "date",
    "TIMESTAMP WITH TIME ZONE": "timestamp",
    "DECIMAL(18,4)": "decimal(18,4)",
}
SOURCE_FILES = [
    "models/staging/__sources.yml",
    "models/marts/ops/__sources.yml",
    "models/marts/value/__sources.yml",
]


@pytest.fixture(scope="module")
def lake(pipeline) -> Path:
    return pipeline.warehouse.parent / "lake"


def _parquet(lake: Path, table: str) -> str:
    return f"read_parquet('{lake / table}/*/{PART_FILE}', hive_partitioning = true)"


@pytest.mark.parametrize("table", RAW_TABLES)
def test_every_load_lands_in_the_lake_with_the_rows_of_the_raw_table(mart, lake, table):
    in_raw = mart.execute(
        f"select _load_id, count(*), sum(hash(_line)) from raw.{table} group by 1 order by 1"
    ).fetchall()
    in_lake = mart.execute(
        f"select _load_id, count(*), sum(hash(_line)) from {_parquet(lake, table)} "
        "where _load_id = load_id group by 1 order by 1"
    ).fetchall()
    assert in_lake == in_raw
    assert sum(n for _, n, _ in in_raw) > 0


def test_rows_in_the_lake_equal_the_raw_rows_value_for_value(mart, lake):
    diff = mart.execute(
        f"""
        select count(*) from (
            (select * exclude (load_id) from {_parquet(lake, "survey_responses")}
             except all select * from raw.survey_responses)
            union all
            (select * from raw.survey_responses
             except all select * exclude (load_id) from {_parquet(lake, "survey_responses")})
        )"""
    ).fetchall()[0][0]
    assert diff == 0


def test_audit_and_quarantine_land_per_load(mart, lake):
    audit = mart.execute("select load_id, status, rows_quarantined from ops.load_audit").fetchall()
    lake_audit = mart.execute(
        f"select load_id, status, rows_quarantined from {_parquet(lake, 'ops/load_audit')}"
    ).fetchall()
    assert sorted(lake_audit) == sorted(audit)
    quarantined = mart.execute("select count(*) from ops.quarantine").fetchall()[0][0]
    assert quarantined > 0
    lake_quarantined = mart.execute(
        f"select count(*) from {_parquet(lake, 'ops/quarantine')}"
    ).fetchall()[0][0]
    assert lake_quarantined == quarantined
    # A rejected file has its audit row in the lake and no data partition.
    rejected = [load_id for load_id, status, _ in audit if status == "rejected"]
    for load_id in rejected:
        assert not any((lake / t / f"load_id={load_id}").exists() for t in RAW_TABLES)


def test_a_load_in_the_lake_is_never_rewritten(mart, lake):
    files = sorted(lake.glob(f"*/load_id=*/{PART_FILE}"))
    before = {f: f.stat().st_mtime_ns for f in files}
    assert len(files) > 10
    for source in SOURCES:
        assert sync_loads(mart, source, lake) == []
    assert {f: f.stat().st_mtime_ns for f in files} == before


@pytest.mark.parametrize("table", ["clv_predictions", "driver_weights"])
def test_analytics_tables_are_copied_to_the_lake(mart, lake, table):
    in_duckdb = mart.execute(f"select * from analytics.{table} order by all").fetchall()
    in_lake = mart.execute(
        f"select * from read_parquet('{lake / 'analytics' / table / PART_FILE}') order by all"
    ).fetchall()
    assert len(in_duckdb) > 0
    assert in_lake == in_duckdb


def _declared_sources() -> dict[tuple[str, str], dict]:
    tables = {}
    for path in SOURCE_FILES:
        for source in yaml.safe_load((PROJECT_DIR / path).read_text())["sources"]:
            for table in source["tables"]:
                tables[(source["schema"], table["name"])] = table
    return tables


def test_spark_source_columns_follow_the_warehouse_tables(mart):
    """The external tables Spark reads are declared from these YAML columns: they must not
    drift from what the loader and the analytics assets write."""
    declared = _declared_sources()
    assert len(declared) == 14  # raw survey_importance_scores joined the raw tables
    for (schema, table), spec in declared.items():
        partitions = [p["name"] for p in spec["external"].get("partitions", [])]
        warehouse = [
            (name, SPARK_TYPES[data_type])
            for name, data_type in mart.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = ? and table_name = ? order by ordinal_position",
                [schema, table],
            ).fetchall()
            if name not in partitions
        ]
        yaml_columns = [(c["name"], c["data_type"]) for c in spec["columns"]]
        assert yaml_columns == warehouse, f"{schema}.{table}"


def test_the_comparison_catches_a_difference():
    columns = ["key", "value", "flag"]
    same = compare_table("t", (columns, [("a", 1.0, True)]), (columns, [("a", 1.0, True)]))
    assert same == TableDiff("t", [])
    off = compare_table("t", (columns, [("a", 1.0, True)]), (columns, [("a", 1.000001, True)]))
    assert off.problems == ["value: duckdb 1.0 vs spark 1.000001"]
    missing = compare_table("t", (columns, [("a", 1.0, True)]), (columns, []))
    assert missing.problems == ["row count: duckdb 1 vs spark 0"]
    assert values_equal(100.0, 100.0 + 1e-8)  # relative: 1e-10
    assert not values_equal(None, 0)
    assert not values_equal(3, 4)
