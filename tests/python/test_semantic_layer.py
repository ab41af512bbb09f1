"""The MetricFlow semantic layer: `mf query` on copies of the test warehouse equals the marts.

Each `mf` call costs about 5 s (imports, `dbt debug`, manifest), so the queries run once per
module, side by side. dbt-duckdb opens the warehouse for writing (DuckDB allows one writer),
so each query gets its own copy of the pipeline fixture's warehouse; the BI-copy query goes
through profiles.yml's `published` target, which attaches the copy read-only.
"""

import csv
import json
import math
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import PipelineRuns

from orchestration.settings import PROJECT_DIR

SEMANTIC_MANIFEST = PROJECT_DIR / "target" / "semantic_manifest.json"
MF = str(Path(sys.executable).parent / "mf")

SURVEY_METRICS = [
    "survey_responses",
    "nps_answers",
    "promoters",
    "passives",
    "detractors",
    "nps",
    "csat_answers",
    "csat_top2_answers",
    "csat_pct",
    "csat_mean",
    "ces_answers",
    "ces_top_answers",
    "ces_pct",
    "ces_mean",
    "cls_answers",
    "cls_top2_answers",
    "cls_pct",
    "cls_mean",
]
# metric → its column in mart_cx_scores__quarter
SURVEY_MART_COLUMNS = {
    "survey_responses": "n_responses",
    "nps_answers": "n_nps",
    "promoters": "promoters",
    "passives": "passives",
    "detractors": "detractors",
    "nps": "nps",
    "csat_answers": "n_csat",
    "csat_top2_answers": "csat_top",
    "csat_pct": "csat_pct",
    "csat_mean": "csat_mean",
    "ces_answers": "n_ces",
    "ces_top_answers": "ces_top",
    "ces_pct": "ces_pct",
    "ces_mean": "ces_mean",
    "cls_answers": "n_cls",
    "cls_top2_answers": "cls_top",
    "cls_pct": "cls_pct",
    "cls_mean": "cls_mean",
}
# metric → its column in mart_churn__quarter_segment
CHURN_MART_COLUMNS = {
    "customers_active_at_start": "active_at_start",
    "customers_lost": "lost",
    "churn_pct": "churn_pct",
    "retention_pct": "retention_pct",
    "customers_acquired": "acquired",
    "customers_acquired_and_lost": "acquired_and_lost",
}
VALUE_METRICS = [
    "revenue",
    "completed_orders",
    "completed_revenue",
    "average_order_value",
    "clv_total",
    "clv_average",
    "clv_customers",
    "historical_clv_average",
]


@dataclass(frozen=True)
class Query:
    metrics: Sequence[str]
    group_by: Sequence[str]
    target: str = "duckdb"  # profiles.yml output: the warehouse copy, or `published`


QUERIES = {
    "overall": Query(
        SURVEY_METRICS + list(CHURN_MART_COLUMNS) + ["revenue"], ["metric_time__quarter"]
    ),
    "by_segment": Query(SURVEY_METRICS, ["metric_time__quarter", "response__segment"]),
    "by_segment_touchpoint": Query(
        SURVEY_METRICS, ["metric_time__quarter", "response__segment", "response__touchpoint"]
    ),
    "churn_by_segment": Query(
        list(CHURN_MART_COLUMNS), ["metric_time__quarter", "customer__segment"]
    ),
    "churn_by_nps_group": Query(
        ["customers_active_at_start", "customers_lost", "churn_pct"],
        ["metric_time__quarter", "customer_quarter__nps_group_before"],
    ),
    "value_by_segment": Query(VALUE_METRICS, ["customer__segment"]),
    "cohorts_on_bi_copy": Query(
        ["cohort_customers", "cohort_customers_active", "cohort_retention_pct"],
        ["retention_cell__cohort", "retention_cell__quarters_since_start"],
        target="published",
    ),
}


def manifest_database() -> str:
    """The catalog name `dbt parse` wrote into the semantic manifest (the warehouse's stem)."""
    manifest = json.loads(SEMANTIC_MANIFEST.read_text(encoding="utf-8"))
    return manifest["semantic_models"][0]["node_relation"]["database"]


def _value(text: str) -> float | str | None:
    if text == "":
        return None
    try:
        return float(text)
    except ValueError:
        return text


