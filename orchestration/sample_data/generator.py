"""Simulates customers quarter by quarter and writes the raw CSV exports with planted effects."""

from __future__ import annotations

import csv
import logging
import math
import os
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from statistics import NormalDist
from zoneinfo import ZoneInfo

from . import actions, research, strategic, suggestions, targets, texts

log = logging.getLogger(__name__)

HELSINKI = ZoneInfo("Europe/Helsinki")

RESPONSE_COLUMNS = [
    "response_id", "customer_id", "survey", "touchpoint", "channel", "responded_at",
    "nps_score", "csat_score", "ces_score", "ces_scale", "loyalty_score", "driver_service",
    "driver_price", "driver_quality", "driver_ease", "comment", "suggestion", "language",
]  # fmt: skip
CUSTOMER_COLUMNS = [
    "customer_id", "customer_name", "email", "phone", "segment", "region", "industry",
    "created_at", "updated_at",
]  # fmt: skip
ORDER_COLUMNS = ["order_id", "customer_id", "ordered_at", "amount", "currency", "status"]
CHURN_COLUMNS = ["customer_id", "churned_at", "reason_code", "reason_text", "competitor"]
DRIVERS = ["service", "price", "quality", "ease"]

# Volumes: 5 000 customers x 12 quarters gives ~60 000 responses and ~100 000 orders.
RESPONSES_PER_CUSTOMER_QUARTER = 1.0
ORDERS_PER_CUSTOMER_QUARTER = 20 / 12
ANONYMOUS_SHARE = 0.05
NON_RESPONDER_SHARE = 0.2  # never answer: the churn baseline group
HISTORY_QUARTERS = 8  # customers already exist this long before the simulated window
# Share of customers created inside the window; sized so that new customers roughly replace the
# churned ones and the active base stays about flat.
NEW_CUSTOMER_SHARE = 0.25

SEGMENTS = {"enterprise": 0.10, "smb": 0.30, "consumer": 0.50, "public": 0.10}
# Shift of the latent service experience (on the 1-5 driver scale): enterprise customers get
# account managers, consumers queue; this is what separates segment NPS by ~55 points.
SEGMENT_SERVICE_SHIFT = {"enterprise": 0.55, "smb": 0.15, "consumer": -0.35, "public": 0.05}
SEGMENT_ORDER_RATE = {"enterprise": 2.5, "smb": 1.5, "consumer": 0.8, "public": 1.5}
SEGMENT_ORDER_EUR = {"enterprise": 4000.0, "smb": 600.0, "consumer": 60.0, "public": 1500.0}
SEGMENT_CHANGE = {"enterprise": "smb", "smb": "enterprise", "public": "enterprise",
                  "consumer": "smb"}  # fmt: skip
REGIONS = {"Uusimaa": 0.40, "Pirkanmaa": 0.18, "Varsinais-Suomi": 0.16,
           "Pohjois-Pohjanmaa": 0.14, "Keski-Suomi": 0.12}  # fmt: skip
LANGUAGES = {"fi": 0.70, "en": 0.25, "sv": 0.05}
SEGMENT_CHANGE_SHARE = 0.032
REGION_CHANGE_SHARE = 0.015

# Fairly even so that no touchpoint-quarter cell is small enough to wobble on its own.
TOUCHPOINTS = {"support": 0.22, "web": 0.17, "sales": 0.16, "billing": 0.15, "store": 0.15,
               "onboarding": 0.15}  # fmt: skip
SURVEYS_BY_TOUCHPOINT = {
    "support": {"post_service": 0.8, "relationship": 0.2},
    "billing": {"post_service": 0.6, "relationship": 0.4},
    "sales": {"post_sale": 0.8, "relationship": 0.2},
    "web": {"post_sale": 0.6, "relationship": 0.4},
    "store": {"post_sale": 0.6, "post_service": 0.4},
    "onboarding": {"onboarding": 1.0},
}
CHANNELS_BY_TOUCHPOINT = {
    "support": {"phone": 0.4, "email": 0.35, "sms": 0.25},
    "billing": {"email": 0.6, "web": 0.3, "sms": 0.1},
    "sales": {"email": 0.5, "phone": 0.3, "sms": 0.2},
    "web": {"web": 0.8, "email": 0.2},
    "store": {"in_store": 0.7, "sms": 0.3},
    "onboarding": {"email": 0.7, "web": 0.3},
}
# The planted incident: support's service collapses for one quarter and then recovers.
INCIDENT_TOUCHPOINT = "support"
INCIDENT_QUARTER = (2025, 2)
INCIDENT_SERVICE_SHIFT = -0.9

