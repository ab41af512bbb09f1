"""dbt models, seeds and tests as Dagster assets and asset checks, in one graph with raw assets."""

import os
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)

from orchestration.defs.ingest.assets import raw_asset_key
from orchestration.defs.ingest.sources import SOURCES
from orchestration.settings import PROJECT_DIR

# dagster-dbt's project preparer runs `dbt` from PATH: make that this environment's dbt.
_VENV_BIN = str(Path(sys.executable).parent)
if _VENV_BIN not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _VENV_BIN + os.pathsep + os.environ.get("PATH", "")

dbt_project = DbtProject(project_dir=PROJECT_DIR, profiles_dir=PROJECT_DIR)
# `dagster dev` re-parses on start; elsewhere parse only when no manifest exists yet
# (`make` re-parses when models change), so imports stay fast.
dbt_project.prepare_if_dev()
if not dbt_project.manifest_path.exists():
    dbt_project.preparer.prepare(dbt_project)

# Raw tables that a raw asset writes besides its own table.
EXTRA_RAW_TABLES = {s.wide_table: s.name for s in SOURCES if s.wide_table}


class KokemusTranslator(DagsterDbtTranslator):
    """Maps source('raw', t) to the raw asset that loads t, and groups models by layer folder."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source" and (
            dbt_resource_props["source_name"] == "raw"
        ):
            table = dbt_resource_props["name"]
            return raw_asset_key(EXTRA_RAW_TABLES.get(table, table))
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        if dbt_resource_props["resource_type"] == "seed":
            return "seeds"
        if dbt_resource_props["resource_type"] == "snapshot":
            return "snapshots"
        return fqn[1] if len(fqn) > 2 else "dbt"


translator = KokemusTranslator(
    settings=DagsterDbtTranslatorSettings(
        enable_asset_checks=True, enable_duplicate_source_asset_keys=True
    )
)


# Models that read a Python analytics asset's table (itself fed by dbt models) run in a second
# op, orchestration/defs/analytics/downstream_dbt.py: in this one they would make a cycle.
AFTER_ANALYTICS_SELECT = "tag:after_analytics"
# Unit tests of incremental models that read `this`: dbt needs the table to exist to type the
# fixture, which it does not on a first build. tests/python/test_incremental.py runs them.
NEEDS_BUILT_TABLE_SELECT = "tag:needs_built_table"


@dbt_assets(
    manifest=dbt_project.manifest_path,
    dagster_dbt_translator=translator,
    project=dbt_project,
    name="dbt_models",
    exclude=f"{AFTER_ANALYTICS_SELECT} {NEEDS_BUILT_TABLE_SELECT}",
)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource) -> Iterator[Any]:
    yield from dbt.cli(["build"], context=context).stream()


dbt_resource = DbtCliResource(project_dir=dbt_project, dbt_executable=f"{_VENV_BIN}/dbt")
