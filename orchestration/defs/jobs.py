"""Jobs: the one that builds everything, inbox to reports."""

import dagster as dg

from orchestration import build_state


@dg.success_hook(required_resource_keys={"warehouse"})
def record_success(context: dg.HookContext) -> None:
    """Each step after the loads records what it was built from (orchestration/build_state.py)."""
    build_state.record_success(context)


build_all = dg.define_asset_job(
    "build_all",
    selection=dg.AssetSelection.all(),
    description="Load new inbox files, build and test every dbt model, render the reports. "
    "A run with nothing new (no load, no code or setting changed) skips everything after the "
    "loads.",
    hooks={record_success},
)