SERVICE_BASE = 4.25
# NPS (0-10) is a near-linear function of the service experience: 5 -> 10, 4 -> 8, 3 -> 6.
NPS_SLOPE = 2.0
NPS_INTERCEPT = 0.0
SERVICE_NOISE_SD = 0.85
SERVICE_RATING_NOISE_SD = 0.4
NPS_NOISE_SD = 0.4
CUSTOMER_OFFSET_SD = 0.2
EXPERIENCE_MEAN = sum(w * SEGMENT_SERVICE_SHIFT[s] for s, w in SEGMENTS.items())
EXPERIENCE_SD = math.sqrt(
    sum(w * (SEGMENT_SERVICE_SHIFT[s] - EXPERIENCE_MEAN) ** 2 for s, w in SEGMENTS.items())
    + CUSTOMER_OFFSET_SD**2
    + SERVICE_NOISE_SD**2
)

# Per-quarter churn probability by the NPS group of the customer's last answer before the quarter.
CHURN_RATE = {"promoter": 0.012, "passive": 0.022, "detractor": 0.055, None: 0.022}
CHURN_REASON_WEIGHTS = {
    "detractor": {"service": 0.35, "price": 0.25, "competitor": 0.2, "product": 0.1,
                  "moved": 0.03, "other": 0.07},
    "other": {"price": 0.2, "moved": 0.25, "competitor": 0.15, "product": 0.1, "service": 0.1,
              "other": 0.2},
}  # fmt: skip

ORDER_STATUS = {"completed": 0.90, "refunded": 0.05, "cancelled": 0.05}
# Daytime hours only: also keeps generated local times clear of the 03:00-04:00 DST gap/overlap.
HOUR_WEIGHTS = dict(
    zip(range(7, 23), [1, 3, 5, 7, 8, 8, 8, 8, 8, 7, 6, 5, 5, 4, 3, 2], strict=True)
)

FINNISH_DATE_SHARE = 0.02
OFFSET_DATE_SHARE = 0.01
EMPTY_SCORE_SHARE = {"nps_score": 0.04, "csat_score": 0.05, "ces_score": 0.07,
                     "loyalty_score": 0.06, "driver_service": 0.05, "driver_price": 0.06,
                     "driver_quality": 0.05, "driver_ease": 0.04}  # fmt: skip
EMPTY_COMMENT_SHARE = 0.3
MULTILINE_SHARE = 0.04  # of comments with two or more sentences
PII_EMAIL_SHARE = 0.02
PII_PHONE_SHARE = 0.02
SUGGESTION_SHARE = 0.15

BAD_RESPONSE_KINDS = ["nps_out_of_range", "unparseable_date", "empty_response_id", "no_scores"]
BAD_ORDER_AMOUNT = "abc"

_NORMAL = NormalDist()
_HOURS = list(HOUR_WEIGHTS)
_HOUR_CUM = list(accumulate(HOUR_WEIGHTS.values()))


@dataclass(slots=True)
class Customer:
    """One simulated customer; the change fields drive the two CRM snapshots."""

    created_at: datetime
    segment: str
    region: str
    language: str
    offset: float
    response_weight: float
    order_weight: float
    customer_id: str = ""
    name: str = ""
    email: str = ""
    phone: str = ""
    industry: str = ""
    updated_at: datetime | None = None
    churned_at: datetime | None = None
    segment_change: tuple[datetime, str] | None = None
    region_change: tuple[datetime, str] | None = None
    last_nps: int | None = None

    def segment_at(self, moment: datetime) -> str:
        if self.segment_change and moment >= self.segment_change[0]:
            return self.segment_change[1]
        return self.segment


@dataclass(slots=True)
class Response:
    """One survey answer before formatting; `bad` marks the planted quarantine rows."""

    customer: Customer | None
    at: datetime
    touchpoint: str
    survey: str
    channel: str
    language: str
    segment: str
    offset: float
    quarter: tuple[int, int]
    force_iso: bool = False
    bad: str = ""
    scores: dict[str, int | None] = field(default_factory=dict)
    nps_latent: float = 0.0
    response_id: str = ""


@dataclass(slots=True)
class Order:
    """One order line total; the id is given once all years are known, in time order."""

    customer: Customer
    at: datetime
    amount: str
    status: str
    order_id: str = ""


