"""The planted suggestion: "chat support in the evening", rising through 2025.

Answers to "How could we exceed your expectations?" (the `suggestion` column) are drawn by the
main generator from a short pool of ideas (texts.SUGGESTIONS). On top of them, in the quarters
of PLANT_RATES, a share of the answers — largest at customer support, rising quarter by
quarter — ask for chat support in the evening, in the answer's language, a few with an e-mail
address the warehouse must mask. tests/python/test_suggestions.py finds the rise in the marts
and in the reports.

Every draw comes from its own random.Random per quarter, seeded from the main seed, and only
the files of the planted quarters change: the main generator's draws, and so every other
file (the earlier quarters' answers, orders, churn, CRM), stay byte for byte what they were.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from . import texts

PLANTED_THEME = "evening_chat"
# Share of a quarter's answers that ask for evening chat, at support and elsewhere.
PLANT_RATES: dict[tuple[int, int], tuple[float, float]] = {
    (2025, 1): (0.02, 0.006),
    (2025, 2): (0.04, 0.012),
    (2025, 3): (0.07, 0.022),
    (2025, 4): (0.11, 0.04),
}
PLANT_TOUCHPOINT = "support"
EMAIL_SHARE = 0.05  # of the planted suggestions: with a contact address to be masked
EVENING_CHAT: dict[str, list[str]] = {
    "fi": [
        "Iltaisin chat-palvelu, kiitos.",
        "Chat-palvelu auki myös iltaisin.",
        "Chat voisi olla auki iltaisin töiden jälkeen.",
    ],
    "en": [
        "Chat support in the evening, please.",
        "Keep the chat open in the evenings.",
        "Evening chat support would help a lot.",
    ],
    "sv": [
        "Chatt på kvällar, tack.",
        "Håll chatten öppen på kvällarna.",
    ],
}


def plant(
    seed: int,
    quarter: tuple[int, int],
    rows: Sequence[list[str]],
    columns: Sequence[str],
) -> None:
    """Write the planted suggestion into a quarter's answer rows in place (no-op elsewhere)."""
    rates = PLANT_RATES.get(quarter)
    if rates is None:
        return
    rng = random.Random(f"{seed}-suggestions-{quarter[0]}-Q{quarter[1]}")
    at = {name: columns.index(name) for name in ("touchpoint", "suggestion", "language")}
    for row in rows:
        rate = rates[0] if row[at["touchpoint"]] == PLANT_TOUCHPOINT else rates[1]
        # Drawn for every row, planted or not, so one row's outcome never shifts another's.
        roll, pick, contact = rng.random(), rng.random(), rng.random()
        name = (rng.choice(texts.FIRST_NAMES), rng.choice(texts.LAST_NAMES))
        domain = rng.choice(texts.EMAIL_DOMAINS)
        if roll >= rate or row[0] == "":
            continue
        language = row[at["language"]] if row[at["language"]] in EVENING_CHAT else "en"
        pool = EVENING_CHAT[language]
        text = pool[int(pick * len(pool))]
        if contact < EMAIL_SHARE:
            email = f"{_ascii(name[0])}.{_ascii(name[1])}@{domain}"
            template = texts.EMAIL_SENTENCES[language][0]
            text = f"{text} {template.format(contact=email)}"
        row[at["suggestion"]] = text


def _ascii(text: str) -> str:
    return text.lower().translate(str.maketrans("äöåé", "aoae")).replace(" ", "")
