"""Mystery-shopping visits and lost-deal interviews for the sample inbox, with planted effects.

Each source draws from its own random.Random seeded from the main seed, so these files never
move a byte of the survey, CRM, order and churn files that the main generator writes.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from . import texts

if TYPE_CHECKING:
    from .generator import Customer

WriteCsv = Callable[[Path, list[str], list[list[str]]], int]
QuarterBounds = Sequence[tuple[datetime, datetime]]  # [start, end) of each quarter, local time

MYSTERY_COLUMNS = [
    "visit_id", "visited_at", "brand", "location", "channel", "item", "score", "max_score",
    "note",
]  # fmt: skip
LOST_DEAL_COLUMNS = [
    "deal_id", "customer_id", "lost_at", "amount", "stated_reason", "real_reason", "competitor",
]  # fmt: skip

# Mystery shopping is a commissioned programme of a fixed size (40 visits per brand and quarter,
# enough for a reportable brand × item cell), whatever the customer count. Lost deals follow the
# sales volume: 5 000 customers give 90 a quarter.
VISITS_PER_QUARTER = 160
LOST_DEALS_PER_1000_CUSTOMERS = 18

OUR_BRAND = "kokemus"
PLANTED_ITEM = "needs_mapping"
PLANTED_COMPETITOR = "Nordia Palvelut Oy"
# Checklist item -> max score. store_look is only scored on store visits.
ITEMS = {"greeting": 2, "needs_mapping": 5, "expertise": 5, "activity": 3, "upsell": 2,
         "store_look": 3}  # fmt: skip
STORE_ONLY_ITEMS = {"store_look"}
# Chance that one scoring point is earned, per brand and item. The planted effect: needs mapping
# is by far our weakest item and the strongest item of PLANTED_COMPETITOR, in every quarter.
ITEM_SUCCESS = {
    OUR_BRAND: {"greeting": 0.85, "needs_mapping": 0.30, "expertise": 0.78, "activity": 0.72,
                "upsell": 0.68, "store_look": 0.80},
    PLANTED_COMPETITOR: {"greeting": 0.78, "needs_mapping": 0.90, "expertise": 0.74,
                         "activity": 0.70, "upsell": 0.62, "store_look": 0.68},
    "Sävel Solutions": {"greeting": 0.70, "needs_mapping": 0.58, "expertise": 0.66,
                        "activity": 0.60, "upsell": 0.50, "store_look": 0.72},
    "Kaleva Direct": {"greeting": 0.80, "needs_mapping": 0.55, "expertise": 0.62,
                      "activity": 0.75, "upsell": 0.70, "store_look": 0.60},
}  # fmt: skip
BRANDS = list(ITEM_SUCCESS)
VISIT_EFFECT_SD = 0.05  # the day's seller and shopper: one shift for all items of a visit
CHANNELS = {"store": 0.5, "phone": 0.25, "web": 0.25}
CHANNEL_HOURS = {"store": (10, 19), "phone": (9, 16), "web": (8, 21)}
LOCATIONS = {"Helsinki": 0.35, "Tampere": 0.2, "Turku": 0.2, "Oulu": 0.15, "Jyväskylä": 0.1}
NOTE_SHARE = {"low": 0.6, "high": 0.2}
CONTACT_NOTE_SHARE = 0.02
BAD_VISITED_AT = "31.2.{year} 14.00"  # 31 February: a date that does not exist

REASONS = ["price", "product_fit", "service", "response_time", "relationship", "timing"]
STATED_REASON = {"price": 0.48, "product_fit": 0.14, "timing": 0.12, "relationship": 0.10,
                 "service": 0.08, "response_time": 0.08}  # fmt: skip
# The planted effect: "price" is the most stated reason, but the follow-up interview mostly
# finds something else behind it.
REAL_WHEN_STATED_PRICE = {"price": 0.28, "service": 0.22, "product_fit": 0.22,
                          "response_time": 0.20, "relationship": 0.08}  # fmt: skip
REAL_EQUALS_STATED_SHARE = 0.8  # for the other stated reasons
NOT_INTERVIEWED_SHARE = 0.1  # no follow-up interview: real_reason stays empty
PROSPECT_SHARE = 0.6
NO_COMPETITOR_SHARE = 0.15
COMPETITOR_WEIGHTS = dict(zip(texts.COMPETITORS, [0.3, 0.2, 0.15, 0.15, 0.1, 0.1], strict=True))
DEAL_EUR_MEDIAN = {"prospect": 3000.0, "customer": 1800.0}
EMPTY_AMOUNT_SHARE = 0.03
FINNISH_DATE_SHARE = 0.05
BAD_AMOUNT = "abc"


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _day_in(rng: random.Random, start: datetime, end: datetime) -> date:
    return start.date() + timedelta(days=rng.randrange((end - start).days))


def _contact(rng: random.Random) -> tuple[str, bool]:
    """A seller's phone number or e-mail address; True when it is a phone number."""
    if rng.random() < 0.5:
        prefix = rng.choice(["040", "044", "050"])
        return f"{prefix} {rng.randrange(1000):03d} {rng.randrange(10000):04d}", True
    first, last = rng.choice(texts.FIRST_NAMES), rng.choice(texts.LAST_NAMES)
    plain = (first + "." + last).lower().translate(str.maketrans("äöå", "aoa"))
    return f"{plain}@{rng.choice(texts.EMAIL_DOMAINS)}", False


