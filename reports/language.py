"""One language of the report: its code, number style and label texts (locales/<lang>.yml)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from reports.formatting import NumberStyle

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
LANGUAGES: tuple[str, ...] = ("en", "fi")


@dataclass(frozen=True)
class Locale:
    """One language: its code, number style and label texts (a nested mapping)."""

    lang: str
    numbers: NumberStyle
    text: Mapping[str, Any]


def load_locale(lang: str) -> Locale:
    """Read `locales/<lang>.yml`."""
    with (LOCALES_DIR / f"{lang}.yml").open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    return Locale(
        lang=data["lang"], numbers=NumberStyle.from_mapping(data["number"]), text=data["text"]
    )