def parse_quarter(text: str) -> tuple[int, int]:
    """'2023-Q1' -> (2023, 1)."""
    try:
        year_text, q_text = text.upper().split("-Q")
        year, quarter = int(year_text), int(q_text)
    except ValueError:
        raise ValueError(f"quarter must look like 2023-Q1, got {text!r}") from None
    if not 1 <= quarter <= 4:
        raise ValueError(f"quarter must be Q1..Q4, got {text!r}")
    return year, quarter


def _shift_quarter(quarter: tuple[int, int], n: int) -> tuple[int, int]:
    index = quarter[0] * 4 + quarter[1] - 1 + n
    return index // 4, index % 4 + 1


def _quarter_start(quarter: tuple[int, int]) -> datetime:
    return datetime(quarter[0], 3 * (quarter[1] - 1) + 1, 1)


def _pick(rng: random.Random, weights: dict) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _clamp_round(x: float, lo: int, hi: int) -> int:
    return max(lo, min(hi, math.floor(x + 0.5)))


def _random_time(rng: random.Random, lo: datetime, hi: datetime) -> datetime:
    """A Helsinki-local moment in [lo, hi), during the day when the window allows it."""
    span_days = (hi.date() - lo.date()).days
    for _ in range(8):
        day = lo.date() + timedelta(days=rng.randint(0, span_days))
        hour = rng.choices(_HOURS, cum_weights=_HOUR_CUM)[0]
        moment = datetime(day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60))
        if lo <= moment < hi:
            return moment
    seconds = int((hi - lo).total_seconds())
    moment = lo + timedelta(seconds=rng.randrange(seconds)) if seconds > 0 else lo
    if _in_dst_transition(moment) and moment + timedelta(hours=1) < hi:
        # A wall-clock time that is skipped or repeated would make the no-offset form ambiguous.
        moment += timedelta(hours=1)
    return moment


def _in_dst_transition(moment: datetime) -> bool:
    summer, winter = (moment.replace(tzinfo=HELSINKI, fold=f).utcoffset() for f in (0, 1))
    return summer != winter


def _ascii(text: str) -> str:
    return text.lower().translate(str.maketrans("äöåé", "aoae")).replace(" ", "")


def _mobile(rng: random.Random) -> tuple[str, str]:
    """A Finnish mobile number as (prefix without 0, seven digits)."""
    return rng.choice(["40", "41", "44", "45", "50"]), f"{rng.randrange(10**7):07d}"


def _crm_phone(rng: random.Random) -> str:
    prefix, digits = _mobile(rng)
    style = rng.random()
    if style < 0.4:
        return f"0{prefix} {digits}"
    if style < 0.7:
        return f"+358 {prefix} {digits}"
    if style < 0.9:
        return f"0{prefix}-{digits[:3]} {digits[3:]}"
    return f"+358{prefix}{digits}"


def _comment_phone(rng: random.Random) -> str:
    prefix, digits = _mobile(rng)
    style = rng.random()
    if style < 0.4:
        return f"0{prefix} {digits[:3]} {digits[3:]}"
    if style < 0.75:
        return f"+358 {prefix} {digits}"
    if style < 0.9:
        return f"+44 20 7946 0{rng.randrange(1000):03d}"
    return f"+46 70 {rng.randrange(1000):03d} {rng.randrange(100):02d} {rng.randrange(100):02d}"


def _person_email(rng: random.Random, first: str, last: str) -> str:
    return f"{_ascii(first)}.{_ascii(last)}@{rng.choice(texts.EMAIL_DOMAINS)}"


def _name_customer(rng: random.Random, customer: Customer) -> None:
    first, last = rng.choice(texts.FIRST_NAMES), rng.choice(texts.LAST_NAMES)
    if customer.segment == "consumer":
        customer.name = f"{first} {last}"
    elif customer.segment == "public":
        city = rng.choice(texts.REGION_CITIES[customer.region])
        customer.name = rng.choice(texts.PUBLIC_BODIES).format(city=city)
        customer.industry = rng.choice(texts.PUBLIC_INDUSTRIES)
    elif customer.segment == "enterprise":
        prefix = rng.choice(texts.PLACE_PREFIXES + texts.LAST_NAMES)
        customer.name = f"{prefix} {rng.choice(texts.ENTERPRISE_WORDS)} {rng.choice(['Oyj', 'Oy'])}"
        customer.industry = rng.choice(texts.COMPANY_INDUSTRIES)
    else:
        owner = rng.choice(texts.LAST_NAMES + texts.PLACE_PREFIXES)
        form = rng.choice(["Oy", "Oy", "Ky", "Tmi"])
        customer.name = f"{owner} {rng.choice(texts.TRADES)} {form}"
        customer.industry = rng.choice(texts.COMPANY_INDUSTRIES)
    # Companies are reached through a contact person, hence a person's address for everyone.
    customer.email = "" if rng.random() < 0.03 else _person_email(rng, first, last)
    customer.phone = "" if rng.random() < 0.05 else _crm_phone(rng)


