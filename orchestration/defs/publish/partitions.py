"""Calendar quarters in the reporting time zone as Dagster partitions, and their labels.

A partition key is the quarter's first day ("2025-04-01"), Dagster's native time-window key;
`quarter_label` turns it into the label the marts and the reports use ("2025-Q2"). The time
zone is CX_TIMEZONE (`get_settings().timezone`), as in dbt. The first quarter is
a setting (CX_REPORTS_FIRST_QUARTER); the last partition is the last *closed* quarter, so a
quarter still running is never published.
"""

import json

import dagster as dg

from orchestration.quarters import partition_key, quarter_label
from orchestration.settings import get_settings

TIMEZONE = get_settings().timezone
QUARTER_STARTS = "0 0 1 1,4,7,10 *"


quarterly_partitions = dg.TimeWindowPartitionsDefinition(
    cron_schedule=QUARTER_STARTS,
    start=partition_key(get_settings().reports_first_quarter),
    timezone=TIMEZONE,
    fmt="%Y-%m-%d",
)


# The unpartitioned assets of build_all run once per run, whatever quarters the run renders.
# Saying so lets `dg launch --job build_all --partition-range A...B` (make run) run the whole
# job as one run: the CLI refuses a range unless every asset in it runs a range in one run.
ONCE_PER_RUN = dg.BackfillPolicy.single_run()


def quarters_of_window(window: dg.TimeWindow) -> list[str]:
    """The quarter labels inside a partition time window (one quarter or a backfill range)."""
    keys = quarterly_partitions.get_partition_keys_in_time_window(window)
    return [quarter_label(k) for k in keys]


def all_closed_quarters_tags() -> dict[str, str]:
    """Run tags that select every closed quarter: one run renders the whole history."""
    return {
        "dagster/asset_partition_range_start": quarterly_partitions.get_first_partition_key(),
        "dagster/asset_partition_range_end": quarterly_partitions.get_last_partition_key(),
    }


def all_closed_quarters_range() -> str:
    """The same range as `dg launch --partition-range` takes it: '2023-01-01...2025-07-01'."""
    tags = all_closed_quarters_tags()
    return (
        f"{tags['dagster/asset_partition_range_start']}..."
        f"{tags['dagster/asset_partition_range_end']}"
    )


if __name__ == "__main__":  # `make run` passes the range to `dg launch`; --tags the run tags
    import sys

    print(  # noqa: T201
        json.dumps(all_closed_quarters_tags())
        if "--tags" in sys.argv
        else all_closed_quarters_range()
    )
