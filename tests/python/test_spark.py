"""The same dbt project on Spark: every mart equals the DuckDB build, row by row.

Runs with `make test-spark` (pytest -m spark): builds the warehouse the normal way (the real
Dagster job on a seeded sample inbox, which also writes the Parquet landing zone), then
`dbt run-operation create_lake_tables` and `dbt build --target spark` in this process
(pyspark, local[2]) over that lake, then compares every table of the marts schema: same
columns, same row count, rows sorted by their exact columns, strings / integers / flags /
dates / instants equal, other numbers within 1e-9. Any difference is a bug in one of the paths.
"""

import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from conftest import run_build_all
from spark_compare import compare_table, duckdb_rows, spark_rows

from orchestration.settings import PROJECT_DIR

pytestmark = pytest.mark.spark

# Smaller than the main suite's sample: Spark on two cores is the slow side here.
SPARK_TEST_CUSTOMERS = 600


@dataclass
class SparkBuild:
    warehouse: Path
    spark: object  # pyspark.sql.SparkSession that dbt built the marts in
    build_seconds: float
    models_built: int


@pytest.fixture(scope="module")
def spark_build(tmp_path_factory: pytest.TempPathFactory):
    from dbt.cli.main import dbtRunner
    from pyspark.sql import SparkSession

    from orchestration.sample_data import generate

    assert shutil.which("java"), "Spark needs Java 17: apt-get install openjdk-17-jre-headless"
    root = tmp_path_factory.mktemp("spark")
    generate(root / "inbox", customers=SPARK_TEST_CUSTOMERS, seed=7)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CX_INBOX", str(root / "inbox"))
        mp.setenv("CX_WAREHOUSE", str(root / "warehouse.duckdb"))
        mp.setenv("CX_REPORTS_DIR", str(root / "reports"))
        mp.setenv("CX_INBOX_SETTLE_SECONDS", "0")
        result = run_build_all()
        assert result.success, "the DuckDB build failed; see the Dagster log above"

        mp.setenv("CX_DBT_TARGET", "spark")
        mp.setenv("CX_SPARK_DIR", str(root / "spark"))
        mp.chdir(PROJECT_DIR)
        common = [
            "--profiles-dir",
            str(PROJECT_DIR),
            "--project-dir",
            str(PROJECT_DIR),
            # Not target/: Dagster reads the DuckDB manifest there.
            "--target-path",
            str(root / "target_spark"),
            "--log-path",
            str(root / "logs_spark"),
        ]
        started = time.perf_counter()
        lake_tables = dbtRunner().invoke(["run-operation", "create_lake_tables", *common])
        assert lake_tables.success, "dbt run-operation create_lake_tables failed"
        # As in the pipeline: the unit test that needs its table built before it is left out.
        res = dbtRunner().invoke(["build", "--exclude", "tag:needs_built_table", *common])
        build_seconds = time.perf_counter() - started
        failed = [
            f"{r.node.unique_id}: {r.message}"
            for r in (res.result or [])
            if str(r.status) in {"error", "fail", "skipped"}
        ]
        assert res.success and not failed, f"dbt build --target spark failed: {failed[:10]}"
        models_built = sum(1 for r in res.result if r.node.resource_type == "model")
        # dbt ran in a thread of this process: its session is this process's Spark session.
        spark = SparkSession.builder.getOrCreate()
        print(
            f"\nSpark build on the sample data ({SPARK_TEST_CUSTOMERS} customers, local[2]): "
            f"{build_seconds:.0f} s for {models_built} models and their tests"
        )
        yield SparkBuild(root / "warehouse.duckdb", spark, build_seconds, models_built)
        spark.stop()


def _duckdb_marts(warehouse: Path) -> tuple[duckdb.DuckDBPyConnection, list[str]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    tables = [
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' "
            "order by 1"
        ).fetchall()
    ]
    return con, tables


def test_spark_builds_every_model_and_the_same_marts(spark_build: SparkBuild) -> None:
    con, duck_tables = _duckdb_marts(spark_build.warehouse)
    try:
        spark_tables = sorted(
            r.tableName
            for r in spark_build.spark.sql("show tables in marts").collect()
            if not r.isTemporary
        )
        assert spark_tables == duck_tables
        # Every model of the project was built on Spark too, not only the marts.
        assert spark_build.models_built == len(_manifest_models())
        # 30 marts and the semantic layer's 5 models (facts and time spine) (published with them).
        assert len(duck_tables) == 35
    finally:
        con.close()


def _manifest_models() -> list[str]:
    manifest = json.loads((PROJECT_DIR / "target" / "manifest.json").read_text())
    return [n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "model"]


def test_every_mart_equals_the_duckdb_mart_row_by_row(spark_build: SparkBuild) -> None:
    con, tables = _duckdb_marts(spark_build.warehouse)
    problems, rows_compared = {}, {}
    try:
        for table in tables:
            duck = duckdb_rows(con, "marts", table)
            diff = compare_table(table, duck, spark_rows(spark_build.spark, "marts", table))
            rows_compared[table] = len(duck[1])
            if diff.problems:
                problems[table] = diff.problems
    finally:
        con.close()
    assert problems == {}
    # Not a comparison of empty tables: the sample fills every mart.
    assert [t for t, n in rows_compared.items() if n == 0] == []
    print(f"\nrows compared: {sum(rows_compared.values())} in {len(rows_compared)} marts")
