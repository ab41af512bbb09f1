"""Benchmark-scale sample inboxes (10 M answers, 20 M orders) drawn with numpy, quarter by quarter.

The pure-Python generator (generator.py) simulates every customer as an object: right for the
demo and the tests, far too slow for the benchmark. This one draws the same sources with the
same file names, columns and formats (ISO times, a few Finnish `d.m.yyyy H.mm` and UTC-offset
times, multi-line quoted comments, PII in comments) from numpy arrays, and writes each quarter
as soon as it is drawn, so memory stays bounded (per-customer state + one quarter's rows).

The planted effects are kept roughly: the support NPS dip in the incident quarter, detractors
churning more (each quarter's churners are drawn with weights by the NPS group of the
customer's last answer), service as the dominant driver, and the suggestion "chat support in
the evening" rising through 2025 (suggestions.py, without its e-mail addresses). No bad rows
are planted: the pipeline loads a scale inbox with zero quarantine.

Prefix stability: quarter i draws only from random streams keyed by (seed, part, i), and
population growth, churn counts and volumes are fixed per quarter, so a run over 13 quarters
writes exactly the files of a 12-quarter run plus the ones of the 13th (its answers, its
year's orders and churn files, a CRM snapshot at its end). `generate_scale(..., write_from=12)`
writes only those: the "one more quarter" of the incremental-build benchmark.
"""

from __future__ import annotations

