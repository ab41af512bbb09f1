"""Any real inbox runs green: survey answers are the one required source.

Each scenario copies a subset of one generated sample into its own inbox and runs the whole
Dagster job on it, as `make run` does. For each run: it succeeds, every closed quarter with
answers has its en and fi report, the "What this report covers" block names exactly the absent
sources, the BI copy is published, and the quarter × touchpoint scores equal a recomputation
from the CSVs. All eight sources from the start is the session's `pipeline` fixture.
"""

from __future__ import annotations

import csv
import random
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
import pytest
from conftest import run_build_all
from recompute import assert_touchpoint_scores_equal, read_responses_with_polars, touchpoint_scores

from reports.coverage import OPTIONAL_SOURCES
from reports.language import LANGUAGES

# Each inbox runs the whole Dagster job on a warehouse of its own.
pytestmark = pytest.mark.slow

CUSTOMERS = 400
QUARTERS = 4  # 2023-Q1 … 2023-Q4: every one closed, every one with answers
ALL_SOURCES = ("survey_responses", *OPTIONAL_SOURCES)
# Sources whose first files arrive only in a later run.
LATE = ("crm_orders", "mystery_shopping", "improvement_actions")
LANGS = LANGUAGES


@dataclass(frozen=True)
class Outcome:
    """What one run left behind, read right after it (a later run may change the files)."""

    success: bool
    quarters: tuple[str, ...]  # quarters with answers, recomputed from the inbox
    pages: frozenset[tuple[str, str]]  # (lang, quarter) with an index.html
    coverage: dict[tuple[str, str], list[str]]  # (lang, quarter) -> data-source of each line
    bi_copy: bool
    expected_scores: pl.DataFrame
    warehouse: Path
    last_page: str  # the English page of the last quarter, as HTML
    movers: int  # "Significant changes" lines over every English page


def coverage_sources(html: str) -> list[str]:
    """The data-source of each line of a page's "What this report covers" block."""
    block = re.search(r'<section aria-labelledby="coverage".*?</section>', html, re.S)
    return [] if block is None else re.findall(r'data-source="([^"]+)"', block.group(0))


def _run(root: Path, mp: pytest.MonkeyPatch) -> Outcome:
    mp.setenv("CX_INBOX", str(root / "inbox"))
    mp.setenv("CX_WAREHOUSE", str(root / "warehouse.duckdb"))
    mp.setenv("CX_REPORTS_DIR", str(root / "reports"))
    mp.setenv("CX_INBOX_SETTLE_SECONDS", "0")
    mp.setenv("CX_REPORTS_PDF", "0")
    success = run_build_all().success
    quarters = tuple(sorted(set(read_responses_with_polars(root / "inbox")["quarter"])))
    pages = {
        (lang, quarter): (root / "reports" / lang / quarter / "index.html")
        for lang in LANGS
        for quarter in quarters
    }
    published = root / "published"
    return Outcome(
        success=success,
        quarters=quarters,
        pages=frozenset(k for k, p in pages.items() if p.is_file()),
        coverage={
            k: coverage_sources(p.read_text(encoding="utf-8"))
            for k, p in pages.items()
            if p.is_file()
        },
        bi_copy=(published / "kokemus.duckdb").is_file()
        and (published / "manifest.json").is_file(),
        expected_scores=touchpoint_scores(root / "inbox"),
        warehouse=root / "warehouse.duckdb",
        last_page=pages[("en", quarters[-1])].read_text(encoding="utf-8")
        if pages[("en", quarters[-1])].is_file()
        else "",
        movers=sum(
            p.read_text(encoding="utf-8").count('<li class="mover ')
            for (lang, _), p in pages.items()
            if lang == "en" and p.is_file()
        ),
    )


def _copy(sample: Path, inbox: Path, sources: tuple[str, ...]) -> None:
    for source in sources:
        shutil.copytree(sample / source, inbox / source, dirs_exist_ok=True)