def _make_customers(
    rng: random.Random, n: int, first: tuple[int, int], window_end: datetime, first_snapshot: date
) -> list[Customer]:
    window_start = _quarter_start(first)
    history_start = _quarter_start(_shift_quarter(first, -HISTORY_QUARTERS))
    n_new = round(n * NEW_CUSTOMER_SHARE)
    customers = []
    for i in range(n):
        lo, hi = (window_start, window_end) if i < n_new else (history_start, window_start)
        segment = _pick(rng, SEGMENTS)
        customers.append(
            Customer(
                created_at=_random_time(rng, lo, hi),
                segment=segment,
                region=_pick(rng, REGIONS),
                language=_pick(rng, LANGUAGES),
                offset=rng.gauss(0.0, CUSTOMER_OFFSET_SD),
                response_weight=0.0
                if rng.random() < NON_RESPONDER_SHARE
                else rng.gammavariate(2.0, 0.5),
                order_weight=SEGMENT_ORDER_RATE[segment] * rng.gammavariate(2.0, 0.5),
            )
        )
    customers.sort(key=lambda c: c.created_at)
    snapshot_end = datetime.combine(first_snapshot + timedelta(days=1), datetime.min.time())
    for number, customer in enumerate(customers, start=1):
        customer.customer_id = f"C{number:06d}"
        _name_customer(rng, customer)
        # CRM records get touched after creation (address fixes, contact changes).
        cap = snapshot_end if customer.created_at < snapshot_end else window_end
        customer.updated_at = _random_time(
            rng, customer.created_at, min(customer.created_at + timedelta(days=365), cap)
        )
        if customer.created_at < snapshot_end and snapshot_end < window_end:
            if rng.random() < SEGMENT_CHANGE_SHARE:
                moment = _random_time(rng, snapshot_end, window_end)
                customer.segment_change = (moment, SEGMENT_CHANGE[customer.segment])
            if rng.random() < REGION_CHANGE_SHARE:
                moment = _random_time(rng, snapshot_end, window_end)
                others = [r for r in REGIONS if r != customer.region]
                customer.region_change = (moment, rng.choice(others))
    return customers


def _nps_group(score: int | None) -> str | None:
    if score is None:
        return None
    return "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"


def _cell_experiences(rng: random.Random, cell: Sequence[Response]) -> list[float]:
    """Latent service experience for each answer of one touchpoint-quarter cell.

    Answers are ranked by their own traits (segment, customer, noise) and handed stratified normal
    quantiles in that order: segment and customer effects survive, while the cell's score mix is
    pinned to its expectation, so the planted support dip stands out against steady neighbours
    even on a 0.3x dataset.
    """
    n = len(cell)
    keys = [_experience_key(rng, r) for r in cell]
    quantiles = sorted(_NORMAL.inv_cdf(max((k + rng.random()) / n, 1e-9)) for k in range(n))
    experiences = [0.0] * n
    for rank, index in enumerate(sorted(range(n), key=keys.__getitem__)):
        experiences[index] = EXPERIENCE_MEAN + EXPERIENCE_SD * quantiles[rank]
    return experiences


def _experience_key(rng: random.Random, response: Response) -> float:
    shift = SEGMENT_SERVICE_SHIFT[response.segment] + response.offset
    return shift + rng.gauss(0.0, SERVICE_NOISE_SD)


