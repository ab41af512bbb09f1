"""The kokemus code location: everything under `orchestration/defs`, plus what runs it.

Dagster's `dg` project layout ([tool.dg] in pyproject.toml): `load_from_defs_folder` picks up
every asset, asset check, job, schedule and sensor defined at module level under
`orchestration.defs`, so a new source or analytics asset needs no edit here. The resources and
the executor are not definitions of a module and are merged in, as Dagster documents
(`Definitions.merge`). No logic lives here.
"""

from pathlib import Path

import dagster as dg

from orchestration.defs.transform.dbt import dbt_resource
from orchestration.resources import DuckDBWarehouse
from orchestration.warehouse_lock import in_process_holding_warehouse


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions.merge(
        dg.load_from_defs_folder(path_within_project=Path(__file__).parent),
        dg.Definitions(
            resources={"warehouse": DuckDBWarehouse(), "dbt": dbt_resource},
            # DuckDB allows one writing process: steps run one after another in the run's
            # process, and a run waits for any other run to finish with the warehouse before
            # its first step.
            executor=in_process_holding_warehouse,
        ),
    )
