"""The declared shape of every inbox source: columns, types, keys and valid ranges.

This is the one place that says what a valid row is (docs/contract.md); the loader
turns it into SQL, the raw tables' DDL and the dbt sources follow it.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal

from orchestration.settings import PROJECT_DIR

Kind = Literal["text", "int", "timestamp", "decimal"]


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind = "text"
    required: bool = True  # the header must have it, or the file is rejected
    not_empty: bool = False  # an empty value sends the row to quarantine
    range: tuple[int, int] | None = None  # inclusive, for int columns
    # The range depends on a scale column: (scale column, {scale: range}). A file holding a
    # scale not listed is rejected whole (docs/metrics.md: unknown scales are never converted).
    scales: tuple[str, dict[str, tuple[int, int]]] | None = None
    # The only values the contract knows (compared lower-cased, loaded lower-cased); others go
    # to quarantine.
    allowed: tuple[str, ...] | None = None
    # A dimension of the company's own world (seeds/dimensions.csv): a value the seed does not
    # declare loads, and the raw table's expectations warn naming it and the seed.
    dimension: str | None = None
    # Loadable but unusual outside this range (a warning expectation, not quarantine).
    usual: tuple[float, float] | None = None
    # A text value's form: (regular expression the upper-cased value must match in full, what
    # it accepts in words); a value of another form goes to quarantine as unparseable.
    pattern: tuple[str, str] | None = None


@dataclass(frozen=True)
class RowRule:
    """A rule between columns of one row (done_at not before decided_at), which no single
    column's type or range can say. `when` is SQL that is true when the row breaks the rule:
    `{name}` stands for the typed value of a column and `{name_text}` for its trimmed text."""

    when: str
    reason: str


@dataclass(frozen=True)
class Wide:
    """Columns named <prefix><name>, any number of them (driver_service, importance_price), each
    an integer rating in `range`: unpivoted into raw.<table>, one row per key × name. `dimension`
    is the dimension the names belong to (seeds/dimensions.csv)."""

    prefix: str
    range: tuple[int, int]
    table: str
    dimension: str
    description: str = ""  # what one rating is, for the dbt sources YAML


@dataclass(frozen=True)
class Source:
    name: str  # inbox folder and raw table name
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    description: str = ""  # the raw table's grain, for the dbt sources YAML
    # Families of columns named <prefix><name> (any number each), unpivoted into their tables.
    wides: tuple[Wide, ...] = field(default_factory=tuple)
    # A row must have at least one of these (scores): else it is quarantined.
    at_least_one_of: tuple[str, ...] = field(default_factory=tuple)
    # Snapshot sources take their extraction date from the file name (name_YYYY-MM-DD.csv).
    snapshot: bool = False
    # Rules between columns; a row that breaks one goes to quarantine with its reason.
    row_rules: tuple[RowRule, ...] = field(default_factory=tuple)
    # The key may appear only once in a file (compared lower-cased, empty = empty): every row
    # of a repeated key goes to quarantine, since nothing says which of them is meant. Other
    # sources keep repeats, and staging takes the newest.
    unique_in_file: bool = False

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def wide_of(self, name: str) -> Wide | None:
        """The family a (normalised) header belongs to: driver_service → the driver_ family."""
        return next(
            (w for w in self.wides if name.startswith(w.prefix) and len(name) > len(w.prefix)),
            None,
        )


# docs/metrics.md, "Respondent groups"; the display names are the respondent_group rows of
# seeds/dimensions.csv.
RESPONDENT_GROUPS = ("current", "former", "potential")


def _score(name: str, lo: int, hi: int, required: bool = False) -> Column:
    """A score column; only nps_score must be in every survey file (docs/contract.md)."""
    return Column(name, "int", required=required, range=(lo, hi))


SURVEY_RESPONSES = Source(
    name="survey_responses",
    columns=(
        Column("response_id", not_empty=True),
        # Anonymous surveys have no customer id; a tool's export may lack the survey, the
        # touchpoint or the channel: empty columns, 'unknown' where a dimension needs a value.
        Column("customer_id", required=False),
        Column("survey", required=False, dimension="survey"),
        Column("touchpoint", required=False, dimension="touchpoint"),
        Column("channel", required=False, dimension="channel"),
        Column("responded_at", "timestamp", not_empty=True),
        _score("nps_score", 0, 10, required=True),
        _score("csat_score", 1, 5),
        Column(
            "ces_score",
            "int",
            required=False,
            range=(1, 7),
            scales=("ces_scale", {"1-7": (1, 7), "1-5": (1, 5)}),
        ),
        Column("ces_scale", required=False),
        _score("loyalty_score", 1, 5),
        Column("comment", required=False),
        Column("suggestion", required=False),
        Column("language", required=False, dimension="language"),
        # A survey tool may carry the customer's segment; the CRM's segment at answer time wins
        # when the customer is in the CRM export (int_survey_responses__scored).
        Column("segment", required=False, dimension="segment"),
        # Who answered (docs/metrics.md, "Respondent groups"): a customer active when answering,
        # a former customer or lost deal, or a potential customer. Usually empty and derived in
        # dbt from the CRM, churn and lost deals; a file or a _mapping.yml constant may say it.
        # The values are fixed (the marts' rule knows these three); their display names are
        # the respondent_group rows of seeds/dimensions.csv.
        Column("respondent_group", required=False, allowed=RESPONDENT_GROUPS),
    ),
    key=("response_id",),
    description="One row per valid survey answer per load (a re-sent response appears once "
    "per load).",
    wides=(
        # "How well did we do on …": the performance ratings of the key drivers.
        Wide("driver_", (1, 5), "survey_driver_scores", "driver", "performance rating"),
        # "How important is … to you": the stated expectation of the same drivers.
        Wide("importance_", (1, 5), "survey_importance_scores", "driver", "importance rating"),
    ),
    at_least_one_of=("nps_score", "csat_score", "ces_score", "loyalty_score"),
)

CRM_CUSTOMERS = Source(
    name="crm_customers",
    columns=(
        Column("customer_id", not_empty=True),
        Column("customer_name", required=False),
        Column("email", required=False),
        Column("phone", required=False),
        Column("segment", dimension="segment"),
        Column("region"),
        Column("industry", required=False),
        Column("created_at", "timestamp"),
        Column("updated_at", "timestamp", required=False),
    ),
    key=("customer_id", "extracted_at"),
    description="One row per customer per CRM snapshot file (extracted_at from the file name).",
    snapshot=True,
)

CRM_ORDERS = Source(
    name="crm_orders",
    columns=(
        Column("order_id", not_empty=True),
        Column("customer_id", not_empty=True),
        Column("ordered_at", "timestamp", not_empty=True),
        Column("amount", "decimal", not_empty=True, usual=(0, 10_000_000)),
        Column("currency", required=False),
        Column("status", not_empty=True, allowed=("completed", "refunded", "cancelled")),
    ),
    key=("order_id",),
    description="One row per order per load.",
)

CHURN_EVENTS = Source(
    name="churn_events",
    columns=(
        Column("customer_id", not_empty=True),
        Column("churned_at", "timestamp", not_empty=True),
        Column("reason_code", required=False, dimension="churn_reason"),
        Column("reason_text", required=False),
        Column("competitor", required=False),
    ),
    key=("customer_id", "churned_at"),
    description="One row per customer lost per load.",
)

MYSTERY_SHOPPING = Source(
    name="mystery_shopping",
    columns=(
        Column("visit_id", not_empty=True),
        Column("visited_at", "timestamp", not_empty=True),
        Column("brand", not_empty=True),
        Column("location"),
        Column("channel"),
        Column("item", not_empty=True),
        Column("score", "decimal", not_empty=True, usual=(0, 100)),
        Column("max_score", "decimal", not_empty=True),
        Column("note", required=False),
    ),
    key=("visit_id", "item"),
    description="One row per checklist item scored on a visit, per load.",
)

LOST_DEALS = Source(
    name="lost_deals",
    columns=(
        Column("deal_id", not_empty=True),
        Column("customer_id", required=False),
        Column("lost_at", "timestamp", not_empty=True),
        Column("amount", "decimal", required=False),
        Column("stated_reason"),
        Column("real_reason", required=False),
        Column("competitor", required=False),
    ),
    key=("deal_id",),
    description="One row per lost deal or lost-customer interview, per load.",
)

ACTION_STATUSES = ("planned", "in_progress", "done", "dropped")
ACTION_TARGET_TYPES = ("touchpoint", "segment", "driver", "theme")

# Improvement actions are kept by people (a shared sheet): what was decided, on which target,
# and when it was done, so the marts can measure the target before and after.
IMPROVEMENT_ACTIONS = Source(
    name="improvement_actions",
    columns=(
        Column("action_id", not_empty=True),
        Column("proposal_id", required=False),
        Column("target_type", not_empty=True, allowed=ACTION_TARGET_TYPES),
        Column("target_value", not_empty=True),
        Column("description", required=False),
        Column("owner", required=False),
        Column("decided_at", "timestamp", not_empty=True),
        Column("done_at", "timestamp", required=False),
        Column("status", not_empty=True, allowed=ACTION_STATUSES),
    ),
    key=("action_id",),
    description="One row per improvement action per load (improvement_actions/, a sheet kept "
    "by people): its target, owner, decision and completion dates and status.",
    row_rules=(
        RowRule("{done_at} < {decided_at}", "done_at before decided_at"),
        # An unparseable done_at has its own reason; only a missing one breaks this rule.
        RowRule(
            "lower({status}) = 'done' and {done_at_text} is null", "status done without done_at"
        ),
    ),
)

# The metric codes of mart_cx_scores__quarter (reports/data.py METRICS): cls is the loyalty score.
TARGET_METRICS = ("nps", "csat", "ces", "cls")
TARGET_SCOPES = ("all", "segment", "touchpoint")
# A calendar quarter (2025-Q2) or year (2025) in CX_TIMEZONE, as the marts label periods.
TARGET_PERIOD = (r"[0-9]{4}(-Q[1-4])?", "a quarter as 2025-Q2 or a year as 2025")

# Result and quality targets, kept by the CX team (a shared sheet): which score, over which
# customers, in which period, should reach which value (docs/metrics.md, "Targets").
TARGETS = Source(
    name="targets",
    columns=(
        Column("metric", not_empty=True, allowed=TARGET_METRICS),
        Column("scope_type", not_empty=True, allowed=TARGET_SCOPES),
        Column("scope_value", required=False),
        Column("period", not_empty=True, pattern=TARGET_PERIOD),
        Column("target", "decimal", not_empty=True, usual=(-100, 100)),
        Column("note", required=False),
        Column("owner", required=False),
    ),
    key=("metric", "scope_type", "scope_value", "period"),
    description="One row per result or quality target per load (targets/, a sheet kept by the "
    "CX team): which score (metric), over which customers (scope_type, scope_value), in which "
    "quarter or year (period) should reach which value (target).",
    row_rules=(
        RowRule(
            "lower({scope_type}) = 'all' and {scope_value_text} is not null",
            "scope_value given for scope_type all",
        ),
        RowRule(
            "lower({scope_type}) in ('segment', 'touchpoint') and {scope_value_text} is null",
            "scope_value missing for a segment or touchpoint target",
        ),
        # NPS runs from -100 to 100, the top-box shares (CSAT %, CES %, CLS %) from 0 to 100.
        RowRule(
            "{target} not between case when lower({metric}) = 'nps' then -100 else 0 end and 100",
            "target outside its metric's scale (NPS -100 to 100, the shares 0 to 100)",
        ),
    ),
    unique_in_file=True,
)

SOURCES: tuple[Source, ...] = (
    SURVEY_RESPONSES,
    CRM_CUSTOMERS,
    CRM_ORDERS,
    CHURN_EVENTS,
    MYSTERY_SHOPPING,
    LOST_DEALS,
    IMPROVEMENT_ACTIONS,
    TARGETS,
)
SOURCES_BY_NAME = {s.name: s for s in SOURCES}


ALIASES_FILE = PROJECT_DIR / "seeds" / "column_aliases.csv"


def normalise_header(name: str) -> str:
    """'Vastaus pvm' → 'vastaus_pvm': how a header is compared with names and aliases."""
    return re.sub(r"\W+", "_", name.replace("\ufeff", "").strip().lower()).strip("_")


@cache
def column_aliases(path: Path = ALIASES_FILE) -> dict[str, dict[str, str]]:
    """source → {normalised alias → canonical column}, from the declared mapping file."""
    mapping: dict[str, dict[str, str]] = {s.name: {} for s in SOURCES}
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            mapping.setdefault(row["source"], {})[normalise_header(row["alias"])] = row["column"]
    return mapping