def _score(rng: random.Random, response: Response, experience: float) -> None:
    """Fill the scores from the latent experience (offset from SERVICE_BASE on the 1-5 scale)."""
    if (response.touchpoint, response.quarter) == (INCIDENT_TOUCHPOINT, INCIDENT_QUARTER):
        experience += INCIDENT_SERVICE_SHIFT
    # One latent experience drives both driver_service and the NPS answer; their own noises stay
    # small, so the (stratified) experience rather than coin flips sets a cell's NPS.
    latent = SERVICE_BASE + experience
    service = _clamp_round(latent + rng.gauss(0.0, SERVICE_RATING_NOISE_SD), 1, 5)
    nps_latent = NPS_SLOPE * latent + NPS_INTERCEPT + rng.gauss(0.0, NPS_NOISE_SD)
    # Other drivers lean only slightly on the service experience: a weak, realistic correlation
    # that leaves driver_service as the one dominant driver.
    tilt = latent - SERVICE_BASE
    price = _clamp_round(3.1 + 0.1 * tilt + rng.gauss(0.0, 1.0), 1, 5)
    quality = _clamp_round(3.7 + 0.15 * tilt + rng.gauss(0.0, 0.9), 1, 5)
    ease = _clamp_round(3.8 + 0.15 * tilt + rng.gauss(0.0, 0.9), 1, 5)
    response.nps_latent = nps_latent
    response.scores = {
        "nps_score": _clamp_round(nps_latent, 0, 10),
        "csat_score": _clamp_round(0.9 + 0.42 * nps_latent + rng.gauss(0.0, 0.6), 1, 5),
        "ces_score": _clamp_round(1.6 + 0.5 * nps_latent + rng.gauss(0.0, 0.9), 1, 7),
        "loyalty_score": _clamp_round(1.0 + 0.38 * nps_latent + rng.gauss(0.0, 0.7), 1, 5),
        "driver_service": service,
        "driver_price": price,
        "driver_quality": quality,
        "driver_ease": ease,
    }
    for column, share in EMPTY_SCORE_SHARE.items():
        if rng.random() < share:
            response.scores[column] = None
    if all(value is None for value in response.scores.values()):
        # A valid row must carry a score; only the planted bad row goes without.
        response.scores["nps_score"] = _clamp_round(nps_latent, 0, 10)


def _sentiment(response: Response) -> str:
    scores = response.scores
    if scores.get("nps_score") is not None:
        nps = scores["nps_score"]
        return "positive" if nps >= 9 else "neutral" if nps >= 7 else "negative"
    return (
        "positive"
        if response.nps_latent >= 8.5
        else ("neutral" if response.nps_latent >= 6.5 else "negative")
    )


def _comment(rng: random.Random, response: Response) -> str:
    if rng.random() < EMPTY_COMMENT_SHARE:
        return ""
    pools = texts.COMMENTS[response.language]
    mood = _sentiment(response)
    pool = pools[mood]
    incident = (response.touchpoint, response.quarter) == (INCIDENT_TOUCHPOINT, INCIDENT_QUARTER)
    if mood == "negative" and incident and rng.random() < 0.7:
        pool = pools["incident"]
    sentences = [rng.choice(pool)]
    if rng.random() < 0.25:
        sentences.append(rng.choice(pools[mood]))
    roll = rng.random()
    if roll < PII_EMAIL_SHARE:
        customer = response.customer
        email = (
            customer.email
            if customer and customer.email and rng.random() < 0.5
            else _person_email(rng, rng.choice(texts.FIRST_NAMES), rng.choice(texts.LAST_NAMES))
        )
        template = rng.choice(texts.EMAIL_SENTENCES[response.language])
        sentences.append(template.format(contact=email))
    elif roll < PII_EMAIL_SHARE + PII_PHONE_SHARE:
        template = rng.choice(texts.PHONE_SENTENCES[response.language])
        sentences.append(template.format(contact=_comment_phone(rng)))
    separator = "\n" if len(sentences) > 1 and rng.random() < MULTILINE_SHARE else " "
    return separator.join(sentences)


def _format_responded_at(rng: random.Random, response: Response) -> str:
    moment = response.at
    roll = rng.random()
    if response.force_iso or roll >= FINNISH_DATE_SHARE + OFFSET_DATE_SHARE:
        return moment.isoformat()
    if roll < FINNISH_DATE_SHARE:
        truncated = moment.replace(second=0)
        # Dropping the seconds must not move an answer before its customer existed.
        if response.customer is None or truncated >= response.customer.created_at:
            return f"{moment.day}.{moment.month}.{moment.year} {moment.hour}.{moment.minute:02d}"
        return moment.isoformat()
    return moment.replace(tzinfo=HELSINKI).astimezone(UTC).isoformat()


def _response_row(rng: random.Random, response: Response) -> list[str]:
    scores = {k: "" if v is None else str(v) for k, v in response.scores.items()}
    if response.bad == "nps_out_of_range":
        scores["nps_score"] = "11"
    if response.bad == "no_scores":
        scores = {k: "" for k in scores}
    responded_at = _format_responded_at(rng, response)
    if response.bad == "unparseable_date":
        responded_at = "not-a-date"
    comment = _comment(rng, response)
    suggestion = (
        rng.choice(texts.SUGGESTIONS[response.language]) if rng.random() < SUGGESTION_SHARE else ""
    )
    ces_scale = "" if rng.random() < 0.05 else "1-7"
    return [
        "" if response.bad == "empty_response_id" else response.response_id,
        response.customer.customer_id if response.customer else "",
        response.survey,
        response.touchpoint,
        response.channel,
        responded_at,
        scores["nps_score"],
        scores["csat_score"],
        scores["ces_score"],
        ces_scale,
        scores["loyalty_score"],
        *(scores[f"driver_{d}"] for d in DRIVERS),
        comment,
        suggestion,
        response.language,
    ]


