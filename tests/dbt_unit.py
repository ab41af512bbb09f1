"""dbt's unit tests on an empty warehouse of their own, for `make test` and `make test-fast`.

A dbt unit test reads the column types of its model's inputs from the warehouse, so those
relations must exist. Instead of a pipeline build, this creates the raw tables the loader would
(`ensure_schema`) in a temporary warehouse, builds every model upstream of a unit test with
`--empty` (no rows, only the relations), and runs the unit tests; the ones tagged
`needs_built_table` (an incremental model's unit test that reads `this`) run after their model
exists. The tables the Python analytics assets write (the `analytics` source) are created
empty from the columns their source YAML declares, so a mart reading one can be unit-tested.
A pipeline run's `dbt build` leaves them out (orchestration/defs/transform/dbt.py): they test
the SQL on fixed inputs, which no new data changes, so they run where the code changes — here.

    python -m tests.dbt_unit
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
import yaml

from orchestration.defs.ingest.loader import ensure_schema
from orchestration.defs.ingest.sources import SOURCES
from orchestration.settings import PROJECT_DIR

DBT = str(Path(sys.executable).parent / "dbt")
ANALYTICS_SOURCES = PROJECT_DIR / "models" / "marts" / "value" / "__sources.yml"
STEPS = (
    # Every model a unit test reads, empty, then the unit tests that need no built model.
    (
        "build",
        "--empty",
        "--select",
        "+test_type:unit",
        "--exclude",
        "test_type:data",
        "tag:needs_built_table",
    ),
    ("test", "--select", "test_type:unit,tag:needs_built_table"),
)


def create_analytics_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Every table of the `analytics` source, empty, with the column types its YAML declares."""
    declared = yaml.safe_load(ANALYTICS_SOURCES.read_text(encoding="utf-8"))
    (source,) = [s for s in declared["sources"] if s["name"] == "analytics"]
    con.execute(f"create schema if not exists {source['schema']}")
    for table in source["tables"]:
        body = ", ".join(f'"{c["name"]}" {c["data_type"]}' for c in table["columns"])
        con.execute(f"create table {source['schema']}.{table['name']} ({body})")


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="kokemus-dbt-unit-") as tmp:
        # The warehouse file's stem is dbt's database name: keep the project's, so the
        # relations in the manifest are named as in a real build.
        warehouse = Path(tmp) / "warehouse.duckdb"
        con = duckdb.connect(str(warehouse))
        try:
            ensure_schema(con, SOURCES)
            create_analytics_tables(con)
        finally:
            con.close()
        # Its own target path: the project's target/ (manifest, partial parse) stays as it is.
        env = os.environ | {"CX_WAREHOUSE": str(warehouse), "CX_DBT_TARGET": "duckdb"}
        common = ("--profiles-dir", str(PROJECT_DIR), "--target-path", f"{tmp}/target", "-q")
        for step in STEPS:
            done = subprocess.run([DBT, *step, *common], cwd=PROJECT_DIR, env=env, check=False)
            if done.returncode:
                print(f"dbt {' '.join(step)}: failed", file=sys.stderr)
                return done.returncode
    print("dbt unit tests: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
