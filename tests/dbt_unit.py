"""dbt's unit tests on an empty warehouse of their own, for `make test-fast` (about 20 s).

A dbt unit test reads the column types of its model's inputs from the warehouse, so those
relations must exist. Instead of a pipeline build, this creates the raw tables the loader would
(`ensure_schema`) and the Python analytics assets' tables (empty, with the columns their dbt
source declares) in a temporary warehouse, builds every model upstream of a unit test with
`--empty` (no rows, only the relations), and runs the unit tests; the ones tagged
`needs_built_table` (an incremental model's unit test that reads `this`) run after their model
exists. The full suite runs the same unit tests inside the pipeline's `dbt build`.

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


def create_analytics_sources(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The `analytics` source tables (written by Python assets in a real run), empty, with the
    columns and types of their dbt source: the after_analytics marts' unit tests read them."""
    created = []
    for path in sorted((PROJECT_DIR / "models").rglob("__sources.yml")):
        for source in yaml.safe_load(path.read_text(encoding="utf-8")).get("sources", []):
            if source["name"] != "analytics":
                continue
            schema = source.get("schema", source["name"])
            con.execute(f"create schema if not exists {schema}")
            for table in source["tables"]:
                cols = ", ".join(f'"{c["name"]}" {c["data_type"]}' for c in table["columns"])
                con.execute(f"create table {schema}.{table['name']} ({cols})")
                created.append(f"{schema}.{table['name']}")
    return created


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="kokemus-dbt-unit-") as tmp:
        # The warehouse file's stem is dbt's database name: keep the project's, so the
        # relations in the manifest are named as in a real build.
        warehouse = Path(tmp) / "warehouse.duckdb"
        con = duckdb.connect(str(warehouse))
        try:
            ensure_schema(con, SOURCES)
            create_analytics_sources(con)
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