def _active_windows(
    customers: Sequence[Customer], start: datetime, end: datetime
) -> list[tuple[Customer, datetime, datetime]]:
    windows = []
    for customer in customers:
        lo = max(start, customer.created_at)
        hi = min(end, customer.churned_at) if customer.churned_at else end
        if lo < hi:
            windows.append((customer, lo, hi))
    return windows


def _simulate_churn(
    rng: random.Random, customers: Sequence[Customer], start: datetime, end: datetime
) -> list[tuple[Customer, str]]:
    churned = []
    for customer in customers:
        if customer.created_at >= start or customer.churned_at is not None:
            continue
        group = _nps_group(customer.last_nps)
        if rng.random() < CHURN_RATE[group]:
            customer.churned_at = _random_time(rng, start, end)
            churned.append((customer, group or ""))
    return churned


def _simulate_responses(
    rng: random.Random,
    windows: list[tuple[Customer, datetime, datetime]],
    quarter: tuple[int, int],
    count: int,
    bad_kinds: Sequence[str],
) -> list[Response]:
    start = _quarter_start(quarter)
    end = _quarter_start(_shift_quarter(quarter, 1))
    quarter_seconds = (end - start).total_seconds()
    responders = [w for w in windows if w[0].response_weight > 0]
    cum, total = [], 0.0
    for customer, lo, hi in responders:
        total += customer.response_weight * (hi - lo).total_seconds() / quarter_seconds
        cum.append(total)

    def stub(customer: Customer | None, at: datetime) -> Response:
        touchpoint = _pick(rng, TOUCHPOINTS)
        if customer is None:
            language, segment = _pick(rng, LANGUAGES), _pick(rng, SEGMENTS)
            offset = rng.gauss(0.0, CUSTOMER_OFFSET_SD)
        else:
            language, segment, offset = customer.language, customer.segment_at(at), customer.offset
        return Response(
            customer=customer,
            at=at,
            touchpoint=touchpoint,
            survey=_pick(rng, SURVEYS_BY_TOUCHPOINT[touchpoint]),
            channel=_pick(rng, CHANNELS_BY_TOUCHPOINT[touchpoint]),
            language=language,
            segment=segment,
            offset=offset,
            quarter=quarter,
        )

    responses = []
    # An answer in the first two hours of the quarter, local time: still the previous quarter
    # in UTC, so it catches a loader that assigns quarters before converting to Helsinki time.
    early = [w for w in responders if w[1] == start and w[2] > start + timedelta(hours=2)]
    if early:
        response = stub(rng.choice(early)[0], start + timedelta(seconds=rng.randrange(60, 7140)))
        response.force_iso = True
        responses.append(response)
    n_known = sum(rng.random() >= ANONYMOUS_SHARE for _ in range(count - len(responses)))
    n_known = n_known if responders else 0
    for _ in range(count - len(responses) - n_known):
        responses.append(stub(None, _random_time(rng, start, end)))
    if responders:
        for customer, lo, hi in rng.choices(responders, cum_weights=cum, k=n_known):
            responses.append(stub(customer, _random_time(rng, lo, hi)))

    for touchpoint in TOUCHPOINTS:
        cell = [r for r in responses if r.touchpoint == touchpoint]
        for response, experience in zip(cell, _cell_experiences(rng, cell), strict=True):
            _score(rng, response, experience)

    # The planted quarantine rows are extra answers outside the simulation: the warehouse drops
    # them too, so they must not feed anyone's "last answer" or a cell's score mix.
    for kind in bad_kinds:
        customer, lo, hi = rng.choice(responders) if responders else (None, start, end)
        response = stub(customer, _random_time(rng, lo, hi))
        response.bad = kind
        _score(rng, response, _experience_key(rng, response))
        responses.append(response)

    responses.sort(key=lambda r: r.at)
    for response in responses:
        if response.customer and not response.bad and response.scores["nps_score"] is not None:
            response.customer.last_nps = response.scores["nps_score"]
    return responses


