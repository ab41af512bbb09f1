"""The benchmark's baselines compute the same period marts as dbt, row by row.

Both baselines (tests/bench/baseline_duckdb.py: one DuckDB SQL script; baseline_pandas.py)
run as separate processes, as the benchmark harness runs them, on the test suite's own sample
inbox, and every mart they write must equal the warehouse's: same keys and row count, same
text, dates and flags, numbers within 1e-9. That inbox holds the generator's planted bad rows
(a score out of range, an unparseable date, an empty id, a response with no score, an amount
that is not a number): the baselines apply the loader's checks to leave the same rows out, so
the comparison runs on the inbox the pipeline really loaded rather than on a cleaned one.

The scale generator (orchestration/sample_data/scale.py) is checked here too: deterministic,
the volumes of its preset, a 13th quarter written alone equals what a 13-quarter run adds,
and the loader takes its output without quarantining a row.
"""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orchestration.settings import PROJECT_DIR
from tests.bench.compare import KEYS, compare_mart

BASELINES = {
    "duckdb": [sys.executable, str(PROJECT_DIR / "tests" / "bench" / "baseline_duckdb.py")],
    "pandas": [sys.executable, "-m", "tests.bench.baseline_pandas"],
}


def _run_baseline(name: str, inbox: Path, out: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR)}
    result = subprocess.run(
        [*BASELINES[name], "--inbox", str(inbox), "--out", str(out)],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.fixture(scope="module")
def baseline_outputs(pipeline, tmp_path_factory) -> dict[str, Path]:
    outputs = {}
    for name in BASELINES:
        out = tmp_path_factory.mktemp(f"baseline_{name}")
        _run_baseline(name, pipeline.inbox, out)
        outputs[name] = out
    return outputs


def test_sample_inbox_has_quarantined_rows_in_the_marts_sources(mart):
    # Otherwise the comparison below would not show that the baselines drop what the loader
    # quarantines.
    counts = dict(
        mart.execute(
            "select source, count(*) from ops.quarantine "
            "where source in ('survey_responses', 'crm_orders') group by source"
        ).fetchall()
    )
    assert counts == {"survey_responses": 4, "crm_orders": 1}


@pytest.mark.parametrize("mart_name", sorted(KEYS))
@pytest.mark.parametrize("baseline", sorted(BASELINES))
def test_baseline_mart_equals_dbt_mart(baseline, mart_name, baseline_outputs, mart):
    parquet = baseline_outputs[baseline] / f"{mart_name}.parquet"
    assert compare_mart(mart, mart_name, parquet) == []
    rows = mart.execute(f"select count(*) from marts.{mart_name}").fetchall()[0][0]
    assert rows > 0
    assert len(pd.read_parquet(parquet)) == rows


def test_comparison_catches_a_changed_number_and_a_missing_row(baseline_outputs, mart, tmp_path):
    source = baseline_outputs["pandas"]
    scores = pd.read_parquet(source / "mart_cx_scores__quarter.parquet")
    row = scores.index[scores["n_nps"] > 0][0]
    scores.loc[row, "nps_ci_low"] += 1e-7
    scores.to_parquet(tmp_path / "mart_cx_scores__quarter.parquet", index=False)
    cohorts = pd.read_parquet(source / "mart_retention__cohort.parquet").iloc[1:]
    cohorts.to_parquet(tmp_path / "mart_retention__cohort.parquet", index=False)

    changed = compare_mart(
        mart, "mart_cx_scores__quarter", tmp_path / "mart_cx_scores__quarter.parquet"
    )
    assert len(changed) == 1 and "nps_ci_low" in changed[0]
    missing = compare_mart(
        mart, "mart_retention__cohort", tmp_path / "mart_retention__cohort.parquet"
    )
    assert "rows" in missing[0] and "only in dbt" in missing[1]


# ---------------------------------------------------------------------------- scale generator


def _tiny():
    from orchestration.sample_data.scale import Preset

    return Preset(customers=2000, responses=24_000, orders=36_000, churn_events=600)


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_scale_generator_appends_exactly_the_13th_quarter(tmp_path):
    from orchestration.sample_data.scale import generate_scale

    generate_scale(tmp_path / "full", preset=_tiny(), seed=3, quarters=13, threads=1)
    generate_scale(tmp_path / "grown", preset=_tiny(), seed=3, quarters=12, threads=1)
    before = _digests(tmp_path / "grown")
    added = generate_scale(
        tmp_path / "grown", preset=_tiny(), seed=3, quarters=13, write_from=12, threads=1
    )
    after = _digests(tmp_path / "grown")

    assert after == _digests(tmp_path / "full")
    assert sorted(set(after) - set(before)) == [
        "churn_events/churn_2026.csv",
        "crm_customers/customers_2026-03-31.csv",
        "crm_orders/orders_2026.csv",
        "survey_responses/responses_2026-Q1.csv",
    ]
    assert {k: after[k] for k in before} == before  # nothing of the 12 quarters rewritten
    # One quarter's share of the 12-quarter volumes.
    assert added["survey_responses"] == 2000
    assert added["crm_orders"] == 3000
    assert added["churn_events"] == 50


def test_scale_generator_volumes_and_a_clean_load(tmp_path):
    from orchestration.defs.ingest.loader import ensure_schema, load_source
    from orchestration.defs.ingest.sources import SOURCES_BY_NAME
    from orchestration.sample_data.scale import generate_scale

    inbox = tmp_path / "inbox"
    written = generate_scale(inbox, preset=_tiny(), seed=5, threads=1)
    again = generate_scale(tmp_path / "again", preset=_tiny(), seed=5, threads=1)
    assert written == again
    assert _digests(inbox) == _digests(tmp_path / "again")
    assert written["survey_responses"] == 24_000
    assert written["crm_orders"] == 36_000
    assert written["churn_events"] == 600

    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("set TimeZone = 'Europe/Helsinki'")
    names = ("survey_responses", "crm_customers", "crm_orders", "churn_events")
    ensure_schema(con, tuple(SOURCES_BY_NAME[n] for n in names))
    loaded = {}
    for name in names:
        result = load_source(con, SOURCES_BY_NAME[name], inbox)
        loaded[name] = (result.total("rows_loaded"), result.total("rows_quarantined"))
    con.close()
    assert loaded == {
        "survey_responses": (24_000, 0),
        "crm_customers": (written["crm_customers"], 0),
        "crm_orders": (36_000, 0),
        "churn_events": (600, 0),
    }


def test_the_rss_sampler_sees_a_step_allocate_and_free_memory() -> None:
    import time

    import numpy as np

    from tests.bench.pipeline_run import RssSampler

    with RssSampler(interval=0.02) as rss:
        time.sleep(0.1)
        before = time.time()
        block = np.ones(200 * 2**20 // 8)  # 200 MB, touched
        time.sleep(0.2)
        after = time.time()
        del block
        time.sleep(0.1)
    baseline = rss.peak_between(0, before - 0.05)
    assert rss.peak_between(before, after) - baseline >= 150
    assert rss.peak_between(after + 0.05, time.time()) - baseline < 100
    assert rss.peak_between(time.time() + 10, time.time() + 20) == 0.0


def test_the_bench_puts_back_an_inbox_a_stopped_run_left_with_the_13th_quarter(
    tmp_path: Path,
) -> None:
    from tests.bench.run import remove_next_quarter

    inbox, next_quarter = tmp_path / "inbox", tmp_path / "next_quarter"
    for folder, name in [
        (inbox, "survey_responses/responses_2025-Q4.csv"),
        (next_quarter, "survey_responses/responses_2026-Q1.csv"),
        (next_quarter, "crm_orders/orders_2026.csv"),
        (inbox, "survey_responses/responses_2026-Q1.csv"),  # left by a stopped bench
    ]:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text("x\n")
    assert remove_next_quarter(inbox, next_quarter) == ["survey_responses/responses_2026-Q1.csv"]
    assert sorted(p.name for p in inbox.rglob("*.csv")) == ["responses_2025-Q4.csv"]
    assert len(list(next_quarter.rglob("*.csv"))) == 2
    assert remove_next_quarter(inbox, next_quarter) == []
