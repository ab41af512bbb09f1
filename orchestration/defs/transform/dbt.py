"""dbt models, seeds and tests as Dagster assets and asset checks, in one graph with raw assets."""

import importlib.metadata
import shutil
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import suppress
from functools import cached_property
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
from dagster_dbt.core import resource as dagster_dbt_resource
from dagster_dbt.core.dbt_cli_invocation import DbtCliInvocation
from packaging import version

from orchestration.build_state import skip_or_register
from orchestration.defs.publish.partitions import ONCE_PER_RUN
from orchestration.defs.transform.dbt_in_process import InProcessDbtCliInvocation, caller_cwd
from orchestration.resources import DuckDBWarehouse
from orchestration.settings import PROJECT_DIR

_VENV_BIN = str(Path(sys.executable).parent)

# Built once, here, and imported wherever the project is needed. Importing does no work (no
# `prepare_if_dev`, which re-parses under `dagster dev` and `dg launch` alike): the manifest,
# target/manifest.json, is written by `make prepare` (`dbt parse`), which every make target that
# loads these definitions runs first, and again whenever a file of the dbt project changed.
dbt_project = DbtProject(project_dir=PROJECT_DIR, profiles_dir=PROJECT_DIR)


class KokemusTranslator(DagsterDbtTranslator):
    """Groups models by layer folder.

    Sources need nothing here: each table in the sources YAML names the asset that writes it
    (`meta: {dagster: {asset_key: [...]}}`), the raw tables their raw asset, the analytics
    tables their Python asset. Two raw tables written by one raw asset (survey_responses and
    its driver scores) share that key, hence enable_duplicate_source_asset_keys.
    """

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
# A run builds and tests the data; dbt's unit tests test the SQL on fixed inputs, the same in
# every run, so they run where the code changes: `make test` and `make test-fast`
# (tests/dbt_unit.py), as dbt recommends ("only in development or CI"). In a run they were 39
# of ~660 nodes and a quarter of dbt's node time.
BUILD_ARGS = ("build", "--exclude-resource-type", "unit_test")


@dbt_assets(
    manifest=dbt_project.manifest_path,
    dagster_dbt_translator=translator,
    project=dbt_project,
    name="dbt_models",
    exclude=f"{AFTER_ANALYTICS_SELECT} {NEEDS_BUILT_TABLE_SELECT}",
    backfill_policy=ONCE_PER_RUN,
)
def dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: DuckDBWarehouse
) -> Iterator[Any]:
    with warehouse.connect() as con:
        skip = skip_or_register(context, con, context.op.name)
    if skip is not None:
        # No output: Dagster skips every step downstream of this one (orchestration/build_state.py).
        context.log.info(skip)
        return
    yield from dbt.cli(list(BUILD_ARGS), context=context).stream()


_swap_lock = threading.Lock()

# dagster-dbt gives each dbt step a target folder of its own (`target/<op>-<run>-<id>`: the
# step's run_results.json, compiled SQL, and dbt's debug log, ~12 MB a `dbt_models` step) and
# never removes one. The newest few per op are kept to read after a failure, and every folder
# of the last day: runs on other warehouses (the test suite's workers, say) share `target/`,
# and one of them may be reading or writing its folder right now.
KEPT_TARGET_FOLDERS = 5
KEPT_TARGET_SECONDS = 24 * 3600


class KokemusDbtCliResource(DbtCliResource):
    """dagster-dbt's resource, running dbt in this process where it can
    (orchestration/defs/transform/dbt_in_process.py), without the two things dagster-dbt does
    in this process before each dbt call.

    Before starting dbt, `DbtCliResource.cli` runs `dbt --version` in a subprocess to learn the
    version (1.7 s) and builds a dbt adapter in the Dagster process (1.1 s), which it needs only
    to fetch row counts or column metadata; kokemus fetches neither. Twice a run (both dbt ops),
    that was ~5.6 s of every run. The version is the installed dbt-core's: `dbt_executable` is
    this venv's dbt (tests/python/test_settings.py compares the two).
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:  # type: ignore[override]
        return None

    def _get_unique_target_path(self, *, context: Any) -> Path:
        path = super()._get_unique_target_path(context=context)
        if context is not None:
            folder = Path(self.project_dir) / path.parent
            op_name = context.op_execution_context.op.name
            ages = []
            for other in folder.glob(f"{op_name}-*-*"):
                with suppress(OSError):  # another process may be removing it right now
                    ages.append((other.stat().st_mtime, other))
            ages.sort(reverse=True)
            day_ago = time.time() - KEPT_TARGET_SECONDS
            for mtime, stale in ages[KEPT_TARGET_FOLDERS - 1 :]:  # room for this step's own
                if mtime < day_ago and stale.is_dir():
                    shutil.rmtree(stale, ignore_errors=True)
        return path

    def cli(self, args: Sequence[str], **kwargs: Any) -> DbtCliInvocation:
        """DbtCliResource.cli, whose `DbtCliInvocation.run` (where dagster-dbt starts dbt's
        subprocess) is InProcessDbtCliInvocation's for the call. dagster-dbt builds the
        invocation inside `cli` with no hook to choose its class, so the module's name is
        swapped for the call, under a lock; the class falls back to the subprocess itself."""
        with _swap_lock:
            dagster_dbt_resource.DbtCliInvocation = InProcessDbtCliInvocation  # type: ignore[misc]
            cwd = caller_cwd.set(Path.cwd())
            try:
                return super().cli(args, **kwargs)
            finally:
                caller_cwd.reset(cwd)
                dagster_dbt_resource.DbtCliInvocation = DbtCliInvocation  # type: ignore[misc]


dbt_resource = KokemusDbtCliResource(project_dir=dbt_project, dbt_executable=f"{_VENV_BIN}/dbt")
