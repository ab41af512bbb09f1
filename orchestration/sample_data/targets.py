"""Targets for the sample inbox: the CX team's sheet of result and quality targets, in Finnish.

The planted miss: support's NPS target for the incident quarter (generator.INCIDENT_*), when
the sample's support NPS collapses, so the Targets block of that quarter's report shows a
target missed beyond its interval. The other targets are met on the sample, one of them a year
target judged on the year's pooled score. Two rows are bad on purpose: the loyalty score
called "loyalty" (its code is cls) and a period written as Q3/2025.

Only the owners are drawn, from its own random.Random seeded from the main seed, so the other
sample files stay byte for byte what they were without it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

from . import texts

WriteCsv = Callable[[Path, list[str], list[list[str]]], int]

# Finnish headers on purpose: the sheet is kept in Finnish, seeds/column_aliases.csv maps them.
TARGET_COLUMNS = [
    "mittari", "kohteen_tyyppi", "kohde", "jakso", "tavoite", "huomio", "vastuuhenkilö",
]  # fmt: skip
BAD_METRIC = "loyalty"  # the loyalty score's code is cls
BAD_PERIOD_FORMAT = "Q{quarter}/{year}"  # neither 2025-Q3 nor 2025


def targets(
    out_dir: Path,
    seed: int,
    incident_touchpoint: str,
    incident_quarter: tuple[int, int],
    write_csv: WriteCsv,
) -> int:
    """Write targets/targets_<incident year>.csv; returns the rows written."""
    rng = random.Random(f"{seed}:targets")
    year, quarter = incident_quarter
    this = f"{year}-Q{quarter}"
    following = f"{year}-Q{quarter % 4 + 1}" if quarter < 4 else f"{year + 1}-Q1"
    rows = [
        # The planted miss: support back to a positive NPS in the incident quarter.
        ["nps", "touchpoint", incident_touchpoint, this, "10",
         "Tuen NPS plussalle", "Asiakaspalvelupäällikkö"],
        ["nps", "all", "", this, "10", "Koko asiakaskunta", "CX-tiimi"],
        ["csat", "all", "", this, "70", "", "CX-tiimi"],
        ["ces", "touchpoint", "web", this, "75", "Verkkokaupan helppous", "Verkkotiimi"],
        # A year target: judged on the year's pooled NPS, year to date in each quarter.
        ["nps", "all", "", str(year), "20", "Vuositavoite", "Johtoryhmä"],
        ["csat", "segment", "smb", following, "75", "", "Myyntijohtaja"],
        [BAD_METRIC, "all", "", str(year), "80", "", "CX-tiimi"],
        ["nps", "touchpoint", incident_touchpoint,
         BAD_PERIOD_FORMAT.format(quarter=quarter % 4 + 1, year=year), "20", "", ""],
    ]  # fmt: skip
    for row in rows:
        if row[-1]:  # the role, and who holds it
            row[-1] += f" {rng.choice(texts.FIRST_NAMES)} {rng.choice(texts.LAST_NAMES)}"
    return write_csv(out_dir / "targets" / f"targets_{year}.csv", TARGET_COLUMNS, rows)
