"""The kokemus code location: assembles assets, checks, jobs and resources (no logic here)."""

import dagster as dg

from orchestration.defs.analytics.clv import clv_predictions
from orchestration.defs.analytics.downstream_dbt import dbt_after_analytics
from orchestration.defs.ingest.assets import raw_assets
from orchestration.defs.ingest.checks import raw_checks
from orchestration.defs.ingest.sensors import inbox_sensor
from orchestration.defs.jobs import build_all
from orchestration.defs.publish.reports import quarterly_reports
from orchestration.defs.transform.dbt import dbt_models, dbt_resource
from orchestration.resources import DuckDBWarehouse

defs = dg.Definitions(
    assets=[*raw_assets, dbt_models, clv_predictions, dbt_after_analytics, quarterly_reports],
    asset_checks=raw_checks,
    jobs=[build_all],
    sensors=[inbox_sensor],
    resources={"warehouse": DuckDBWarehouse(), "dbt": dbt_resource},
    # DuckDB allows one writing process: steps run one after another in the run's process.
    executor=dg.in_process_executor,
)
