"""A strategic research survey for the sample inbox: expectations against today, by who answers.

One file per quarter of the window's last year (survey_responses/strategic_<year>-Q<n>.csv),
answered by current customers (active in the CRM all quarter), former customers (churned
before the quarter) and potential customers (ids the CRM does not know). Each answer states how
important five drivers are (importance_<name>, 1–5) and rates today's speed of response
(driver_response_time, 1–5). No NPS, CSAT, CES or loyalty score: the survey adds no answer to
any score headline, and no driver rating that the key-driver model reads (that needs an NPS).

The planted effect: potential customers expect a fast response (importance of response_time
≈ 4.7) well above what current customers get today (performance ≈ 3.3) — the largest gap of
the survey (docs/metrics.md, "Expectations vs today").

Everything is drawn from its own random.Random seeded from the main seed, after every other
file is written, so the other sample files stay byte for byte what they were without it.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

WriteCsv = Callable[[Path, list[str], list[list[str]]], int]

SURVEY = "strategic"
IMPORTANCE_DRIVERS = ["service", "price", "quality", "ease", "response_time"]
STRATEGIC_COLUMNS = [
    "response_id", "customer_id", "survey", "channel", "responded_at", "nps_score",
    *(f"importance_{d}" for d in IMPORTANCE_DRIVERS), "driver_response_time", "language",
]  # fmt: skip
# Answers per quarter and group (fewer former customers when fewer have churned).
PER_QUARTER = {"current": 240, "former": 90, "potential": 120}
# Mean stated importance (1-5) by group and driver; the planted one: potential × response_time.
IMPORTANCE_MEAN = {
    "current": {"service": 4.3, "price": 3.8, "quality": 4.4, "ease": 3.9, "response_time": 3.9},
    "former": {"service": 4.4, "price": 4.2, "quality": 4.3, "ease": 4.0, "response_time": 4.2},
    "potential": {"service": 4.2, "price": 4.0, "quality": 4.3, "ease": 3.9,
                  "response_time": 4.7},
}  # fmt: skip
# Today's speed of response as each group rates it (potential customers: their impression).
PERFORMANCE_MEAN = {"current": 3.3, "former": 2.9, "potential": 3.5}
RATING_SD = 0.75
EMPTY_RATING_SHARE = 0.05
CHANNELS = {"email": 0.7, "web": 0.3}
LANGUAGES = {"fi": 0.70, "en": 0.25, "sv": 0.05}


class CustomerLike(Protocol):
    customer_id: str
    created_at: datetime
    churned_at: datetime | None


def _rating(rng: random.Random, mean: float, may_be_empty: bool = True) -> str:
    if may_be_empty and rng.random() < EMPTY_RATING_SHARE:
        return ""
    return str(max(1, min(5, round(rng.gauss(mean, RATING_SD)))))


def _moment(rng: random.Random, lo: datetime, hi: datetime) -> datetime:
    """A daytime moment (09-17, clear of the DST hour) in [lo, hi), Helsinki local time."""
    day = lo.date() + timedelta(days=rng.randrange((hi.date() - lo.date()).days))
    return datetime(
        day.year, day.month, day.day, rng.randint(9, 16), rng.randrange(60), rng.randrange(60)
    )


def strategic_research(
    out_dir: Path,
    seed: int,
    bounds: Sequence[tuple[datetime, datetime]],
    population: Sequence[CustomerLike],
    write_csv: WriteCsv,
) -> int:
    """Write survey_responses/strategic_<quarter>.csv for each quarter of the window's last
    year (`bounds`: each quarter's start and end, Helsinki local); returns the rows written."""
    rng = random.Random(f"{seed}:strategic")
    last_year = bounds[-1][0].year
    written = 0
    for start, end in bounds:
        if start.year != last_year:
            continue
        quarter = f"{start.year}-Q{(start.month - 1) // 3 + 1}"
        current = [
            c
            for c in population
            if c.created_at < start and (c.churned_at is None or c.churned_at >= end)
        ]
        former = [c for c in population if c.churned_at is not None and c.churned_at < start]
        picked: list[tuple[str, str]] = [
            ("current", c.customer_id)
            for c in rng.sample(current, min(PER_QUARTER["current"], len(current)))
        ]
        picked += [
            ("former", c.customer_id)
            for c in rng.sample(former, min(PER_QUARTER["former"], len(former)))
        ]
        # A prospect's id from the campaign list: no CRM id, and short digit runs (a long one
        # would read as a phone number to the PII checks).
        prefix = f"LEAD-{start.year % 100}Q{(start.month - 1) // 3 + 1}"
        picked += [
            ("potential", f"{prefix}-{i:03d}") for i in range(1, PER_QUARTER["potential"] + 1)
        ]
        rng.shuffle(picked)
        rows = []
        for number, (group, customer_id) in enumerate(picked, start=1):
            at = _moment(rng, start, end)
            rows.append(
                [
                    f"S{quarter.replace('-', '')}-{number:04d}",
                    customer_id,
                    SURVEY,
                    rng.choices(list(CHANNELS), weights=list(CHANNELS.values()))[0],
                    at.isoformat(),
                    "",
                    # The speed of response is always rated: no answer is left without a score.
                    *(
                        _rating(rng, IMPORTANCE_MEAN[group][d], d != "response_time")
                        for d in IMPORTANCE_DRIVERS
                    ),
                    _rating(rng, PERFORMANCE_MEAN[group], may_be_empty=False),
                    rng.choices(list(LANGUAGES), weights=list(LANGUAGES.values()))[0],
                ]
            )
        path = out_dir / "survey_responses" / f"strategic_{quarter}.csv"
        written += write_csv(path, STRATEGIC_COLUMNS, rows)
    return written