def write_steady_survey(inbox: Path, seed: int = 3) -> None:
    """Answers unlike the sample's: nothing changes between quarters, no segment, no comments.

    Every quarter and touchpoint draws 120 answers from the same distribution (NPS mostly 7–10,
    the drivers following it), so any "significant change" the report lists is a false alarm.
    """
    rng = random.Random(seed)
    folder = inbox / "survey_responses"
    folder.mkdir(parents=True, exist_ok=True)
    header = ["response_id", "customer_id", "touchpoint", "responded_at", "nps_score",
              "csat_score", "ces_score", "driver_service", "driver_price"]  # fmt: skip
    number = 0
    for q in range(QUARTERS):
        rows = []
        for touchpoint in ("store", "web", "support", "billing", "sales", "onboarding"):
            for i in range(120):
                number += 1
                nps = rng.choices(range(11), weights=[1, 1, 1, 2, 2, 3, 5, 12, 18, 25, 30])[0]
                service = max(1, min(5, round(1 + nps * 0.4 + rng.gauss(0, 0.6))))
                rows.append(
                    [f"S{number:06d}", f"K{rng.randrange(1, 600):04d}", touchpoint,
                     f"2023-{3 * q + 1 + i % 3:02d}-{1 + i % 28:02d}T12:{i % 60:02d}:00",
                     nps, rng.choice([3, 4, 4, 5, 5]), rng.choice([4, 5, 6, 6, 7]), service,
                     rng.choice([2, 3, 3, 4, 5])]
                )  # fmt: skip
        with (folder / f"steady_2023-Q{q + 1}.csv").open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            writer.writerows(rows)


def _drop_column(path: Path, column: str) -> None:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    fields = [f for f in rows[0] if f != column]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


SUBSETS: dict[str, tuple[str, ...]] = {
    "survey_customers": ("survey_responses", "crm_customers"),
    "survey_customers_orders": ("survey_responses", "crm_customers", "crm_orders"),
    "survey_customers_orders_churn": (
        "survey_responses",
        "crm_customers",
        "crm_orders",
        "churn_events",
    ),
}
EXPECTED_ABSENT: dict[str, list[str]] = {
    "survey_only": list(OPTIONAL_SOURCES),
    "survey_customers": [s for s in OPTIONAL_SOURCES if s != "crm_customers"],
    "survey_customers_orders": [
        "churn_events",
        "mystery_shopping",
        "lost_deals",
        "improvement_actions",
        "targets",
    ],
    "survey_customers_orders_churn": [
        "mystery_shopping",
        "lost_deals",
        "improvement_actions",
        "targets",
    ],
    "late_first_run": list(LATE),
    "late_second_run": [],
    # No customer_id column at all: nothing links an answer to a customer.
    "anonymous": [*OPTIONAL_SOURCES, "customer_id"],
}


