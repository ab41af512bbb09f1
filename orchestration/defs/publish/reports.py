"""The quarterly reports, rendered from the marts after every build."""

from pathlib import Path

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from orchestration.defs.transform.dbt import dbt_models
from orchestration.resources import DuckDBWarehouse
from orchestration.settings import get_settings
from reports.render import render_reports

REPORT_MARTS = ["mart_cx_scores__quarter"]


@dg.asset(
    key=dg.AssetKey(["reports", "quarterly_reports"]),
    group_name="publish",
    kinds={"html"},
    deps=[get_asset_key_for_model([dbt_models], name) for name in REPORT_MARTS],
    description="Static quarterly reports (HTML with inline SVG, fi + en) in $CX_REPORTS_DIR, "
    "rendered from the marts only and published atomically.",
)
def quarterly_reports(
    context: dg.AssetExecutionContext, warehouse: DuckDBWarehouse
) -> dg.MaterializeResult:
    settings = get_settings()
    warehouse_path = Path(warehouse.path) if warehouse.path else settings.warehouse
    files = render_reports(warehouse_path, settings.reports_dir, min_n=settings.min_reportable_n)
    quarters = sorted({p.parent.name for p in files if p.parent != settings.reports_dir})
    context.log.info(f"rendered {len(files)} files into {settings.reports_dir}")
    return dg.MaterializeResult(
        metadata={
            "reports_dir": dg.MetadataValue.path(str(settings.reports_dir)),
            "files": dg.MetadataValue.int(len(files)),
            "quarters": dg.MetadataValue.int(len(quarters)),
            "latest_quarter": dg.MetadataValue.text(quarters[-1] if quarters else "none"),
        }
    )