def _simulate_orders(
    rng: random.Random,
    windows: list[tuple[Customer, datetime, datetime]],
    quarter: tuple[int, int],
    count: int,
) -> list[Order]:
    start = _quarter_start(quarter)
    quarter_seconds = (_quarter_start(_shift_quarter(quarter, 1)) - start).total_seconds()
    cum, total = [], 0.0
    for customer, lo, hi in windows:
        total += customer.order_weight * (hi - lo).total_seconds() / quarter_seconds
        cum.append(total)
    orders = []
    for customer, lo, hi in rng.choices(windows, cum_weights=cum, k=count) if windows else []:
        at = _random_time(rng, lo, hi)
        median = SEGMENT_ORDER_EUR[customer.segment_at(at)]
        amount = max(1.0, rng.lognormvariate(math.log(median), 0.8))
        orders.append(Order(customer, at, f"{amount:.2f}", _pick(rng, ORDER_STATUS)))
    return orders


def _churn_row(rng: random.Random, customer: Customer, group: str) -> list[str]:
    weights = CHURN_REASON_WEIGHTS["detractor" if group == "detractor" else "other"]
    code = _pick(rng, weights)
    language = "fi" if customer.language == "fi" else "en"
    competitor = ""
    if code == "competitor" or (code == "price" and rng.random() < 0.3):
        competitor = rng.choice(texts.COMPETITORS)
    reason_text = rng.choice(texts.CHURN_REASONS[code][language])
    return [customer.customer_id, customer.churned_at.isoformat(), code, reason_text, competitor]


def _customer_row(customer: Customer, as_of: datetime) -> list[str]:
    segment, region, updated_at = customer.segment, customer.region, customer.updated_at
    for change in (customer.segment_change, customer.region_change):
        if change and change[0] < as_of:
            updated_at = max(updated_at, change[0])
    if customer.segment_change and customer.segment_change[0] < as_of:
        segment = customer.segment_change[1]
    if customer.region_change and customer.region_change[0] < as_of:
        region = customer.region_change[1]
    return [
        customer.customer_id,
        customer.name,
        customer.email,
        customer.phone,
        segment,
        region,
        customer.industry,
        customer.created_at.isoformat(),
        updated_at.isoformat(),
    ]


