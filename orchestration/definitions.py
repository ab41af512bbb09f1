"""The kokemus code location: assembles what the packages under orchestration/defs declare.

Every asset and asset check defined at module level under `orchestration.defs` is picked up
by the loaders, so a new source or analytics asset needs no edit here; jobs, schedules and
sensors are few and listed by name. No logic lives here.
"""

import dagster as dg

from orchestration import defs as defs_package
from orchestration.defs.ingest.sensors import inbox_sensor
from orchestration.defs.jobs import build_all
from orchestration.defs.publish.reports import publish_closed_quarter
from orchestration.defs.transform.dbt import dbt_resource
from orchestration.resources import DuckDBWarehouse
from orchestration.warehouse_lock import in_process_holding_warehouse

defs = dg.Definitions(
    assets=dg.load_assets_from_package_module(defs_package),
    asset_checks=dg.load_asset_checks_from_package_module(defs_package),
    jobs=[build_all],
    schedules=[publish_closed_quarter],
    sensors=[inbox_sensor],
    resources={"warehouse": DuckDBWarehouse(), "dbt": dbt_resource},
    # DuckDB allows one writing process: steps run one after another in the run's process,
    # and a run waits for any other run to finish with the warehouse before its first step.
    executor=in_process_holding_warehouse,
)
