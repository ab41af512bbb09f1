"""The dbt models that read Python analytics tables: a second dbt op, run after those assets.

One @dbt_assets op cannot both feed a Python asset and consume its output (the op would be
upstream and downstream of it at once), so the main op excludes `tag:after_analytics` and this
op selects it. Same DbtProject, manifest and translator; `build_all` runs both in one run.
"""

from collections.abc import Iterator
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.defs.publish.partitions import ONCE_PER_RUN
from orchestration.defs.transform.dbt import (
    AFTER_ANALYTICS_SELECT,
    BUILD_ARGS,
    dbt_project,
    translator,
)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    dagster_dbt_translator=translator,
    project=dbt_project,
    name="dbt_after_analytics",
    select=AFTER_ANALYTICS_SELECT,
    backfill_policy=ONCE_PER_RUN,
)
def dbt_after_analytics(context: dg.AssetExecutionContext, dbt: DbtCliResource) -> Iterator[Any]:
    yield from dbt.cli(list(BUILD_ARGS), context=context).stream()