def _write_csv(path: Path, header: list[str], rows: Iterable[list[str]]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written aside and renamed, so a sensor watching the inbox never sees half a file.
    tmp = path.with_name(f".{path.name}.tmp")
    count = 0
    with tmp.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            count += 1
    os.replace(tmp, path)
    log.info("wrote %d rows to %s", count, path)
    return count


def _bad_row_quarters(n_quarters: int) -> dict[int, list[str]]:
    """Spread the four bad survey rows over different quarters' files."""
    planted: dict[int, list[str]] = {}
    for k, kind in enumerate(BAD_RESPONSE_KINDS):
        planted.setdefault((2 * k + 1) * n_quarters // 8, []).append(kind)
    return planted


def generate(
    out_dir: Path,
    *,
    customers: int = 5000,
    seed: int = 42,
    start_quarter: str = "2023-Q1",
    quarters: int = 12,
) -> dict[str, int]:
    """Write the eight sample sources under out_dir; returns rows written per source."""
    if customers < 10:
        raise ValueError(f"customers must be at least 10, got {customers}")
    if quarters < 1:
        raise ValueError(f"quarters must be at least 1, got {quarters}")
    out_dir = Path(out_dir)
    rng = random.Random(seed)
    first = parse_quarter(start_quarter)
    window = [_shift_quarter(first, i) for i in range(quarters)]
    window_end = _quarter_start(_shift_quarter(window[-1], 1))
    last_day = (window_end - timedelta(days=1)).date()
    # The earlier CRM snapshot is taken a year before the last one (2024-12-31 vs 2025-12-31).
    first_snapshot = (_quarter_start(_shift_quarter(window[-1], -3)) - timedelta(days=1)).date()

    population = _make_customers(rng, customers, first, window_end, first_snapshot)
    bad_rows = _bad_row_quarters(quarters)
    total_responses = round(customers * quarters * RESPONSES_PER_CUSTOMER_QUARTER)
    total_orders = round(customers * quarters * ORDERS_PER_CUSTOMER_QUARTER)

    def share(total: int, index: int) -> int:
        # Cumulative rounding, so the quarters add up to the exact total.
        return round(total * (index + 1) / quarters) - round(total * index / quarters)

    responses: dict[tuple[int, int], list[Response]] = {}
    orders: list[Order] = []
    churned: list[tuple[Customer, str]] = []
    for index, quarter in enumerate(window):
        start = _quarter_start(quarter)
        end = _quarter_start(_shift_quarter(quarter, 1))
        churned += _simulate_churn(rng, population, start, end)
        windows = _active_windows(population, start, end)
        responses[quarter] = _simulate_responses(
            rng, windows, quarter, share(total_responses, index), bad_rows.get(index, [])
        )
        quarter_orders = _simulate_orders(rng, windows, quarter, share(total_orders, index))
        if index == quarters // 2 and windows:
            customer, lo, hi = rng.choice(windows)
            at = _random_time(rng, lo, hi)
            quarter_orders.append(Order(customer, at, BAD_ORDER_AMOUNT, "completed"))
        orders += sorted(quarter_orders, key=lambda o: o.at)

    # A churned customer's CRM record is frozen: drop changes dated after the churn.
    for customer in population:
        if customer.churned_at:
            for attr in ("segment_change", "region_change"):
                change = getattr(customer, attr)
                if change and change[0] >= customer.churned_at:
                    setattr(customer, attr, None)

    written = _write_sources(
        rng, out_dir, responses, population, (first_snapshot, last_day), orders, churned, seed
    )
    # The research sources come last and draw from their own generators (seeded from `seed`):
    # the files above stay byte for byte what they were before these sources existed.
    bounds = [(_quarter_start(q), _quarter_start(_shift_quarter(q, 1))) for q in window]
    written["mystery_shopping"] = research.mystery_shopping(out_dir, seed, bounds, _write_csv)
    written["lost_deals"] = research.lost_deals(out_dir, seed, bounds, population, _write_csv)
    written["improvement_actions"] = actions.improvement_actions(
        out_dir, seed, INCIDENT_TOUCHPOINT, INCIDENT_QUARTER, _write_csv
    )
    written["targets"] = targets.targets(
        out_dir, seed, INCIDENT_TOUCHPOINT, INCIDENT_QUARTER, _write_csv
    )
    # The strategic research survey: more survey_responses files, counted apart so that the
    # regular programmes' volumes read as before.
    written["strategic_research"] = strategic.strategic_research(
        out_dir, seed, bounds, population, _write_csv
    )
    log.info("sample data in %s: %s", out_dir, written)
    return written


def _write_sources(
    rng: random.Random,
    out_dir: Path,
    responses: dict[tuple[int, int], list[Response]],
    population: list[Customer],
    snapshots: tuple[date, date],
    orders: list[Order],
    churned: list[tuple[Customer, str]],
    seed: int,
) -> dict[str, int]:
    written = {"survey_responses": 0, "crm_customers": 0, "crm_orders": 0, "churn_events": 0}
    number = 0
    for quarter, rows in responses.items():
        for response in rows:
            number += 1
            response.response_id = f"R{number:07d}"
        path = out_dir / "survey_responses" / f"responses_{quarter[0]}-Q{quarter[1]}.csv"
        table = [_response_row(rng, r) for r in rows]
        # The planted suggestion draws from its own generator: the main draws stay as they were.
        suggestions.plant(seed, quarter, table, RESPONSE_COLUMNS)
        written["survey_responses"] += _write_csv(path, RESPONSE_COLUMNS, table)

    for snapshot in snapshots:
        as_of = datetime.combine(snapshot + timedelta(days=1), datetime.min.time())
        rows = [_customer_row(c, as_of) for c in population if c.created_at < as_of]
        path = out_dir / "crm_customers" / f"customers_{snapshot.isoformat()}.csv"
        written["crm_customers"] += _write_csv(path, CUSTOMER_COLUMNS, rows)

    for number, order in enumerate(orders, start=1):
        order.order_id = f"O{number:07d}"
    churn_rows = [
        _churn_row(rng, c, g) for c, g in sorted(churned, key=lambda cg: cg[0].churned_at)
    ]
    for year in sorted({q[0] for q in responses}):
        path = out_dir / "crm_orders" / f"orders_{year}.csv"
        year_orders = [
            [o.order_id, o.customer.customer_id, o.at.isoformat(), o.amount, "EUR", o.status]
            for o in orders
            if o.at.year == year
        ]
        written["crm_orders"] += _write_csv(path, ORDER_COLUMNS, year_orders)
        path = out_dir / "churn_events" / f"churn_{year}.csv"
        year_churn = [row for row in churn_rows if row[1][:4] == str(year)]
        written["churn_events"] += _write_csv(path, CHURN_COLUMNS, year_churn)
    return written