def _note(rng: random.Random, item: str, score: int, max_score: int) -> str:
    if rng.random() < CONTACT_NOTE_SHARE:
        contact, is_phone = _contact(rng)
        # The second template asks to call, so it only fits a phone number.
        templates = texts.SHOPPER_CONTACT_NOTES if is_phone else texts.SHOPPER_CONTACT_NOTES[:1]
        return rng.choice(templates).format(contact=contact)
    level = "low" if score < max_score / 2 else "high"
    if level == "high" and score < max_score:
        return ""
    if rng.random() >= NOTE_SHARE[level]:
        return ""
    return rng.choice(texts.SHOPPER_NOTES[item][level])


def _visit_rows(
    rng: random.Random, number: int, brand: str, at: datetime, channel: str, location: str
) -> list[list[str]]:
    visit_id = f"V{number:06d}"
    shift = rng.gauss(0.0, VISIT_EFFECT_SD)
    rows = []
    for item, max_score in ITEMS.items():
        if item in STORE_ONLY_ITEMS and channel != "store":
            continue
        chance = min(0.98, max(0.02, ITEM_SUCCESS[brand][item] + shift))
        score = sum(rng.random() < chance for _ in range(max_score))
        note = _note(rng, item, score, max_score)
        values = [brand, location, channel, item, str(score), str(max_score), note]
        rows.append([visit_id, at.isoformat(), *values])
    return rows


