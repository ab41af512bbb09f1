"""Jobs: the one that builds everything, inbox to reports."""

import dagster as dg

build_all = dg.define_asset_job(
    "build_all",
    selection=dg.AssetSelection.all(),
    description="Load new inbox files, build and test every dbt model, render the reports.",
)
