"""Calendar quarters: labels, partition keys and the closed quarters, without importing Dagster.

`orchestration/defs/publish/partitions.py` builds Dagster's quarterly partitions from these;
`make run`'s check before a run (`orchestration/build_state.py`) uses them directly, so it
answers "anything new?" without Dagster's import (~1 s of every `make run`). A test holds the
two to the same range (tests/python/test_quarters.py).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

_LABEL = re.compile(r"^(\d{4})-Q([1-4])$")


def quarter_start(label: str) -> date:
    """'2025-Q2' → date(2025, 4, 1); anything else is refused with the expected form."""
    match = _LABEL.match(label)
    if not match:
        raise ValueError(f"quarter {label!r} is not of the form YYYY-Qn (e.g. 2025-Q2)")
    return date(int(match[1]), 3 * int(match[2]) - 2, 1)


def quarter_label(moment: date | datetime | str) -> str:
    """A partition key ('2025-04-01') or any date inside the quarter → '2025-Q2'."""
    day = date.fromisoformat(moment[:10]) if isinstance(moment, str) else moment
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def partition_key(label: str) -> str:
    """'2025-Q2' → the partition key '2025-04-01'."""
    return quarter_start(label).isoformat()


def closed_quarters_range(first_label: str, timezone: str, now: datetime | None = None) -> str:
    """'2023-01-01...2026-07-01': the first quarter to the last one closed in `timezone`.

    As `dg launch --partition-range` takes it and as Dagster's quarterly partitions (a
    quarter is a partition once it has ended) give it.
    """
    today = (now or datetime.now(ZoneInfo(timezone))).astimezone(ZoneInfo(timezone)).date()
    current = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    last = (
        date(current.year - 1, 10, 1)
        if current.month == 1
        else current.replace(month=current.month - 3)
    )
    first = quarter_start(first_label)
    if last < first:
        raise ValueError(f"no quarter from {first_label} on has ended yet")
    return f"{first.isoformat()}...{last.isoformat()}"
