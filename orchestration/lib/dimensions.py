"""The company's own dimensions, declared once in `seeds/dimensions.csv`.

Touchpoints (in the order of the customer journey), channels, surveys (with their type:
relationship or transactional), segments, churn reasons, drivers, our brand and answer
languages: one row per value with its display names in en, fi and sv. The raw layer's
expectations take their allowed values from here, the report its labels and orders, dbt the
same file as a seed (`seeds.dimensions`). docs/contract.md says how to add a value.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from orchestration.settings import PROJECT_DIR

SEED_FILE = PROJECT_DIR / "seeds" / "dimensions.csv"
SEED_NAME = "seeds/dimensions.csv"
DIMENSIONS = (
    "touchpoint",
    "channel",
    "survey",
    "segment",
    "churn_reason",
    "driver",
    "brand",
    "language",
    "respondent_group",
)
SURVEY_TYPES = ("relationship", "transactional")


@dataclass(frozen=True)
class Value:
    dimension: str
    value: str
    position: int
    kind: str
    labels: dict[str, str]


class DimensionSeedError(ValueError):
    """The seed itself is wrong: named row, what is wrong and what is accepted."""


def load() -> dict[str, tuple[Value, ...]]:
    """dimension → its values in declared order (position, then value), from SEED_FILE."""
    return read(SEED_FILE)


@cache
def read(path: Path) -> dict[str, tuple[Value, ...]]:
    """The seed at `path`: dimension → its values in declared order (position, then value)."""
    found: dict[str, list[Value]] = {d: [] for d in DIMENSIONS}
    with path.open(newline="", encoding="utf-8") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            dimension, value = row["dimension"].strip(), row["value"].strip()
            where = f"{path.name} line {line}"
            if dimension not in found:
                raise DimensionSeedError(
                    f"{where}: unknown dimension {dimension!r} (accepted: {', '.join(DIMENSIONS)})"
                )
            if not value:
                raise DimensionSeedError(f"{where}: empty value")
            kind = (row.get("kind") or "").strip()
            if dimension == "survey" and kind not in SURVEY_TYPES:
                raise DimensionSeedError(
                    f"{where}: survey {value!r} needs its kind "
                    f"(accepted: {' or '.join(SURVEY_TYPES)})"
                )
            labels = {
                key.removeprefix("label_"): text.strip()
                for key, text in row.items()
                if key.startswith("label_") and text and text.strip()
            }
            found[dimension].append(
                Value(dimension, value, int(row.get("position") or 0), kind, labels)
            )
    return {d: tuple(sorted(vs, key=lambda v: (v.position, v.value))) for d, vs in found.items()}


def values(dimension: str) -> list[str]:
    """The declared values of a dimension, in order."""
    return [v.value for v in load()[dimension]]


def display(dimension: str, value: object, lang: str) -> str:
    """The value's display name in `lang` (English if that one is missing), else the value."""
    for v in load()[dimension]:
        if v.value == value:
            return v.labels.get(lang) or v.labels.get("en") or v.value
    return str(value)


def order(dimension: str, value: object) -> tuple[int, str, str]:
    """Sort key: declared values in their order first, then the undeclared ones by name."""
    positions = {v.value: i for i, v in enumerate(load()[dimension])}
    text = str(value)
    return (positions.get(text, len(positions)), text.casefold(), text)


def kind(dimension: str, value: object) -> str | None:
    """The declared kind of a value (a survey's type, 'ours' for our brand), else None."""
    return next((v.kind or None for v in load()[dimension] if v.value == value), None)
