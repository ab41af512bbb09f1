"""Asset checks on the raw layer: reconciliation, rejected files, Great Expectations suites."""

from collections.abc import Iterator

import dagster as dg

from orchestration.defs.ingest.assets import raw_asset_key
from orchestration.defs.ingest.expectations import Outcome, tables_of, validate
from orchestration.defs.ingest.sources import SOURCES, Source
from orchestration.resources import DuckDBWarehouse

# For every loaded file: the audit's own sum, and the audit vs the rows really in raw / quarantine.
RECONCILIATION_SQL = """
with audit as (
    select load_id, file, rows_read, rows_loaded, rows_quarantined, rows_excluded
    from ops.load_audit where source = ? and status = 'loaded'
),
landed as (
    select _load_id as load_id, count(*) as n from raw.{table} group by all
),
held as (
    select load_id, count(*) as n from ops.quarantine where source = ? group by all
)
select
    audit.file, audit.rows_read, audit.rows_loaded, audit.rows_quarantined,
    coalesce(landed.n, 0) as rows_in_raw, coalesce(held.n, 0) as rows_in_quarantine
from audit
left join landed using (load_id)
left join held using (load_id)
where audit.rows_read <> audit.rows_loaded + audit.rows_quarantined + audit.rows_excluded
    or coalesce(landed.n, 0) <> audit.rows_loaded
    or coalesce(held.n, 0) <> audit.rows_quarantined
order by audit.file
"""

REJECTED_SQL = """
select file, message from (
    select file, status, message,
        row_number() over (partition by file order by load_id desc) as attempt_rank
    from ops.load_audit where source = ?
) where attempt_rank = 1 and status = 'rejected'
order by file
"""


def build_source_checks(source: Source) -> list[dg.AssetChecksDefinition]:
    key = raw_asset_key(source.name)

    @dg.asset_check(
        asset=key,
        name="rows_reconcile",
        blocking=True,
        description="For every loaded file: rows read = loaded + quarantined + excluded, and "
        "the raw table and the quarantine hold exactly those rows.",
    )
    def _reconcile(warehouse: DuckDBWarehouse) -> dg.AssetCheckResult:
        with warehouse.connect(read_only=True) as con:
            bad = con.execute(
                RECONCILIATION_SQL.format(table=source.name), [source.name, source.name]
            ).fetchall()
            files = con.execute(
                "select count(*) from ops.load_audit where source = ? and status = 'loaded'",
                [source.name],
            ).fetchall()[0][0]
        return dg.AssetCheckResult(
            passed=not bad,
            metadata={
                "files_checked": files,
                "files_not_reconciled": len(bad),
                "details": dg.MetadataValue.md(
                    "\n".join(
                        f"- {r[0]}: read {r[1]}, loaded {r[2]} (in raw {r[4]}), "
                        f"quarantined {r[3]} (in quarantine {r[5]})"
                        for r in bad
                    )
                    or "all reconcile"
                ),
            },
        )

    @dg.asset_check(
        asset=key,
        name="no_rejected_files",
        description="Warns while a file's latest load attempt was rejected (see the message).",
    )
    def _no_rejected(warehouse: DuckDBWarehouse) -> dg.AssetCheckResult:
        with warehouse.connect(read_only=True) as con:
            rejected = con.execute(REJECTED_SQL, [source.name]).fetchall()
        return dg.AssetCheckResult(
            passed=not rejected,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "files_rejected": len(rejected),
                "messages": dg.MetadataValue.md("\n".join(f"- {m}" for _, m in rejected) or "none"),
            },
        )

    @dg.multi_asset_check(
        specs=[
            dg.AssetCheckSpec(
                "expectations_blocking",
                asset=key,
                blocking=True,
                description="Great Expectations: what the loader guarantees (keys, ranges, "
                "known statuses and scales). A failure stops the marts and reports.",
            ),
            dg.AssetCheckSpec(
                "expectations_warn",
                asset=key,
                description="Great Expectations: unusual but loadable values (unknown "
                "touchpoints or segments, a key repeated within one file).",
            ),
        ],
        name=f"{source.name}_expectations",
    )
    def _expectations(warehouse: DuckDBWarehouse) -> Iterator[dg.AssetCheckResult]:
        # Writes: each load's outcomes are kept in ops.expectation_results (validate()).
        with warehouse.connect() as con:
            # The source's own table and its wide families' (driver and importance ratings).
            outcomes = [o for table in tables_of(source) for o in validate(con, table)]
        for blocking, name in ((True, "expectations_blocking"), (False, "expectations_warn")):
            chosen = [o for o in outcomes if o.expectation.blocking is blocking]
            yield _expectation_result(key, name, chosen, blocking)

    return [_reconcile, _no_rejected, _expectations]


def _expectation_result(
    key: dg.AssetKey, name: str, outcomes: list[Outcome], blocking: bool
) -> dg.AssetCheckResult:
    failed = [o for o in outcomes if not o.success]
    rows = "\n".join(
        f"| {o.expectation.label} | {'pass' if o.success else 'FAIL'} | {o.unexpected_count} "
        f"| {', '.join(map(str, o.examples)) or ''} |"
        for o in outcomes
    )
    # What to do, where there is something to say (an undeclared dimension value: its seed).
    hints = [h for o in failed if (h := o.expectation.hint(o.examples))]
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=name,
        passed=not failed,
        severity=dg.AssetCheckSeverity.ERROR if blocking else dg.AssetCheckSeverity.WARN,
        description="; ".join(hints) or None,
        metadata={
            "expectations": len(outcomes),
            "failed": len(failed),
            "unexpected_rows": sum(o.unexpected_count for o in failed),
            "results": dg.MetadataValue.md(
                "| expectation | result | unexpected rows | examples |\n|---|---|---|---|\n" + rows
            ),
            **(
                {"what_to_do": dg.MetadataValue.md("\n".join(f"- {h}" for h in hints))}
                if hints
                else {}
            ),
        },
    )


raw_checks = [check for source in SOURCES for check in build_source_checks(source)]