def read_csv(path: Path) -> list[dict[str, float | str | None]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return [{k: _value(v) for k, v in row.items()} for row in csv.DictReader(fh)]


@pytest.fixture(scope="module")
def mf_results(
    pipeline: PipelineRuns, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, list[dict]]:
    """Runs every query in QUERIES at once; each on its own copy of the test warehouse."""
    root = tmp_path_factory.mktemp("semantic")
    database = manifest_database()
    published = root / "published"
    published.mkdir()
    shutil.copy2(pipeline.warehouse.parent / "published" / "kokemus.duckdb", published)
    running = {}
    for name, query in QUERIES.items():
        workdir = root / name
        workdir.mkdir()
        # The copy keeps the catalog name the manifest's relations use ("warehouse"...). The
        # `published` target never opens it: there the path only names the catalog.
        warehouse = workdir / f"{database}.duckdb"
        if query.target != "published":
            shutil.copy2(pipeline.warehouse, warehouse)
        env = {
            **os.environ,
            "CX_WAREHOUSE": str(warehouse),
            "CX_PUBLISHED_DIR": str(published),
            "CX_DBT_TARGET": query.target,
            "DBT_PROFILES_DIR": str(PROJECT_DIR),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
            "DO_NOT_TRACK": "1",
        }
        command = [MF, "query", "--metrics", ",".join(query.metrics)]
        command += ["--group-by", ",".join(query.group_by), "--csv", str(workdir / "out.csv")]
        running[name] = subprocess.Popen(
            command + ["--quiet"],
            cwd=PROJECT_DIR,  # mf reads target/semantic_manifest.json from the project root
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
    results = {}
    for name, process in running.items():
        output, _ = process.communicate(timeout=600)
        assert process.returncode == 0, f"mf query {name} failed:\n{output}"
        results[name] = read_csv(root / name / "out.csv")
    return results


def close(a: object, b: object) -> bool:
    """Equal within 1e-9 (relative 1e-12 for large sums); None only equals None."""
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-9)


def assert_rows_equal(
    got: Iterable[dict], expected: dict[tuple, dict[str, object]], keys: Sequence[str]
) -> None:
    """`got` (mf rows) keyed by `keys` has exactly the `expected` rows, metric by metric."""
    got = list(got)
    got_by_key = {tuple(_key(row[k]) for k in keys): row for row in got}
    assert len(got_by_key) == len(got)
    assert sorted(got_by_key, key=str) == sorted(expected, key=str)
    mismatches = [
        (key, metric, got_by_key[key][metric], value)
        for key, row in expected.items()
        for metric, value in row.items()
        if not close(got_by_key[key][metric], value)
    ]
    assert mismatches == []


def _key(value: object) -> object:
    """mf prints metric_time as '2024-01-01 00:00:00' and integers as floats."""
    if isinstance(value, str) and value.endswith(" 00:00:00"):
        return value[:10]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def mart_rows(mart, sql: str, key_columns: int, metrics: Sequence[str]) -> dict[tuple, dict]:
    """Query rows as {key columns: {metric: value}}; dates become ISO strings."""
    rows = mart.execute(sql).fetchall()
    expected = {}
    for row in rows:
        key = tuple(str(v) if hasattr(v, "isoformat") else v for v in row[:key_columns])
        expected[key] = dict(zip(metrics, row[key_columns:], strict=True))
    assert len(expected) == len(rows)
    return expected


def survey_select() -> str:
    return ", ".join(SURVEY_MART_COLUMNS[m] for m in SURVEY_METRICS)


def test_scores_by_quarter_equal_the_mart_headline(mf_results, mart) -> None:
    cx = mart_rows(
        mart,
        f"select quarter_start, {survey_select()} from marts.mart_cx_scores__quarter "
        "where segment = 'all' and touchpoint = 'all'",
        1,
        SURVEY_METRICS,
    )
    churn = mart_rows(
        mart,
        f"select quarter_start, {', '.join(CHURN_MART_COLUMNS.values())} "
        "from marts.mart_churn__quarter_segment where segment = 'all'",
        1,
        list(CHURN_MART_COLUMNS),
    )
    revenue = mart_rows(
        mart,
        "select quarter_start, sum(net_amount) from intermediate.int_orders__net_amounts "
        "group by quarter_start",
        1,
        ["revenue"],
    )
    assert len(cx) >= 8 and set(cx) == set(churn) == set(revenue)
    expected = {k: {**cx[k], **churn[k], **revenue[k]} for k in cx}
    assert_rows_equal(mf_results["overall"], expected, ["metric_time__quarter"])
    assert len(mf_results["overall"]) == len(cx)


def test_scores_by_quarter_and_segment_equal_the_mart(mf_results, mart) -> None:
    expected = mart_rows(
        mart,
        f"select quarter_start, segment, {survey_select()} from marts.mart_cx_scores__quarter "
        "where segment <> 'all' and touchpoint = 'all'",
        2,
        SURVEY_METRICS,
    )
    assert len(expected) >= 8 * 4
    assert_rows_equal(
        mf_results["by_segment"], expected, ["metric_time__quarter", "response__segment"]
    )


def test_scores_by_quarter_segment_and_touchpoint_equal_the_mart(mf_results, mart) -> None:
    expected = mart_rows(
        mart,
        f"select quarter_start, segment, touchpoint, {survey_select()} "
        "from marts.mart_cx_scores__quarter where segment <> 'all' and touchpoint <> 'all'",
        3,
        SURVEY_METRICS,
    )
    # Small cells too: the mart keeps every value (is_reportable only flags them).
    assert len(expected) >= 8 * 4 * 3
    assert_rows_equal(
        mf_results["by_segment_touchpoint"],
        expected,
        ["metric_time__quarter", "response__segment", "response__touchpoint"],
    )


def test_churn_and_retention_by_quarter_and_segment_equal_the_mart(mf_results, mart) -> None:
    expected = mart_rows(
        mart,
        f"select quarter_start, segment, {', '.join(CHURN_MART_COLUMNS.values())} "
        "from marts.mart_churn__quarter_segment where segment <> 'all'",
        2,
        list(CHURN_MART_COLUMNS),
    )
    assert len(expected) >= 8 * 4
    assert_rows_equal(
        mf_results["churn_by_segment"], expected, ["metric_time__quarter", "customer__segment"]
    )


def test_churn_by_nps_group_of_the_last_answer_equals_the_score_group_mart(
    mf_results, mart
) -> None:
    expected = mart_rows(
        mart,
        "select quarter_start, score_group, active_at_start, lost, churn_pct "
        "from marts.mart_churn__score_group where score = 'nps' and quarter <> 'all'",
        2,
        ["customers_active_at_start", "customers_lost", "churn_pct"],
    )
    assert {k[1] for k in expected} == {"promoter", "passive", "detractor", "no_answer"}
    assert_rows_equal(
        mf_results["churn_by_nps_group"],
        expected,
        ["metric_time__quarter", "customer_quarter__nps_group_before"],
    )


def test_revenue_and_clv_by_segment_equal_the_value_marts(mf_results, mart) -> None:
    value = mart_rows(
        mart,
        "select segment, sum(net_revenue), sum(n_completed_orders), sum(completed_revenue), "
        "sum(completed_revenue) / sum(n_completed_orders) "
        "from marts.mart_customer_value group by segment",
        1,
        VALUE_METRICS[:4],
    )
    clv = mart_rows(
        mart,
        "select segment, sum(clv), avg(clv), count(*), avg(historical_net_revenue) "
        "from marts.mart_customer_clv group by segment",
        1,
        VALUE_METRICS[4:],
    )
    assert set(value) == set(clv) and len(value) == 4
    expected = {k: {**value[k], **clv[k]} for k in value}
    assert_rows_equal(mf_results["value_by_segment"], expected, ["customer__segment"])
    # Every order belongs to a CRM customer: no revenue is left without a segment.
    total = mart.execute("select sum(net_amount) from marts.fct_orders").fetchall()[0][0]
    assert close(sum(r["revenue"] for r in mf_results["value_by_segment"]), total)


def test_cohort_retention_on_the_bi_copy_equals_the_cohort_mart(mf_results, mart) -> None:
    expected = mart_rows(
        mart,
        "select cohort, quarters_since_start, cohort_size, active_at_end, retention_pct "
        "from marts.mart_retention__cohort",
        2,
        ["cohort_customers", "cohort_customers_active", "cohort_retention_pct"],
    )
    assert len(expected) >= 8 * 9 / 2
    assert_rows_equal(
        mf_results["cohorts_on_bi_copy"],
        expected,
        ["retention_cell__cohort", "retention_cell__quarters_since_start"],
    )


# --- The semantic manifest: no warehouse needed -----------------------------------------------

REQUIRED_METRICS = {
    "nps": "derived",
    "csat_pct": "derived",
    "ces_pct": "derived",
    "cls_pct": "derived",
    "csat_top2_share": "ratio",
    "ces_top_share": "ratio",
    "cls_top2_share": "ratio",
    "churn_rate": "ratio",
    "churn_pct": "derived",
    "retention_pct": "derived",
    "cohort_retention_pct": "derived",
    "revenue": "simple",
    "clv_total": "simple",
    "clv_average": "simple",
}
# Metrics that touchpoint and channel (attributes of an answer) do not apply to.
NOT_PER_ANSWER = [
    "churn_rate",
    "churn_pct",
    "retention_pct",
    "cohort_retention_pct",
    "revenue",
    "average_order_value",
    "clv_total",
    "clv_average",
    "historical_clv_average",
]
# semantic model → the dimensions the brief asks for (quarter is metric_time on every one)
REQUIRED_DIMENSIONS = {
    "survey_responses": {"responded_on", "segment", "touchpoint", "region", "channel"},
    "customers": {"segment", "region"},
    "customer_quarters": {"quarter_start", "nps_group_before"},
    "orders": {"ordered_on"},
    "customer_clv": {"valued_on"},
    "retention_cohorts": {"quarter_start", "cohort", "quarters_since_start"},
}


@pytest.fixture(scope="module")
def semantic_manifest() -> dict:
    return json.loads(SEMANTIC_MANIFEST.read_text(encoding="utf-8"))


def test_every_required_metric_is_defined_with_its_formula(semantic_manifest: dict) -> None:
    metrics = {m["name"]: m for m in semantic_manifest["metrics"]}
    assert {n: metrics[n]["type"] for n in REQUIRED_METRICS if n in metrics} == REQUIRED_METRICS
    assert metrics["nps"]["type_params"]["expr"] == (
        "100.0 * (promoters - detractors) / nullif(nps_answers, 0)"
    )
    ratios = {
        n: (m["type_params"]["numerator"]["name"], m["type_params"]["denominator"]["name"])
        for n, m in metrics.items()
        if m["type"] == "ratio"
    }
    assert ratios == {
        "csat_top2_share": ("csat_top2_answers", "csat_answers"),
        "ces_top_share": ("ces_top_answers", "ces_answers"),
        "cls_top2_share": ("cls_top2_answers", "cls_answers"),
        "churn_rate": ("customers_lost", "customers_active_at_start"),
        "average_order_value": ("completed_revenue", "completed_orders"),
    }
    # Every metric is documented; the headline ones quote docs/metrics.md, and those that
    # touchpoint and channel do not apply to say so.
    undocumented = [n for n, m in metrics.items() if len(m["description"].split()) < 4]
    assert undocumented == []
    formulas = [n for n, m in metrics.items() if m["type"] != "simple"] + [
        "revenue",
        "clv_total",
        "clv_average",
        "historical_clv_average",
    ]
    assert [n for n in formulas if "docs/metrics.md" not in metrics[n]["description"]] == []
    assert len(formulas) == 16
    assert [
        n for n in NOT_PER_ANSWER if "no touchpoint" not in metrics[n]["description"].lower()
    ] == []
    assert len(metrics) == 39


def test_every_required_dimension_and_the_time_spine_are_declared(
    semantic_manifest: dict,
) -> None:
    models = {m["name"]: m for m in semantic_manifest["semantic_models"]}
    missing = {
        name: sorted(dims - {d["name"] for d in models[name]["dimensions"]})
        for name, dims in REQUIRED_DIMENSIONS.items()
    }
    assert missing == {name: [] for name in REQUIRED_DIMENSIONS}
    grains = {
        (m["name"], d["name"]): d["type_params"]["time_granularity"]
        for m in models.values()
        for d in m["dimensions"]
        if d["type"] == "time"
    }
    assert grains == {
        ("survey_responses", "responded_on"): "day",
        ("customer_quarters", "quarter_start"): "quarter",
        ("retention_cohorts", "quarter_start"): "quarter",
        ("orders", "ordered_on"): "day",
        ("customer_clv", "valued_on"): "day",
    }
    # Every semantic model reads a table the BI copy carries (schema marts).
    assert {m["node_relation"]["schema_name"] for m in models.values()} == {"marts"}
    (spine,) = semantic_manifest["project_configuration"]["time_spines"]
    assert spine["node_relation"]["alias"] == "metricflow_time_spine"
    assert spine["primary_column"] == {"name": "date_day", "time_granularity": "day"}