class Outcomes:
    """Each scenario's run, made when a test first asks for it (and once per test process).

    Scenarios are built lazily so that pytest-xdist can spread them over its workers: a test's
    xdist group is its scenario (GROUP_OF, applied in conftest), so a worker builds only the
    scenarios whose tests it runs. The two runs of the late-arrival scenario are built together.
    """

    def __init__(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        self._factory = tmp_path_factory
        self._sample: Path | None = None
        self._done: dict[str, Outcome] = {}

    def sample(self) -> Path:
        from orchestration.sample_data import generate

        if self._sample is None:
            self._sample = self._factory.mktemp("any_inbox_sample") / "inbox"
            generate(self._sample, customers=CUSTOMERS, seed=11, quarters=QUARTERS)
        return self._sample

    def __getitem__(self, name: str) -> Outcome:
        if name not in self._done:
            with pytest.MonkeyPatch.context() as mp:
                self._build(name, mp)
        return self._done[name]

    def _build(self, name: str, mp: pytest.MonkeyPatch) -> None:
        root = self._factory.mktemp(name)
        if name == "survey_only":
            # Survey answers alone, and shaped unlike the sample (nothing changes, no segment).
            write_steady_survey(root / "inbox")
        elif name in SUBSETS:
            _copy(self.sample(), root / "inbox", SUBSETS[name])
        elif name in ("late_first_run", "late_second_run"):
            _copy(self.sample(), root / "inbox", tuple(s for s in ALL_SOURCES if s not in LATE))
            self._done["late_first_run"] = _run(root, mp)
            _copy(self.sample(), root / "inbox", LATE)
            self._done["late_second_run"] = _run(root, mp)
            return
        elif name == "anonymous":
            _copy(self.sample(), root / "inbox", ("survey_responses",))
            for path in (root / "inbox" / "survey_responses").glob("*.csv"):
                _drop_column(path, "customer_id")
        else:
            raise KeyError(name)
        self._done[name] = _run(root, mp)


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> Outcomes:
    return Outcomes(tmp_path_factory)


def group_of(test_name: str, scenario: str | None) -> str:
    """The xdist group of a test of this module: the scenario whose run it reads."""
    scenario = scenario or FIXED_SCENARIO[test_name]
    return "any_inbox-late" if scenario.startswith("late_") else f"any_inbox-{scenario}"


@pytest.mark.parametrize("name", list(EXPECTED_ABSENT))
def test_every_inbox_runs_green_with_its_reports_coverage_and_bi_copy(
    outcomes: Outcomes, name: str
) -> None:
    outcome = outcomes[name]
    assert outcome.success, f"{name}: the run failed"
    assert outcome.quarters == ("2023-Q1", "2023-Q2", "2023-Q3", "2023-Q4")
    assert outcome.pages == {(lang, q) for lang in LANGS for q in outcome.quarters}
    assert set(map(tuple, outcome.coverage.values())) == {tuple(EXPECTED_ABSENT[name])}
    assert outcome.bi_copy


@pytest.mark.parametrize("name", list(EXPECTED_ABSENT))
def test_scores_equal_a_recomputation_from_the_csvs(outcomes: Outcomes, name: str) -> None:
    outcome = outcomes[name]
    con = duckdb.connect(str(outcome.warehouse), read_only=True)
    try:
        assert_touchpoint_scores_equal(outcome.expected_scores, con)
    finally:
        con.close()
    assert outcome.expected_scores.height == QUARTERS * 6


def test_all_eight_sources_leave_nothing_out(pipeline) -> None:
    pages = sorted(pipeline.reports.glob("*/20??-Q?/index.html"))
    assert len(pages) == len(LANGS) * 12
    for page in pages:
        assert coverage_sources(page.read_text(encoding="utf-8")) == [], page


@pytest.mark.parametrize(
    ("name", "shown"),
    [("survey_only", False), ("anonymous", False), ("survey_customers", True)],
)
def test_segment_breakdown_only_when_some_segment_is_known(
    outcomes: Outcomes, name: str, shown: bool
) -> None:
    assert ("By customer segment" in outcomes[name].last_page) is shown
    assert ("NPS by segment and touchpoint" in outcomes[name].last_page) is shown


def test_a_run_whose_report_mart_is_missing_fails_naming_it(
    outcomes: Outcomes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dagster as dg

    from orchestration.defs.publish.reports import quarterly_reports
    from orchestration.resources import DuckDBWarehouse

    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(outcomes["survey_customers"].warehouse, warehouse)
    con = duckdb.connect(str(warehouse))
    con.execute("drop table marts.mart_churn__score_group")
    con.close()
    monkeypatch.setenv("CX_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("CX_REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv("CX_REPORTS_PDF", "0")
    result = dg.materialize(
        [quarterly_reports],
        partition_key="2023-10-01",
        resources={"warehouse": DuckDBWarehouse(path=str(warehouse))},
        raise_on_error=False,
    )
    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    message = failure.step_failure_data.error.message
    assert "marts.mart_churn__score_group" in message
    assert not (tmp_path / "reports" / "en" / "2023-Q4").exists()


def test_steady_answers_raise_almost_no_false_alarm(outcomes: Outcomes) -> None:
    # About 25 changes are tested a quarter; uncorrected, 5 % of them would be "significant"
    # by chance (about one a quarter). Holm keeps the chance of any false alarm at 5 %.
    assert outcomes["survey_only"].movers <= 2


# The scenario of each test that is not parametrized by it.
FIXED_SCENARIO = {
    "test_a_run_whose_report_mart_is_missing_fails_naming_it": "survey_customers",
    "test_steady_answers_raise_almost_no_false_alarm": "survey_only",
}
