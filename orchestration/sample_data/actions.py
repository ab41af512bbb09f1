"""Improvement actions for the sample inbox: a sheet kept by people, with Finnish headers.

The planted action answers the support incident (generator.INCIDENT_*): decided and done in the
incident quarter, so the quarters after it show support's recovery as a measured effect. The
other actions cover every status and target type, one of them overdue and one on a target that
gets no answers. Two rows are bad on purpose (an unknown status, done before decided).

Draws from its own random.Random seeded from the main seed (only owners and an e-mail address
come from it), so the other sample files stay byte for byte what they were without it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from . import texts

WriteCsv = Callable[[Path, list[str], list[list[str]]], int]

# Finnish headers on purpose: the sheet is kept in Finnish, seeds/column_aliases.csv maps them.
ACTION_COLUMNS = [
    "toimenpide_id", "ehdotus_id", "kohteen_tyyppi", "kohde", "toimenpide", "vastuuhenkilö",
    "päätetty", "valmis", "tila",
]  # fmt: skip
BAD_STATUS = "valmis?"  # a Finnish "done?" typed into the status column
TOO_SMALL_TARGET = "chat"  # a touchpoint no survey asks about yet: no answers to measure


@dataclass(frozen=True)
class Action:
    number: int
    target_type: str
    target_value: str
    description: str
    decided: tuple[int, int]  # (quarters after the incident quarter, days into that quarter)
    done: tuple[int, int] | None
    status: str
    proposal: str = ""


def _actions(incident_touchpoint: str) -> list[Action]:
    """Every action of the sheet in row order, the two bad rows among them."""
    support = incident_touchpoint
    return [
        Action(6, "touchpoint", "onboarding", "Käyttöönoton tervetulopuhelu kaikille uusille",
               (-1, 19), None, "in_progress"),
        Action(5, "touchpoint", "billing", "Laskun ulkoasun uudistus",
               (-1, 44), None, "dropped"),
        # The planted action: 15 April decided, 20 June done (with the 2025-Q2 incident).
        Action(1, "touchpoint", support, "Kaksi lisähenkilöä tukeen ja takaisinsoittojono; "
               "yhteys {email}", (0, 14), (0, 80), "done", "touchpoint-{support}-service"),
        Action(2, "driver", "service", "Palvelukoulutus koko asiakaspalvelulle",
               (0, 34), (1, 59), "done", "driver-service"),
        Action(8, "touchpoint", "web", "Verkkokaupan kassan yksinkertaistus",
               (0, 40), (1, 20), BAD_STATUS),
        Action(3, "theme", "support_reachability", "Chat-palvelu auki myös iltaisin",
               (0, 41), (1, 52), "done"),
        Action(7, "touchpoint", TOO_SMALL_TARGET, "Chat-kyselyn pilotti",
               (1, 45), (1, 71), "done"),
        Action(9, "segment", "smb", "Yritysasiakkaiden oma yhteyshenkilö",
               (1, 30), (0, 60), "done"),
        Action(4, "segment", "consumer", "Kuluttaja-asiakkaiden kanta-asiakasedut",
               (2, 1), None, "planned"),
    ]  # fmt: skip


def _quarter_day(incident: tuple[int, int], offset: tuple[int, int]) -> date:
    quarters, days = offset
    index = incident[0] * 4 + incident[1] - 1 + quarters
    return date(index // 4, 3 * (index % 4) + 1, 1) + timedelta(days=days)


def _finnish(day: date) -> str:
    return f"{day.day}.{day.month}.{day.year}"


def improvement_actions(
    out_dir: Path,
    seed: int,
    incident_touchpoint: str,
    incident_quarter: tuple[int, int],
    write_csv: WriteCsv,
) -> int:
    """Write improvement_actions/actions_<incident year>.csv; returns the rows written."""
    rng = random.Random(f"{seed}:improvement_actions")
    year, quarter = incident_quarter
    rows = []
    for action in _actions(incident_touchpoint):
        first, last = rng.choice(texts.FIRST_NAMES), rng.choice(texts.LAST_NAMES)
        email = (first + "." + last).lower().translate(str.maketrans("äöå", "aoa"))
        description = action.description.format(email=f"{email}@example.fi")
        proposal = f"P-{year}-Q{quarter}-{action.proposal}" if action.proposal else ""
        decided = _quarter_day(incident_quarter, action.decided)
        done = _finnish(_quarter_day(incident_quarter, action.done)) if action.done else ""
        rows.append([
            f"A-{year}-{action.number:02d}", proposal.format(support=incident_touchpoint),
            action.target_type, action.target_value, description, f"{first} {last}",
            _finnish(decided), done, action.status,
        ])  # fmt: skip
    return write_csv(out_dir / "improvement_actions" / f"actions_{year}.csv", ACTION_COLUMNS, rows)