def mystery_shopping(out_dir: Path, seed: int, quarters: QuarterBounds, write_csv: WriteCsv) -> int:
    """Write mystery_shopping/visits_<YYYY>.csv; returns the rows written."""
    rng = random.Random(f"{seed}:mystery_shopping")
    visits: list[tuple[datetime, str, str, str]] = []
    for start, end in quarters:
        for index in range(VISITS_PER_QUARTER):
            channel = _pick(rng, CHANNELS)
            first_hour, last_hour = CHANNEL_HOURS[channel]
            day = _day_in(rng, start, end)
            hour = rng.randint(first_hour, last_hour)
            at = datetime(day.year, day.month, day.day, hour, rng.randrange(60))
            # Brands take turns so that every brand gets the same number of visits a quarter.
            visits.append((at, BRANDS[index % len(BRANDS)], channel, _pick(rng, LOCATIONS)))
    visits.sort()
    by_year: dict[int, list[list[str]]] = {}
    for number, (at, brand, channel, location) in enumerate(visits, start=1):
        by_year.setdefault(at.year, []).extend(
            _visit_rows(rng, number, brand, at, channel, location)
        )
    # The planted bad row: a visit form saved with an impossible date, in the middle year.
    years = sorted({start.year for start, _ in quarters})
    bad_year = years[len(years) // 2]
    rows = by_year.setdefault(bad_year, [])
    visited_at = BAD_VISITED_AT.format(year=bad_year)
    bad = [f"V{len(visits) + 1:06d}", visited_at, BRANDS[1], "Turku", "store", "greeting", "1",
           "2", ""]  # fmt: skip
    rows.insert(len(rows) // 2, bad)
    return sum(
        write_csv(out_dir / "mystery_shopping" / f"visits_{year}.csv", MYSTERY_COLUMNS, rows)
        for year, rows in sorted(by_year.items())
    )


def _real_reason(rng: random.Random, stated: str) -> str:
    if rng.random() < NOT_INTERVIEWED_SHARE:
        return ""
    if stated == "price":
        return _pick(rng, REAL_WHEN_STATED_PRICE)
    if rng.random() < REAL_EQUALS_STATED_SHARE:
        return stated
    return rng.choice([r for r in REASONS if r != stated])


def _deal_customer(rng: random.Random, population: Sequence[Customer], day: date) -> str:
    """An existing customer active on that day (a lost renewal or extension), else a prospect."""
    moment = datetime.combine(day, datetime.max.time())
    if population and rng.random() >= PROSPECT_SHARE:
        for _ in range(50):
            customer = rng.choice(population)
            churned = customer.churned_at
            if customer.created_at < moment and (churned is None or churned.date() > day):
                return customer.customer_id
    return ""


def _lost_at(rng: random.Random, day: date) -> str:
    if rng.random() < FINNISH_DATE_SHARE:
        return f"{day.day}.{day.month}.{day.year}"
    return day.isoformat()


def lost_deals(
    out_dir: Path,
    seed: int,
    quarters: QuarterBounds,
    population: Sequence[Customer],
    write_csv: WriteCsv,
) -> int:
    """Write lost_deals/lost_deals_<YYYY>.csv; returns the rows written."""
    rng = random.Random(f"{seed}:lost_deals")
    per_quarter = max(1, round(LOST_DEALS_PER_1000_CUSTOMERS * len(population) / 1000))
    deals: list[tuple[date, str, str, str, str, str]] = []
    for start, end in quarters:
        for _ in range(per_quarter):
            day = _day_in(rng, start, end)
            customer_id = _deal_customer(rng, population, day)
            median = DEAL_EUR_MEDIAN["customer" if customer_id else "prospect"]
            amount = rng.lognormvariate(math.log(median), 0.9)
            stated = _pick(rng, STATED_REASON)
            shown = "" if rng.random() < EMPTY_AMOUNT_SHARE else f"{amount:.2f}"
            real = _real_reason(rng, stated)
            competitor = (
                "" if rng.random() < NO_COMPETITOR_SHARE else _pick(rng, COMPETITOR_WEIGHTS)
            )
            deals.append((day, customer_id, shown, stated, real, competitor))
    deals.sort(key=lambda d: d[0])
    by_year: dict[int, list[list[str]]] = {}
    for number, (day, customer_id, amount, stated, real, competitor) in enumerate(deals, 1):
        by_year.setdefault(day.year, []).append(
            [f"D{number:06d}", customer_id, _lost_at(rng, day), amount, stated, real, competitor]
        )
    # The planted bad row: an amount that is not a number, in the middle year.
    years = sorted({start.year for start, _ in quarters})
    bad_year = years[len(years) // 2]
    rows = by_year.setdefault(bad_year, [])
    bad_day = next(start for start, _ in quarters if start.year == bad_year).date()
    bad = [f"D{len(deals) + 1:06d}", "", bad_day.isoformat(), BAD_AMOUNT, "price", "service",
           texts.COMPETITORS[0]]  # fmt: skip
    rows.insert(len(rows) // 2, bad)
    return sum(
        write_csv(out_dir / "lost_deals" / f"lost_deals_{year}.csv", LOST_DEAL_COLUMNS, rows)
        for year, rows in sorted(by_year.items())
    )
