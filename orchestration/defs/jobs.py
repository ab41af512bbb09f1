"""Jobs: the one that builds everything, inbox to reports."""

import dagster as dg

from orchestration.build_state import record_success

build_all = dg.define_asset_job(
    "build_all",
    selection=dg.AssetSelection.all(),
    description="Load new inbox files, build and test every dbt model, render the reports. "
    "A run with nothing new (no load, no code or setting changed) skips everything after the "
    "loads.",
    # Each step after the loads records what it was built from (orchestration/build_state.py).
    hooks={record_success},
)
