"""One language of the report: its code, number style and label texts (locales/<lang>.yml)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from reports.formatting import NumberStyle

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
# Every edition of the report; each page links to the others. A new language is a locale file
# with every key of en.yml, its code here and a `label_<lang>` column in seeds/verbatim_themes.
LANGUAGES: tuple[str, ...] = ("en", "fi", "sv")


@dataclass(frozen=True)
class Locale:
    """One language: its code, number style and label texts (a nested mapping)."""

    lang: str
    numbers: NumberStyle
    text: Mapping[str, Any]


@dataclass(frozen=True)
class Edition:
    """How the other editions name a language: in that language itself (Suomi, Suomeksi)."""

    lang: str
    name: str  # the language's own name, labelling its edition in the index (Svenska)
    link: str  # the language switcher's link to it (På svenska)


def _read(lang: str) -> dict[str, Any]:
    with (LOCALES_DIR / f"{lang}.yml").open(encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.safe_load(fh)
    return data


def load_locale(lang: str) -> Locale:
    """Read `locales/<lang>.yml`."""
    data = _read(lang)
    return Locale(
        lang=data["lang"], numbers=NumberStyle.from_mapping(data["number"]), text=data["text"]
    )


@cache
def editions() -> tuple[Edition, ...]:
    """Every language's edition, in the order of LANGUAGES, named in its own language."""
    out = []
    for lang in LANGUAGES:
        data = _read(lang)
        out.append(Edition(lang, data["language_name"], data["language_link"]))
    return tuple(out)


def other_editions(lang: str) -> tuple[Edition, ...]:
    """The editions a page in `lang` links to: every language but its own."""
    return tuple(e for e in editions() if e.lang != lang)
