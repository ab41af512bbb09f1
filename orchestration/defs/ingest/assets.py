"""Raw assets: one per inbox source, each loading its new files into DuckDB's raw schema."""

from collections import Counter

import dagster as dg

from orchestration.defs.ingest.lake import sync_loads
from orchestration.defs.ingest.loader import SourceResult, ensure_schema, load_source
from orchestration.defs.ingest.sources import SOURCES, Source
from orchestration.defs.publish.partitions import ONCE_PER_RUN
from orchestration.resources import DuckDBWarehouse
from orchestration.settings import get_settings

RAW_GROUP = "raw"


def raw_asset_key(source_name: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", source_name])


def _metadata(
    result: SourceResult, table_rows: int, lake_loads: list[int]
) -> dict[str, dg.MetadataValue]:
    rejected = [f"{f.message}" for f in result.files if f.status == "rejected"]
    quarantined = [f for f in result.files if f.status == "loaded" and f.rows_quarantined]
    counted: Counter[str] = Counter()
    for f in quarantined:
        counted.update(dict(f.reasons))
    return {
        "files_loaded": dg.MetadataValue.int(result.count("loaded")),
        "files_skipped": dg.MetadataValue.int(result.count("skipped")),
        "files_rejected": dg.MetadataValue.int(result.count("rejected")),
        "files_deferred": dg.MetadataValue.int(result.count("deferred")),
        "rows_read": dg.MetadataValue.int(result.total("rows_read")),
        "rows_loaded": dg.MetadataValue.int(result.total("rows_loaded")),
        "rows_quarantined": dg.MetadataValue.int(result.total("rows_quarantined")),
        "table_rows": dg.MetadataValue.int(table_rows),
        "lake_loads_written": dg.MetadataValue.int(len(lake_loads)),
        "rejections": dg.MetadataValue.md(
            "\n".join(f"- {m}" for m in rejected) if rejected else "none"
        ),
        # Why rows were left out, without opening the warehouse: per file, and in all.
        "quarantine_reasons": dg.MetadataValue.md(
            "\n".join(f"- {f.summary()}" for f in quarantined) if quarantined else "none"
        ),
        "quarantine_reason_counts": dg.MetadataValue.json(
            dict(sorted(counted.items(), key=lambda kv: (-kv[1], kv[0])))
        ),
    }


def build_raw_asset(source: Source) -> dg.AssetsDefinition:
    @dg.asset(
        key=raw_asset_key(source.name),
        group_name=RAW_GROUP,
        backfill_policy=ONCE_PER_RUN,
        kinds={"duckdb"},
        description=(
            f"Files in $CX_INBOX/{source.name}/ loaded into raw.{source.name}: one transaction "
            "and one ops.load_audit row per file, bad rows to ops.quarantine, known content "
            "hashes skipped; each load also lands as Parquet in $CX_LAKE_DIR/"
            f"{source.name}/load_id=<n>/ (immutable)."
        ),
    )
    def _raw_asset(
        context: dg.AssetExecutionContext, warehouse: DuckDBWarehouse
    ) -> dg.MaterializeResult:
        settings = get_settings()
        with warehouse.connect() as con:
            ensure_schema(con, SOURCES)
            result = load_source(
                con,
                source,
                settings.inbox,
                settle_seconds=settings.inbox_settle_seconds,
                xlsx_sheet=settings.xlsx_sheet,
            )
            table_rows = con.execute(f"select count(*) from raw.{source.name}").fetchall()[0][0]
            # Every committed load also lands as Parquet (for Spark); never rewritten.
            lake_loads = sync_loads(con, source, settings.lake_dir)
        for f in result.files:
            if f.status == "rejected":
                context.log.error(f.message)
            elif f.status == "deferred":
                context.log.warning(f.message)
            elif f.status == "loaded":
                # A file with quarantined rows is a warning: its line says why they were left out.
                (context.log.warning if f.rows_quarantined else context.log.info)(f.summary())
        return dg.MaterializeResult(metadata=_metadata(result, table_rows, lake_loads))

    return _raw_asset


raw_assets = [build_raw_asset(source) for source in SOURCES]