import csv
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import actions, research, suggestions, targets, texts
from .generator import (
    ANONYMOUS_SHARE,
    CHANNELS_BY_TOUCHPOINT,
    CHURN_COLUMNS,
    CHURN_RATE,
    CHURN_REASON_WEIGHTS,
    CUSTOMER_COLUMNS,
    CUSTOMER_OFFSET_SD,
    DRIVERS,
    EMPTY_COMMENT_SHARE,
    EMPTY_SCORE_SHARE,
    HISTORY_QUARTERS,
    HOUR_WEIGHTS,
    INCIDENT_QUARTER,
    INCIDENT_SERVICE_SHIFT,
    INCIDENT_TOUCHPOINT,
    LANGUAGES,
    MULTILINE_SHARE,
    NEW_CUSTOMER_SHARE,
    NON_RESPONDER_SHARE,
    NPS_INTERCEPT,
    NPS_NOISE_SD,
    NPS_SLOPE,
    ORDER_COLUMNS,
    ORDER_STATUS,
    PII_EMAIL_SHARE,
    PII_PHONE_SHARE,
    REGIONS,
    RESPONSE_COLUMNS,
    SEGMENT_CHANGE,
    SEGMENT_ORDER_EUR,
    SEGMENT_ORDER_RATE,
    SEGMENT_SERVICE_SHIFT,
    SEGMENTS,
    SERVICE_BASE,
    SERVICE_NOISE_SD,
    SERVICE_RATING_NOISE_SD,
    SUGGESTION_SHARE,
    SURVEYS_BY_TOUCHPOINT,
    TOUCHPOINTS,
    _write_csv,
    parse_quarter,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Preset:
    """Volumes over BASE_QUARTERS quarters; each quarter gets 1/12 of them (more quarters, more)."""

    customers: int
    responses: int
    orders: int
    churn_events: int


PRESETS = {
    "large": Preset(1_000_000, 10_000_000, 20_000_000, 300_000),
    "small": Preset(50_000, 500_000, 1_000_000, 15_000),
}
BASE_QUARTERS = 12
CHUNK_ROWS = 500_000  # rows handed to DuckDB per COPY: bounds the string columns in memory
SEGMENT_CHANGE_PER_QUARTER = 0.008  # ~3.2 % a year, as generator.SEGMENT_CHANGE_SHARE
REGION_CHANGE_PER_QUARTER = 0.004
FINNISH_DATE_SHARE = 0.02
OFFSET_DATE_SHARE = 0.01
UPDATED_WITHIN_SECONDS = 365 * 86400
EPOCH = np.datetime64("1970-01-01T00:00:00", "s")

SEG_NAMES = list(SEGMENTS)
REGION_NAMES = list(REGIONS)
LANG_NAMES = list(LANGUAGES)
TP_NAMES = list(TOUCHPOINTS)
MOODS = ["positive", "neutral", "negative", "incident"]
STATUS_NAMES = list(ORDER_STATUS)
SEG_SHIFT = np.array([SEGMENT_SERVICE_SHIFT[s] for s in SEG_NAMES])
SEG_ORDER_RATE = np.array([SEGMENT_ORDER_RATE[s] for s in SEG_NAMES])
SEG_ORDER_EUR = np.array([SEGMENT_ORDER_EUR[s] for s in SEG_NAMES])
SEG_NEXT = np.array([SEG_NAMES.index(SEGMENT_CHANGE[s]) for s in SEG_NAMES])
# Churn weights by the NPS group code of the last answer: 0 none, 1 detractor, 2 passive,
# 3 promoter.
CHURN_WEIGHT = np.array(
    [CHURN_RATE[None], CHURN_RATE["detractor"], CHURN_RATE["passive"], CHURN_RATE["promoter"]]
)
_HOURS = np.array(list(HOUR_WEIGHTS))
_HOUR_CDF = np.cumsum(list(HOUR_WEIGHTS.values())) / sum(HOUR_WEIGHTS.values())

# Stream tags: every part of every quarter draws from its own generator.
HISTORY, NEW, CHURN, CHANGES, RESP, RESP_TEXT, ORDERS, NAMES, CHURN_TEXT = range(9)
SUGGESTION_PLANT = 9  # added later: its own stream, so the other draws did not move


def _rng(seed: int, part: int, index: int = 0) -> np.random.Generator:
    return np.random.default_rng([seed, part, index])


def _seconds(moment: datetime) -> int:
    """Naive local wall-clock time → seconds since 1970 (the generator's time unit)."""
    return int((np.datetime64(moment, "s") - EPOCH).astype(np.int64))


def _quarter_bounds(first: tuple[int, int], index: int) -> tuple[datetime, datetime]:
    n = first[0] * 4 + first[1] - 1 + index
    start = datetime(n // 4, 3 * (n % 4) + 1, 1)
    n += 1
    return start, datetime(n // 4, 3 * (n % 4) + 1, 1)


def _share(total: int, index: int) -> int:
    """Quarter `index`'s share of a BASE_QUARTERS total (cumulative rounding, any index)."""
    return round(total * (index + 1) / BASE_QUARTERS) - round(total * index / BASE_QUARTERS)


def _pick(rng: np.random.Generator, weights: dict, n: int) -> np.ndarray:
    p = np.array(list(weights.values()), dtype=float)
    return np.searchsorted(np.cumsum(p / p.sum()), rng.random(n), side="right").clip(0, len(p) - 1)


def _pick_given(rng: np.random.Generator, parent: np.ndarray, tables: list[dict]) -> np.ndarray:
    """Codes into the flat label list of `tables` (one weights dict per parent code)."""
    out = np.empty(len(parent), dtype=np.int32)
    offset = 0
    for code, weights in enumerate(tables):
        mask = parent == code
        out[mask] = offset + _pick(rng, weights, int(mask.sum()))
        offset += len(weights)
    return out


def _flat_labels(tables: list[dict]) -> list[str]:
    return [label for weights in tables for label in weights]


def _random_times(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """A local moment in [lo, hi) for each pair, during the day when the window allows it."""
    n = len(lo)
    day_lo, day_hi = lo // 86400, (hi - 1) // 86400
    day = day_lo + (rng.random(n) * (day_hi - day_lo + 1)).astype(np.int64)
    hour = _HOURS[np.searchsorted(_HOUR_CDF, rng.random(n), side="right").clip(0, len(_HOURS) - 1)]
    t = day * 86400 + hour * 3600 + rng.integers(0, 3600, n)
    bad = (t < lo) | (t >= hi)
    if bad.any():
        span = hi[bad] - lo[bad]
        fallback = lo[bad] + (rng.random(int(bad.sum())) * span).astype(np.int64)
        # 03:xx local is skipped or repeated on DST days: keep the no-offset form unambiguous.
        night = (fallback // 3600) % 24 == 3
        later = fallback + 3600
        fallback = np.where(night & (later < hi[bad]), later, fallback)
        t[bad] = fallback
    return t


def _hash_uniform(seeds: np.ndarray, k: int) -> np.ndarray:
    """k uniforms in [0, 1) per seed (splitmix64): a customer's own draws, in any subset."""
    x = seeds.astype(np.uint64)[:, None] * np.uint64(0x9E3779B97F4A7C15) + np.arange(
        1, k + 1, dtype=np.uint64
    ) * np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return (x >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def _clamp_round(x: np.ndarray, lo: int, hi: int) -> np.ndarray:
    return np.clip(np.floor(x + 0.5), lo, hi).astype(np.int8)


def _strings(pool: list[str], index: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """pool[index] as an Arrow string array (NULL where not valid), no Python objects per row."""
    indices = pa.array(index.astype(np.int32), mask=None if valid is None else ~valid)
    return pa.array(pool, pa.string()).take(indices)


def _ints(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    return pa.array(values.astype(np.int64), mask=None if valid is None else ~valid)


class CsvFile:
    """One inbox CSV written in chunks: DuckDB formats and quotes each chunk, appended in order;
    written aside and renamed at the end, so a sensor never sees half a file."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, header: list[str]):
        self.con, self.path, self.rows = con, path, 0
        path.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = path.with_name(f".{path.name}.tmp")
        self.part = path.with_name(f".{path.name}.part")
        with self.tmp.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerow(header)
        self.handle = self.tmp.open("ab")

    def append(self, table: pa.Table, select: str) -> None:
        """Write `select` (SQL over the chunk, named `chunk`) as CSV lines after the rest."""
        if table.num_rows == 0:
            return
        self.con.register("chunk", table)
        try:
            self.con.execute(
                f"copy ({select}) to '{self.part}' (format csv, header false, delimiter ',')"
            )
        finally:
            self.con.unregister("chunk")
        with self.part.open("rb") as part:
            while block := part.read(1 << 24):
                self.handle.write(block)
        self.part.unlink()
        self.rows += table.num_rows

    def close(self) -> int:
        self.handle.close()
        os.replace(self.tmp, self.path)
        log.info("wrote %d rows to %s", self.rows, self.path)
        return self.rows


def _chunks(n: int) -> Iterator[slice]:
    for lo in range(0, n, CHUNK_ROWS):
        yield slice(lo, min(n, lo + CHUNK_ROWS))


TS = "strftime({c}, '%Y-%m-%dT%H:%M:%S')"


class Population:
    """Per-customer state as parallel arrays, in customer-id order (= creation order)."""

    def __init__(self, seed: int, preset: Preset, first: tuple[int, int], quarters: int):
        window_start, _ = _quarter_bounds(first, 0)
        history_start, _ = _quarter_bounds(first, -HISTORY_QUARTERS)
        n_new_total = round(preset.customers * NEW_CUSTOMER_SHARE)
        groups = [
            (_rng(seed, HISTORY), preset.customers - n_new_total, history_start, window_start)
        ]
        for i in range(quarters):
            lo, hi = _quarter_bounds(first, i)
            groups.append((_rng(seed, NEW, i), _share(n_new_total, i), lo, hi))
        parts: dict[str, list[np.ndarray]] = {}
        for rng, n, lo, hi in groups:
            created = np.sort(
                _random_times(rng, np.full(n, _seconds(lo)), np.full(n, _seconds(hi)))
            )
            segment = _pick(rng, SEGMENTS, n).astype(np.int8)
            drawn = {
                "created": created,
                "segment": segment,
                "region": _pick(rng, REGIONS, n).astype(np.int8),
                "language": _pick(rng, LANGUAGES, n).astype(np.int8),
                "offset": rng.normal(0.0, CUSTOMER_OFFSET_SD, n).astype(np.float32),
                "resp_weight": np.where(
                    rng.random(n) < NON_RESPONDER_SHARE, 0.0, rng.gamma(2.0, 0.5, n)
                ).astype(np.float32),
                "order_weight": (SEG_ORDER_RATE[segment] * rng.gamma(2.0, 0.5, n)).astype(
                    np.float32
                ),
                "updated": _random_times(rng, created, created + UPDATED_WITHIN_SECONDS),
                "name_seed": rng.integers(0, 2**31 - 1, n),
            }
            for key, values in drawn.items():
                parts.setdefault(key, []).append(values)
        arrays = {key: np.concatenate(values) for key, values in parts.items()}
        self.n = len(arrays["created"])
        self.created: np.ndarray = arrays["created"]
        self.segment: np.ndarray = arrays["segment"]  # current, changes applied
        self.region: np.ndarray = arrays["region"]
        self.language: np.ndarray = arrays["language"]
        self.offset: np.ndarray = arrays["offset"]
        self.resp_weight: np.ndarray = arrays["resp_weight"]
        self.order_weight: np.ndarray = arrays["order_weight"]
        self.updated: np.ndarray = arrays["updated"]
        self.name_seed: np.ndarray = arrays["name_seed"]
        self.first_segment = self.segment.copy()
        never = np.iinfo(np.int64).max
        self.churned = np.full(self.n, never, dtype=np.int64)
        self.last_change = np.full(self.n, np.iinfo(np.int64).min, dtype=np.int64)
        self.last_nps = np.zeros(self.n, dtype=np.int8)  # 0 = no answer yet, else group code
        self.never = never


def _nps_group_code(nps: np.ndarray) -> np.ndarray:
    return np.where(nps >= 9, 3, np.where(nps >= 7, 2, 1)).astype(np.int8)


@dataclass
class QuarterState:
    index: int
    quarter: tuple[int, int]
    start: int
    end: int
    # This quarter's segment changes: customer, moment, segment before and after.
    seg_change_customers: np.ndarray
    seg_change_at: np.ndarray
    seg_before: np.ndarray


def _churn(seed: int, pop: Population, q: QuarterState, count: int) -> dict[str, np.ndarray]:
    rng = _rng(seed, CHURN, q.index)
    eligible = np.flatnonzero((pop.created < q.start) & (pop.churned == pop.never))
    k = min(count, len(eligible))
    # Weighted sampling without replacement (exponential keys): detractors churn more.
    keys = rng.exponential(size=len(eligible)) / CHURN_WEIGHT[pop.last_nps[eligible]]
    chosen = np.sort(eligible[np.argpartition(keys, k - 1)[:k]]) if k else eligible[:0]
    at = _random_times(rng, np.full(k, q.start), np.full(k, q.end))
    pop.churned[chosen] = at
    return {"customer": chosen, "at": at, "group": pop.last_nps[chosen].copy()}


def _changes(seed: int, pop: Population, q: QuarterState) -> None:
    """Segment and region changes of customers active through the quarter (after its churn)."""
    rng = _rng(seed, CHANGES, q.index)
    candidates = np.flatnonzero((pop.created < q.start) & (pop.churned == pop.never))
    seg = candidates[rng.random(len(candidates)) < SEGMENT_CHANGE_PER_QUARTER]
    reg = candidates[rng.random(len(candidates)) < REGION_CHANGE_PER_QUARTER]
    seg_at = _random_times(rng, np.full(len(seg), q.start), np.full(len(seg), q.end))
    reg_at = _random_times(rng, np.full(len(reg), q.start), np.full(len(reg), q.end))
    q.seg_change_customers, q.seg_change_at, q.seg_before = seg, seg_at, pop.segment[seg].copy()
    pop.segment[seg] = SEG_NEXT[pop.segment[seg]]
    shift = rng.integers(1, len(REGION_NAMES), len(reg))
    pop.region[reg] = (pop.region[reg] + shift) % len(REGION_NAMES)
    pop.last_change[seg] = np.maximum(pop.last_change[seg], seg_at)
    pop.last_change[reg] = np.maximum(pop.last_change[reg], reg_at)


def _segment_at(pop: Population, q: QuarterState, customers: np.ndarray, at: np.ndarray):
    """The segment each customer had at `at` (inside quarter q)."""
    segment = pop.segment[customers].copy()
    if len(q.seg_change_customers):
        where = np.searchsorted(q.seg_change_customers, customers)
        where = where.clip(0, len(q.seg_change_customers) - 1)
        changed = q.seg_change_customers[where] == customers
        before = changed & (at < q.seg_change_at[where])
        segment[before] = q.seg_before[where[before]]
    return segment


def _active(pop: Population, q: QuarterState) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lo = np.maximum(pop.created, q.start)
    hi = np.minimum(pop.churned, q.end)
    idx = np.flatnonzero(lo < hi)
    return idx, lo[idx], hi[idx]


def _draw_customers(rng, idx, lo, hi, weight, n):
    """n customers drawn with replacement, weighted by weight × share of the quarter active."""
    w = weight[idx].astype(np.float64) * (hi - lo)
    cdf = np.cumsum(w)
    pick = np.searchsorted(cdf, rng.random(n) * cdf[-1], side="right").clip(0, len(idx) - 1)
    return idx[pick], _random_times(rng, lo[pick], hi[pick])


def _responses(seed: int, pop: Population, q: QuarterState, count: int) -> dict[str, np.ndarray]:
    """One quarter's answers: who, when, where and the scores (the state-bearing draws)."""
    rng = _rng(seed, RESP, q.index)
    idx, lo, hi = _active(pop, q)
    n_anon = int(rng.binomial(count, ANONYMOUS_SHARE))
    n_known = count - n_anon
    customer, at = _draw_customers(rng, idx, lo, hi, pop.resp_weight, n_known)
    # An answer in the first two hours of the quarter (local time) is still the previous quarter
    # in UTC: it catches a quarter assigned before converting to Helsinki time.
    early = np.flatnonzero((pop.created[customer] < q.start) & (pop.churned[customer] > q.end))
    if len(early):
        at[early[0]] = q.start + int(rng.integers(60, 7140))
    anon_at = _random_times(rng, np.full(n_anon, q.start), np.full(n_anon, q.end))
    segment = np.concatenate(
        [_segment_at(pop, q, customer, at), _pick(rng, SEGMENTS, n_anon).astype(np.int8)]
    )
    offset = np.concatenate(
        [pop.offset[customer], rng.normal(0.0, CUSTOMER_OFFSET_SD, n_anon).astype(np.float32)]
    )
    language = np.concatenate(
        [pop.language[customer], _pick(rng, LANGUAGES, n_anon).astype(np.int8)]
    )
    customer = np.concatenate([customer, np.full(n_anon, -1)])
    at = np.concatenate([at, anon_at])
    n = count
    touchpoint = _pick(rng, TOUCHPOINTS, n).astype(np.int8)
    survey = _pick_given(rng, touchpoint, [SURVEYS_BY_TOUCHPOINT[t] for t in TP_NAMES])
    channel = _pick_given(rng, touchpoint, [CHANNELS_BY_TOUCHPOINT[t] for t in TP_NAMES])

    # The latent service experience: segment and customer shifts plus noise (generator._score).
    experience = SEG_SHIFT[segment] + offset + rng.normal(0.0, SERVICE_NOISE_SD, n)
    incident = (q.quarter == INCIDENT_QUARTER) & (touchpoint == TP_NAMES.index(INCIDENT_TOUCHPOINT))
    experience = experience + np.where(incident, INCIDENT_SERVICE_SHIFT, 0.0)
    latent = SERVICE_BASE + experience
    nps_latent = NPS_SLOPE * latent + NPS_INTERCEPT + rng.normal(0.0, NPS_NOISE_SD, n)
    tilt = latent - SERVICE_BASE
    scores = {
        "nps_score": _clamp_round(nps_latent, 0, 10),
        "csat_score": _clamp_round(0.9 + 0.42 * nps_latent + rng.normal(0, 0.6, n), 1, 5),
        "ces_score": _clamp_round(1.6 + 0.5 * nps_latent + rng.normal(0, 0.9, n), 1, 7),
        "loyalty_score": _clamp_round(1.0 + 0.38 * nps_latent + rng.normal(0, 0.7, n), 1, 5),
        "driver_service": _clamp_round(latent + rng.normal(0, SERVICE_RATING_NOISE_SD, n), 1, 5),
        "driver_price": _clamp_round(3.1 + 0.1 * tilt + rng.normal(0, 1.0, n), 1, 5),
        "driver_quality": _clamp_round(3.7 + 0.15 * tilt + rng.normal(0, 0.9, n), 1, 5),
        "driver_ease": _clamp_round(3.8 + 0.15 * tilt + rng.normal(0, 0.9, n), 1, 5),
    }
    present = {c: rng.random(n) >= EMPTY_SCORE_SHARE[c] for c in scores}
    none = ~np.logical_or.reduce(list(present.values()))
    present["nps_score"] |= none  # a valid row carries a score

    order = np.argsort(at, kind="stable")
    out = {
        "customer": customer,
        "at": at,
        "segment": segment,
        "language": language,
        "touchpoint": touchpoint,
        "survey": survey,
        "channel": channel,
        "nps_latent": nps_latent,
    }
    out |= {c: v for c, v in scores.items()}
    out |= {f"has_{c}": v for c, v in present.items()}
    out = {k: v[order] for k, v in out.items()}

    # The last answered NPS group of each customer drives next quarter's churn draw.
    answered = np.flatnonzero((out["customer"] >= 0) & out["has_nps_score"])
    rev = answered[::-1]
    who, first = np.unique(out["customer"][rev], return_index=True)
    pop.last_nps[who] = _nps_group_code(out["nps_score"][rev[first]])
    return out


def _comment_pools() -> tuple[list[str], np.ndarray, np.ndarray]:
    """Flat pool of comment sentences with (language, mood) offsets and sizes."""
    flat: list[str] = []
    offsets = np.zeros((len(LANG_NAMES), len(MOODS)), dtype=np.int64)
    sizes = np.zeros_like(offsets)
    for li, lang in enumerate(LANG_NAMES):
        for mi, mood in enumerate(MOODS):
            pool = texts.COMMENTS[lang][mood]
            offsets[li, mi], sizes[li, mi] = len(flat), len(pool)
            flat += pool
    return flat, offsets, sizes


def _ascii(text: str) -> str:
    return text.lower().translate(str.maketrans("äöåé", "aoae")).replace(" ", "")


def _contact_pool(templates: dict[str, list[str]]) -> tuple[list[str], list[str], np.ndarray]:
    """Templates split at {contact}: prefixes, suffixes, and per-language offsets/sizes."""
    pre, post, spans = [], [], []
    for lang in LANG_NAMES:
        spans.append((len(pre), len(templates[lang])))
        for template in templates[lang]:
            a, b = template.split("{contact}")
            pre.append(a)
            post.append(b)
    return pre, post, np.array(spans)


def _response_text(seed: int, q: QuarterState, r: dict[str, np.ndarray]) -> dict[str, pa.Array]:
    """The text columns of one quarter's answers: comments (some with PII), suggestions,
    ces_scale, and responded_at in its three written forms."""
    rng = _rng(seed, RESP_TEXT, q.index)
    n = len(r["at"])
    lang = r["language"].astype(np.int64)
    nps = np.where(r["has_nps_score"], r["nps_score"], np.floor(r["nps_latent"] + 0.5))
    mood = np.where(nps >= 9, 0, np.where(nps >= 7, 1, 2))
    incident = (q.quarter == INCIDENT_QUARTER) & (
        r["touchpoint"] == TP_NAMES.index(INCIDENT_TOUCHPOINT)
    )
    mood = np.where(incident & (mood == 2) & (rng.random(n) < 0.7), 3, mood)
    flat, offsets, sizes = _comment_pools()
    first = offsets[lang, mood] + (rng.random(n) * sizes[lang, mood]).astype(np.int64)
    base_mood = np.minimum(mood, 2)
    second = offsets[lang, base_mood] + (rng.random(n) * sizes[lang, base_mood]).astype(np.int64)
    has_comment = rng.random(n) >= EMPTY_COMMENT_SHARE
    has_second = rng.random(n) < 0.25
    roll = rng.random(n)
    has_email = roll < PII_EMAIL_SHARE
    has_phone = (roll >= PII_EMAIL_SHARE) & (roll < PII_EMAIL_SHARE + PII_PHONE_SHARE)
    multiline = (has_second | has_email | has_phone) & (rng.random(n) < MULTILINE_SHARE)

    # The contact sentence: a template split at {contact} around an e-mail or a phone number.
    e_pre, e_post, e_span = _contact_pool(texts.EMAIL_SENTENCES)
    p_pre, p_post, p_span = _contact_pool(texts.PHONE_SENTENCES)
    e_t = e_span[lang, 0] + (rng.random(n) * e_span[lang, 1]).astype(np.int64)
    p_t = p_span[lang, 0] + (rng.random(n) * p_span[lang, 1]).astype(np.int64)
    firsts = [_ascii(x) for x in texts.FIRST_NAMES]
    lasts = [_ascii(x) for x in texts.LAST_NAMES]
    prefixes = ["40", "41", "44", "45", "50"]
    columns = {
        "c_first": _strings(flat, first),
        "c_second": _strings(flat, second),
        "e_pre": _strings(e_pre, e_t),
        "e_post": _strings(e_post, e_t),
        "p_pre": _strings(p_pre, p_t),
        "p_post": _strings(p_post, p_t),
        "e_first": _strings(firsts, rng.integers(0, len(firsts), n)),
        "e_last": _strings(lasts, rng.integers(0, len(lasts), n)),
        "e_domain": _strings(texts.EMAIL_DOMAINS, rng.integers(0, len(texts.EMAIL_DOMAINS), n)),
        "p_prefix": _strings(prefixes, rng.integers(0, len(prefixes), n)),
        "p_digits": _ints(rng.integers(0, 10**7, n)),
        "has_comment": pa.array(has_comment),
        "has_second": pa.array(has_second),
        "has_email": pa.array(has_email),
        "has_phone": pa.array(has_phone),
        "multiline": pa.array(multiline),
    }
    sugg_flat, sugg_off = [], []
    for language in LANG_NAMES:
        sugg_off.append((len(sugg_flat), len(texts.SUGGESTIONS[language])))
        sugg_flat += texts.SUGGESTIONS[language]
    so = np.array(sugg_off)
    sugg = so[lang, 0] + (rng.random(n) * so[lang, 1]).astype(np.int64)
    columns["suggestion"] = _strings(sugg_flat, sugg, rng.random(n) < SUGGESTION_SHARE)
    rates = suggestions.PLANT_RATES.get(q.quarter)
    if rates is not None:
        # The planted "chat support in the evening" (suggestions.py), from its own stream.
        plant_rng = _rng(seed, SUGGESTION_PLANT, q.index)
        at_support = r["touchpoint"] == TP_NAMES.index(suggestions.PLANT_TOUCHPOINT)
        planted = plant_rng.random(n) < np.where(at_support, rates[0], rates[1])
        chat_flat, chat_off = [], []
        for language in LANG_NAMES:
            chat_off.append((len(chat_flat), len(suggestions.EVENING_CHAT[language])))
            chat_flat += suggestions.EVENING_CHAT[language]
        co = np.array(chat_off)
        chat = co[lang, 0] + (plant_rng.random(n) * co[lang, 1]).astype(np.int64)
        columns["suggestion"] = pc.if_else(
            pa.array(planted), _strings(chat_flat, chat), columns["suggestion"]
        )
    columns["ces_scale"] = _strings(["1-7"], np.zeros(n), rng.random(n) >= 0.05)

    # responded_at: ISO local time; 2 % Finnish d.m.yyyy H.mm (no seconds, never before the
    # customer existed); 1 % ISO with a UTC offset. The early answer of the quarter stays ISO.
    at = r["at"]
    form = rng.random(n)
    known = r["customer"] >= 0
    truncated = at - at % 60
    finnish = form < FINNISH_DATE_SHARE
    finnish &= ~known | (truncated >= r["created"])
    finnish &= at >= q.start + 7200
    offset = (form >= FINNISH_DATE_SHARE) & (form < FINNISH_DATE_SHARE + OFFSET_DATE_SHARE)
    offset &= at >= q.start + 7200
    utc = np.full(n, None, dtype=object)
    if offset.any():
        local = pd.DatetimeIndex(at[offset].astype("datetime64[s]"))
        moments = local.tz_localize(
            "Europe/Helsinki", ambiguous=np.ones(len(local), bool), nonexistent="shift_forward"
        ).tz_convert(UTC)
        utc[offset] = moments.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    columns["utc_text"] = pa.array(utc, pa.string())
    columns["form"] = pa.array(np.where(finnish, 1, np.where(offset, 2, 0)).astype(np.int8))
    return columns


RESPONSE_SELECT = f"""
select
    'R' || lpad(number::varchar, 8, '0') as response_id,
    case when customer >= 0 then 'C' || lpad((customer + 1)::varchar, 7, '0') end as customer_id,
    survey, touchpoint, channel,
    case form
        when 1 then strftime(ts, '%-d.%-m.%Y %-H.%M')
        when 2 then utc_text
        else {TS.format(c="ts")}
    end as responded_at,
    nps_score, csat_score, ces_score, ces_scale, loyalty_score,
    driver_service, driver_price, driver_quality, driver_ease,
    case when has_comment then concat_ws(
        case when multiline then chr(10) else ' ' end,
        c_first,
        case when has_second then c_second end,
        case
            when has_email then e_pre || e_first || '.' || e_last || '@' || e_domain || e_post
            when has_phone then p_pre || '0' || p_prefix || ' ' || lpad(p_digits::varchar, 7, '0')
                || p_post
        end
    ) end as comment,
    suggestion, language
from chunk
"""


def _write_responses(
    con, path: Path, q: QuarterState, r: dict, text: dict[str, pa.Array], first_number: int
) -> int:
    out = CsvFile(con, path, RESPONSE_COLUMNS)
    n = len(r["at"])
    survey_labels = _flat_labels([SURVEYS_BY_TOUCHPOINT[t] for t in TP_NAMES])
    channel_labels = _flat_labels([CHANNELS_BY_TOUCHPOINT[t] for t in TP_NAMES])
    for part in _chunks(n):
        cols = {
            "number": pa.array(np.arange(part.start, part.stop) + first_number),
            "customer": pa.array(r["customer"][part]),
            "survey": _strings(survey_labels, r["survey"][part]),
            "touchpoint": _strings(TP_NAMES, r["touchpoint"][part]),
            "channel": _strings(channel_labels, r["channel"][part]),
            "ts": pa.array(r["at"][part].astype("datetime64[s]")),
            "language": _strings(LANG_NAMES, r["language"][part]),
        }
        for c in ["nps_score", "csat_score", "ces_score", "loyalty_score"] + [
            f"driver_{d}" for d in DRIVERS
        ]:
            cols[c] = _ints(r[c][part], r[f"has_{c}"][part])
        cols |= {k: v.slice(part.start, part.stop - part.start) for k, v in text.items()}
        out.append(pa.table(cols), RESPONSE_SELECT)
    return out.close()


def _orders(seed: int, pop: Population, q: QuarterState, count: int) -> pa.Table:
    rng = _rng(seed, ORDERS, q.index)
    idx, lo, hi = _active(pop, q)
    customer, at = _draw_customers(rng, idx, lo, hi, pop.order_weight, count)
    segment = _segment_at(pop, q, customer, at)
    amount = np.maximum(1.0, rng.lognormal(np.log(SEG_ORDER_EUR[segment]), 0.8))
    cents = np.floor(amount * 100 + 0.5).astype(np.int64)
    status = _pick(rng, ORDER_STATUS, count)
    order = np.argsort(at, kind="stable")
    return pa.table(
        {
            "number": pa.array(np.arange(count, dtype=np.int64)),
            "customer": pa.array(customer[order]),
            "ts": pa.array(at[order].astype("datetime64[s]")),
            "cents": pa.array(cents[order]),
            "status": _strings(STATUS_NAMES, status[order]),
        }
    )


ORDER_SELECT = f"""
select
    'O' || lpad((number + $first)::varchar, 8, '0') as order_id,
    'C' || lpad((customer + 1)::varchar, 7, '0') as customer_id,
    {TS.format(c="ts")} as ordered_at,
    (cents // 100)::varchar || '.' || lpad((cents % 100)::varchar, 2, '0') as amount,
    'EUR' as currency,
    status
from chunk
"""


def _churn_rows(seed: int, pop: Population, q: QuarterState, churn: dict) -> pa.Table:
    rng = _rng(seed, CHURN_TEXT, q.index)
    n = len(churn["customer"])
    detractor = churn["group"] == 1
    codes = list(CHURN_REASON_WEIGHTS["other"])
    tables = [CHURN_REASON_WEIGHTS["other"], CHURN_REASON_WEIGHTS["detractor"]]
    flat = _flat_labels(tables)
    code = np.array([codes.index(c) for c in flat])[_pick_given(rng, detractor.astype(int), tables)]
    english = pop.language[churn["customer"]] != LANG_NAMES.index("fi")
    reason_flat, spans = [], np.zeros((len(codes), 2, 2), dtype=np.int64)
    for ci, c in enumerate(codes):
        for li, language in enumerate(["fi", "en"]):
            pool = texts.CHURN_REASONS[c][language]
            spans[ci, li] = len(reason_flat), len(pool)
            reason_flat += pool
    li = english.astype(np.int64)
    reason = spans[code, li, 0] + (rng.random(n) * spans[code, li, 1]).astype(np.int64)
    with_competitor = (code == codes.index("competitor")) | (
        (code == codes.index("price")) & (rng.random(n) < 0.3)
    )
    competitor = rng.integers(0, len(texts.COMPETITORS), n)
    order = np.argsort(churn["at"], kind="stable")
    return pa.table(
        {
            "customer": pa.array(churn["customer"][order]),
            "ts": pa.array(churn["at"][order].astype("datetime64[s]")),
            "reason_code": _strings(codes, code[order]),
            "reason_text": _strings(reason_flat, reason[order]),
            "competitor": _strings(texts.COMPETITORS, competitor[order], with_competitor[order]),
        }
    )


CHURN_SELECT = f"""
select 'C' || lpad((customer + 1)::varchar, 7, '0') as customer_id, {TS.format(c="ts")},
    reason_code, reason_text, competitor
from chunk
"""


def _name_pools() -> tuple[dict[str, list[str]], np.ndarray]:
    """The name pools, and per region the (start, length) of its public bodies' names."""
    public = []
    spans = []
    for region in REGION_NAMES:
        start = len(public)
        for body in texts.PUBLIC_BODIES:
            for city in texts.REGION_CITIES[region]:
                public.append(body.format(city=city))
        spans.append((start, len(public) - start))
    return {
        "first": texts.FIRST_NAMES,
        "last": texts.LAST_NAMES,
        "first_ascii": [_ascii(x) for x in texts.FIRST_NAMES],
        "last_ascii": [_ascii(x) for x in texts.LAST_NAMES],
        "owner": texts.LAST_NAMES + texts.PLACE_PREFIXES,
        "trade": texts.TRADES,
        "enterprise": texts.ENTERPRISE_WORDS,
        "company_industry": texts.COMPANY_INDUSTRIES,
        "public_industry": texts.PUBLIC_INDUSTRIES,
        "public": public,
    }, np.array(spans)


CUSTOMER_SELECT = f"""
select
    'C' || lpad((customer + 1)::varchar, 7, '0') as customer_id,
    case segment
        when 'consumer' then first || ' ' || last
        when 'public' then public_name
        when 'enterprise' then owner || ' ' || enterprise || ' '
            || case when form < 0.5 then 'Oyj' else 'Oy' end
        else owner || ' ' || trade || ' '
            || case when form < 0.5 then 'Oy' when form < 0.75 then 'Ky' else 'Tmi' end
    end as customer_name,
    case when has_email then first_ascii || '.' || last_ascii || '@' || domain end as email,
    case when has_phone then '0' || prefix || ' ' || lpad(digits::varchar, 7, '0') end as phone,
    segment, region,
    case segment when 'consumer' then null when 'public' then public_industry
        else company_industry end as industry,
    {TS.format(c="created")} as created_at,
    {TS.format(c="updated")} as updated_at
from chunk
"""


def _write_snapshot(con, path: Path, pop: Population, as_of: int) -> int:
    """The CRM as of `as_of`: every customer created before it, current segment and region."""
    out = CsvFile(con, path, CUSTOMER_COLUMNS)
    members = np.flatnonzero(pop.created < as_of)
    pools, spans = _name_pools()
    prefixes = ["40", "41", "44", "45", "50"]
    for part in _chunks(len(members)):
        who = members[part]
        # Names and contacts come from each customer's own seed: the same in every snapshot.
        draws = _hash_uniform(pop.name_seed[who], 12)

        def pick(pool: list[str], column: int, who=who, draws=draws) -> pa.Array:
            return _strings(pool, (draws[:, column] * len(pool)).astype(np.int64))

        region = pop.region[who]
        public = spans[region, 0] + (draws[:, 9] * spans[region, 1]).astype(np.int64)
        updated = np.maximum(np.minimum(pop.updated[who], as_of - 1), pop.last_change[who])
        table = pa.table(
            {
                "customer": pa.array(who),
                "segment": _strings(SEG_NAMES, pop.segment[who]),
                "region": _strings(REGION_NAMES, region),
                "first": pick(pools["first"], 0),
                "last": pick(pools["last"], 1),
                "first_ascii": pick(pools["first_ascii"], 0),
                "last_ascii": pick(pools["last_ascii"], 1),
                "owner": pick(pools["owner"], 2),
                "trade": pick(pools["trade"], 3),
                "enterprise": pick(pools["enterprise"], 3),
                "company_industry": pick(pools["company_industry"], 4),
                "public_industry": pick(pools["public_industry"], 4),
                "public_name": _strings(pools["public"], public),
                "domain": pick(texts.EMAIL_DOMAINS, 5),
                "prefix": pick(prefixes, 6),
                "digits": pa.array((draws[:, 7] * 10**7).astype(np.int64)),
                "has_email": pa.array(draws[:, 8] >= 0.03),
                "has_phone": pa.array(draws[:, 10] >= 0.05),
                "form": pa.array(draws[:, 11]),
                "created": pa.array(pop.created[who].astype("datetime64[s]")),
                "updated": pa.array(updated.astype("datetime64[s]")),
            }
        )
        out.append(table, CUSTOMER_SELECT)
    return out.close()


@dataclass
class _LightCustomer:
    """What research.lost_deals reads of a customer."""

    customer_id: str
    created_at: datetime
    churned_at: datetime | None


def _research_sample(
    seed: int, pop: Population, until: int, size: int = 5000
) -> list[_LightCustomer]:
    """A demo-sized sample of the customers created before `until` (the research window's
    end), so lost deals stay at the normal size and the same whatever comes after."""
    rng = _rng(seed, NAMES, 10**6)
    known = int(np.searchsorted(pop.created, until))  # created is sorted: ids in creation order
    chosen = np.sort(rng.choice(known, size=min(size, known), replace=False))
    base = datetime(1970, 1, 1)
    return [
        _LightCustomer(
            f"C{c + 1:07d}",
            base + timedelta(seconds=int(pop.created[c])),
            None if pop.churned[c] == pop.never else base + timedelta(seconds=int(pop.churned[c])),
        )
        for c in chosen
    ]


def generate_scale(
    out_dir: Path,
    *,
    preset: str | Preset = "small",
    seed: int = 42,
    start_quarter: str = "2023-Q1",
    quarters: int = BASE_QUARTERS,
    write_from: int = 0,
    threads: int | None = None,
) -> dict[str, int]:
    """Write a benchmark inbox under out_dir; returns rows written per source.

    Quarters before `write_from` are simulated (their state shapes the later ones) but their
    files are not written: write_from=12 with quarters=13 writes exactly the files that a
    13-quarter run adds to a 12-quarter one (the research sources are written only when
    write_from is 0, over the first BASE_QUARTERS quarters, so they are the same in both).
    """
    spec = PRESETS[preset] if isinstance(preset, str) else preset
    if quarters < 1 or not 0 <= write_from < quarters:
        raise ValueError(f"need 0 <= write_from < quarters, got {write_from} and {quarters}")
    out_dir = Path(out_dir)
    first = parse_quarter(start_quarter)
    started = time.perf_counter()
    pop = Population(seed, spec, first, quarters)
    log.info("population of %d customers in %.1f s", pop.n, time.perf_counter() - started)
    con = duckdb.connect()
    con.execute("set enable_progress_bar = false")
    con.execute(f"set threads = {threads or os.cpu_count() or 2}")
    con.execute("set preserve_insertion_order = true")

    written = {"survey_responses": 0, "crm_customers": 0, "crm_orders": 0, "churn_events": 0}
    years_written = {_quarter_bounds(first, i)[0].year for i in range(write_from, quarters)}
    response_number, order_number = 1, 1
    year_files: dict[str, CsvFile] = {}
    for i in range(quarters):
        start, end = _quarter_bounds(first, i)
        q = QuarterState(
            i, (start.year, (start.month - 1) // 3 + 1), _seconds(start), _seconds(end),
            np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int8),
        )  # fmt: skip
        churn = _churn(seed, pop, q, _share(spec.churn_events, i))
        _changes(seed, pop, q)
        n_resp = _share(spec.responses, i)
        responses = _responses(seed, pop, q, n_resp)
        year = start.year
        if i >= write_from:
            responses["created"] = np.where(
                responses["customer"] >= 0, pop.created[responses["customer"]], 0
            )
            text = _response_text(seed, q, responses)
            path = out_dir / "survey_responses" / f"responses_{q.quarter[0]}-Q{q.quarter[1]}.csv"
            written["survey_responses"] += _write_responses(
                con, path, q, responses, text, response_number
            )
            del text
        del responses
        response_number += n_resp
        n_orders = _share(spec.orders, i)
        if year in years_written:
            if "orders" not in year_files:
                year_files["orders"] = CsvFile(
                    con, out_dir / "crm_orders" / f"orders_{year}.csv", ORDER_COLUMNS
                )
                year_files["churn"] = CsvFile(
                    con, out_dir / "churn_events" / f"churn_{year}.csv", CHURN_COLUMNS
                )
            table = _orders(seed, pop, q, n_orders)
            for part in _chunks(table.num_rows):
                chunk = table.slice(part.start, part.stop - part.start)
                year_files["orders"].append(
                    chunk, ORDER_SELECT.replace("$first", str(order_number))
                )
            year_files["churn"].append(_churn_rows(seed, pop, q, churn), CHURN_SELECT)
        order_number += n_orders
        last = i == quarters - 1
        if year_files and (q.quarter[1] == 4 or last):
            written["crm_orders"] += year_files.pop("orders").close()
            written["churn_events"] += year_files.pop("churn").close()
        if i >= write_from and (q.quarter[1] == 4 or last):
            snapshot = (end - timedelta(days=1)).date()
            path = out_dir / "crm_customers" / f"customers_{snapshot.isoformat()}.csv"
            written["crm_customers"] += _write_snapshot(con, path, pop, q.end)
        log.info("quarter %s done at %.1f s", q.quarter, time.perf_counter() - started)
    con.close()

    if write_from == 0:
        base = min(quarters, BASE_QUARTERS)
        bounds = [_quarter_bounds(first, i) for i in range(base)]
        sample = _research_sample(seed, pop, _seconds(bounds[-1][1]))
        written["mystery_shopping"] = research.mystery_shopping(out_dir, seed, bounds, _write_csv)
        written["lost_deals"] = research.lost_deals(out_dir, seed, bounds, sample, _write_csv)
        written["improvement_actions"] = actions.improvement_actions(
            out_dir, seed, INCIDENT_TOUCHPOINT, INCIDENT_QUARTER, _write_csv
        )
        written["targets"] = targets.targets(
            out_dir, seed, INCIDENT_TOUCHPOINT, INCIDENT_QUARTER, _write_csv
        )
    log.info("scale sample data in %s: %s", out_dir, written)
    return written
