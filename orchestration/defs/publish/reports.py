"""The quarterly report: one Dagster partition per calendar quarter (Europe/Helsinki).

A run for one partition renders that quarter's editions (each language of `LANGUAGES` in
reports/language.py: en, fi, sv; HTML and PDF) and refreshes the indexes; a backfill over a
range renders them all in one run (single-run backfill policy), which is what `make run` and
the inbox sensor ask for. Upstream blocking checks
(the raw data's rows_reconcile and Great Expectations) stop this step in the same run, so a
quarter is never republished from data that failed them: the previous edition stays.
"""

import json
from pathlib import Path

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from orchestration.defs.analytics.downstream_dbt import dbt_after_analytics
from orchestration.defs.jobs import build_all
from orchestration.defs.publish.partitions import (
    TIMEZONE,
    quarter_label,
    quarterly_partitions,
    quarters_of_window,
)
from orchestration.defs.transform.dbt import AFTER_ANALYTICS_SELECT, dbt_models, dbt_project
from orchestration.resources import DuckDBWarehouse
from orchestration.settings import get_settings
from reports.data import ReportDataError
from reports.render import ReportSettingsError, render_reports

REPORT_EXPOSURE = "quarterly_report"


def report_upstream(manifest_path: Path) -> dict[str, list[str]]:
    """The models and seeds the report reads, from its dbt exposure (models/exposures.yml).

    Split by the dbt op that builds them: `after_analytics` models come from the second op
    (orchestration/defs/analytics/downstream_dbt.py), everything else from the first. The
    exposure itself is held equal to what reports/data.py reads by tests/python/test_bi_copy.py.
    """
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    exposure = next(e for e in manifest["exposures"].values() if e["name"] == REPORT_EXPOSURE)
    after_tag = AFTER_ANALYTICS_SELECT.removeprefix("tag:")
    split: dict[str, list[str]] = {"dbt_models": [], "dbt_after_analytics": []}
    for unique_id in exposure["depends_on"]["nodes"]:
        node = manifest["nodes"][unique_id]
        op = "dbt_after_analytics" if after_tag in node["tags"] else "dbt_models"
        split[op].append(node["name"])
    return split


REPORT_UPSTREAM = report_upstream(dbt_project.manifest_path)


@dg.asset(
    key=dg.AssetKey(["reports", "quarterly_reports"]),
    group_name="publish",
    kinds={"html", "pdf"},
    partitions_def=quarterly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=[get_asset_key_for_model([dbt_models], n) for n in REPORT_UPSTREAM["dbt_models"]]
    + [
        get_asset_key_for_model([dbt_after_analytics], n)
        for n in REPORT_UPSTREAM["dbt_after_analytics"]
    ],
    description="Quarterly leadership report per quarter (fi + en, HTML with inline SVG and a "
    "PDF) in $CX_REPORTS_DIR/<lang>/<quarter>/, rendered from the marts only and published "
    "atomically.",
)
def quarterly_reports(
    context: dg.AssetExecutionContext, warehouse: DuckDBWarehouse
) -> dg.MaterializeResult:
    settings = get_settings()
    warehouse_path = Path(warehouse.path) if warehouse.path else settings.warehouse
    quarters = quarters_of_window(context.partition_time_window)
    try:
        result = render_reports(
            warehouse_path,
            settings.reports_dir,
            min_n=settings.min_reportable_n,
            quarters=quarters,
            pdf=settings.reports_pdf,
            pdf_languages=settings.reports_pdf_languages,
        )
    except (ReportDataError, ReportSettingsError) as exc:
        # A mart the report reads is missing or unreadable: nothing is published, and the
        # run fails naming it (an absent source gives an empty mart, which renders fine).
        raise dg.Failure(description=str(exc)) from exc
    if result.skipped:
        context.log.info(f"no survey data, not published: {', '.join(result.skipped)}")
    if result.unchanged:
        context.log.info(
            f"{len(result.unchanged)} editions unchanged since they were published, not "
            f"rewritten (no new PDF): {', '.join(result.unchanged)}"
        )
    return dg.MaterializeResult(
        metadata={
            "reports_dir": dg.MetadataValue.path(str(settings.reports_dir)),
            "files": dg.MetadataValue.int(len(result.files)),
            "quarters_rendered": dg.MetadataValue.text(", ".join(result.rendered) or "none"),
            "editions_unchanged": dg.MetadataValue.int(len(result.unchanged)),
            "quarters_without_data": dg.MetadataValue.text(", ".join(result.skipped) or "none"),
            "pdf": dg.MetadataValue.text(
                (", ".join(settings.reports_pdf_languages) or "every language")
                if settings.reports_pdf
                else "none"
            ),
        }
    )


@dg.schedule(
    # Same months as the partitions (QUARTER_STARTS), four days later.
    cron_schedule="0 7 5 1,4,7,10 *",
    execution_timezone=TIMEZONE,
    job=build_all,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="On the 5th day after a quarter closes (07:00 Helsinki): load what has arrived, "
    "rebuild the marts and publish the quarter that just closed.",
)
def publish_closed_quarter(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    # The partition that ended last before the tick: the quarter that has just closed.
    key = quarterly_partitions.get_last_partition_key(current_time=context.scheduled_execution_time)
    return dg.RunRequest(
        run_key=f"publish-{key}", partition_key=key, tags={"kokemus/quarter": quarter_label(key)}
    )
