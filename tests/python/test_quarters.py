"""`make run`'s closed-quarter range, computed without Dagster, is Dagster's own partition range."""

from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from orchestration.defs.publish.partitions import TIMEZONE, quarterly_partitions
from orchestration.quarters import closed_quarters_range
from orchestration.settings import get_settings

HELSINKI = ZoneInfo("Europe/Helsinki")


@pytest.mark.parametrize(
    ("now", "expected_last"),
    [
        (datetime(2026, 12, 5, 11, 0, tzinfo=HELSINKI), "2026-07-01"),
        (datetime(2026, 10, 1, 0, 30, tzinfo=HELSINKI), "2026-07-01"),  # Q3 ended 30 min ago
        (datetime(2026, 9, 30, 23, 59, tzinfo=HELSINKI), "2026-04-01"),  # Q3 still running
        (datetime(2026, 1, 1, 0, 30, tzinfo=HELSINKI), "2025-10-01"),  # still 2025 in UTC
        (datetime(2026, 3, 31, 22, 0, tzinfo=ZoneInfo("UTC")), "2026-01-01"),  # April in Helsinki
    ],
)
def test_the_closed_quarters_are_dagsters_partitions(now: datetime, expected_last: str) -> None:
    settings = get_settings()
    assert TIMEZONE == settings.timezone == "Europe/Helsinki"
    ours = closed_quarters_range(settings.reports_first_quarter, settings.timezone, now)
    first = quarterly_partitions.get_first_partition_key()
    with dg.partition_loading_context(effective_dt=now):
        last = quarterly_partitions.get_last_partition_key()
    assert ours == f"{first}...{last}"
    assert last == expected_last
