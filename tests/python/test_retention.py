"""Churn, retention, cohort, value and revenue-at-risk marts, checked against the raw CSVs."""

import math
import re
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from conftest import PipelineRuns

HELSINKI = "Europe/Helsinki"


def read_csvs(folder: Path) -> pl.DataFrame:
    frames = [
        pl.read_csv(p, infer_schema=False).with_columns(file=pl.lit(p.name))
        for p in sorted(folder.glob("*.csv"))
    ]
    return pl.concat(frames, how="diagonal")


def local_time(column: str) -> pl.Expr:
    """The contract's timestamp forms as Helsinki time (no offset = Helsinki wall clock)."""
    text = pl.col(column)

    def naive(fmt: str) -> pl.Expr:
        parsed = text.str.strptime(pl.Datetime("us"), fmt, strict=False)
        return parsed.dt.replace_time_zone(HELSINKI, ambiguous="earliest")

    with_offset = text.str.strptime(pl.Datetime("us", "UTC"), "%Y-%m-%dT%H:%M:%S%:z", strict=False)
    return pl.coalesce(
        naive("%Y-%m-%dT%H:%M:%S"),
        naive("%d.%m.%Y %H.%M"),
        with_offset.dt.convert_time_zone(HELSINKI),
    )


def quarter_of(expr: pl.Expr) -> pl.Expr:
    return pl.date(expr.dt.year(), (expr.dt.quarter() - 1) * 3 + 1, 1)


def customers_from_csvs(inbox: Path) -> pl.DataFrame:
    """One row per customer from the latest snapshot holding it, with its first churn quarter."""
    snapshots = read_csvs(inbox / "crm_customers").with_columns(
        snapshot=pl.col("file").str.extract(r"(\d{4}-\d{2}-\d{2})")
    )
    customers = (
        snapshots.sort("snapshot")
        .unique("customer_id", keep="last")
        .select(
            "customer_id",
            segment=pl.col("segment").str.strip_chars().str.to_lowercase(),
            created_q=quarter_of(local_time("created_at")),
        )
    )
    churn = (
        read_csvs(inbox / "churn_events")
        .group_by("customer_id")
        .agg(churned_at=local_time("churned_at").min())
        .select("customer_id", churn_q=quarter_of(pl.col("churned_at")))
    )
    return customers.join(churn, on="customer_id", how="left")


def window_quarters(inbox: Path) -> list[date]:
    orders = read_csvs(inbox / "crm_orders").select(q=quarter_of(local_time("ordered_at")))
    first, last = orders["q"].min(), orders["q"].max()
    quarters, q = [], first
    while q <= last:
        quarters.append(q)
        q = date(q.year + (q.month + 3 > 12), (q.month + 2) % 12 + 1, 1)
    return quarters


def label(q: date) -> str:
    return f"{q.year}-Q{(q.month - 1) // 3 + 1}"


def test_mart_churn_equals_an_independent_polars_recomputation(
    pipeline: PipelineRuns, mart
) -> None:
    customers = customers_from_csvs(pipeline.inbox)
    quarters = pl.DataFrame({"q": window_quarters(pipeline.inbox)})
    at_start = (
        customers.join(quarters, how="cross")
        .filter(
            (pl.col("created_q") < pl.col("q"))
            & (pl.col("churn_q").is_null() | (pl.col("churn_q") >= pl.col("q")))
        )
        .with_columns(lost=pl.col("churn_q") == pl.col("q"))
    )
    both = pl.concat(
        [at_start, at_start.with_columns(segment=pl.lit("all"))], how="vertical_relaxed"
    )
    expected = (
        both.group_by("q", "segment")
        .agg(s=pl.len(), l=pl.col("lost").fill_null(False).sum())
        .with_columns(
            quarter=pl.col("q").map_elements(label, return_dtype=pl.String),
            churn=100.0 * pl.col("l") / pl.col("s"),
        )
    )
    actual = pl.from_arrow(
        mart.sql(
            "select quarter, segment, active_at_start, lost, churn_pct, retention_pct "
            "from marts.mart_churn__quarter_segment"
        ).to_arrow_table()
    )
    joined = expected.join(actual, on=["quarter", "segment"], how="full", coalesce=True)
    assert joined.height == expected.height == actual.height == 12 * 5
    assert (joined["s"] == joined["active_at_start"]).all()
    assert (joined["l"] == joined["lost"]).all()
    assert (joined["churn"] - joined["churn_pct"]).abs().max() < 1e-9
    assert (joined["retention_pct"] + joined["churn_pct"] - 100).abs().max() < 1e-9
    # The sample's churn: about 2 % a quarter, every quarter, all customers.
    all_rows = joined.filter(pl.col("segment") == "all")
    assert all_rows["churn_pct"].min() > 1.0 and all_rows["churn_pct"].max() < 4.0


def test_churn_counts_add_up(mart) -> None:
    rows = mart.execute(
        "select quarter, segment, active_at_start, lost, acquired, acquired_and_lost, "
        "active_at_end from marts.mart_churn__quarter_segment order by quarter, segment"
    ).fetchall()
    for quarter, segment, s, lost, acquired, acquired_lost, at_end in rows:
        assert at_end == s - lost + acquired - acquired_lost, (quarter, segment)
    totals = {}
    for quarter, segment, *counts in rows:
        key = (quarter, segment == "all")
        totals[key] = [a + b for a, b in zip(totals.get(key, [0] * 5), counts, strict=True)]
    for quarter in {r[0] for r in rows}:
        assert totals[(quarter, False)] == totals[(quarter, True)], quarter
    # One quarter's end is the next one's start (segments as of the latest snapshot).
    ends = [r for r in rows if r[1] == "all"]
    for previous, current in zip(ends, ends[1:], strict=False):
        assert current[2] == previous[6], current[0]


def test_detractors_churn_at_least_twice_as_often_as_promoters(mart) -> None:
    groups = {
        r[0]: r[1:]
        for r in mart.execute(
            "select score_group, active_at_start, lost, churn_pct, churn_ratio_vs_best_group "
            "from marts.mart_churn__score_group where quarter = 'all' and score = 'nps'"
        ).fetchall()
    }
    assert set(groups) == {"promoter", "passive", "detractor", "no_answer"}
    d_s, d_lost, d_churn, d_ratio = groups["detractor"]
    p_s, p_lost, p_churn, p_ratio = groups["promoter"]
    assert d_s > 1000 and p_s > 1000
    assert d_churn == pytest.approx(100.0 * d_lost / d_s, abs=1e-9)
    assert d_churn >= 2 * p_churn
    assert d_ratio == pytest.approx(d_churn / p_churn, rel=1e-12) and d_ratio >= 2.0
    assert p_ratio == 1.0
    # CSAT tells the same story, more weakly: not-top-2-box customers churn more.
    csat = dict(
        mart.execute(
            "select score_group, churn_ratio_vs_best_group from marts.mart_churn__score_group "
            "where quarter = 'all' and score = 'csat'"
        ).fetchall()
    )
    assert csat["top2"] == 1.0 and csat["not_top2"] >= 1.5


def test_churn_ratio_interval_and_gate_recomputed_in_every_quarter(mart) -> None:
    """Katz's interval and the lost-count gate, recomputed in Python from the mart's counts."""
    rows = mart.execute(
        "select g.quarter, g.score, g.active_at_start, g.lost, g.churn_ratio_ci_low, "
        "g.churn_ratio_ci_high, g.churn_ratio_is_reportable, b.active_at_start, b.lost "
        "from marts.mart_churn__score_group as g "
        "inner join marts.mart_churn__score_group as b on g.quarter = b.quarter "
        "and g.score = b.score and b.score_group in ('promoter', 'top2') "
        "where g.score_group not in ('promoter', 'top2')"
    ).fetchall()
    quarters = {r[0] for r in rows}
    assert "all" in quarters and len(quarters) > 8
    assert len(rows) == len(quarters) * (3 + 2)  # 3 NPS and 2 CSAT groups besides the best
    claimed = 0
    for quarter, score, n1, a, low, high, gate, n2, c in rows:
        if a == 0 or c == 0:
            assert low is None and high is None and gate is False, (quarter, score)
            continue
        log_rr = math.log((a / n1) / (c / n2))
        se = math.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n2)
        # The mart rounds the bounds to 6 decimals (macros/retention.sql risk_ratio_ci).
        assert low == pytest.approx(math.exp(log_rr - 1.96 * se), abs=5.1e-7)
        assert high == pytest.approx(math.exp(log_rr + 1.96 * se), abs=5.1e-7)
        assert gate == (n1 >= 30 and n2 >= 30 and a >= 5 and c >= 5), (quarter, score)
        claimed += gate
    assert claimed > 0


def test_score_groups_cover_every_customer_at_risk(mart) -> None:
    mismatches = mart.execute(
        "select g.quarter, g.score from marts.mart_churn__score_group as g "
        "inner join marts.mart_churn__quarter_segment as s "
        "on g.quarter = s.quarter and s.segment = 'all' "
        "group by g.quarter, g.score, s.active_at_start, s.lost "
        "having sum(g.active_at_start) <> s.active_at_start or sum(g.lost) <> s.lost"
    ).fetchall()
    assert mismatches == []
    per_quarter = mart.execute(
        "select count(*) from marts.mart_churn__score_group where quarter <> 'all'"
    ).fetchall()[0][0]
    assert per_quarter == 12 * 7 - 5  # no answers exist before the first quarter


def test_cohort_triangle(mart) -> None:
    rows = mart.execute(
        "select cohort, quarters_since_start, cohort_size, active_at_end, retention_pct "
        "from marts.mart_retention__cohort order by cohort, quarters_since_start"
    ).fetchall()
    cohorts = sorted({r[0] for r in rows})
    assert len(cohorts) == 12 and cohorts[0] == "2023-Q1"
    assert len(rows) == 12 * 13 // 2
    previous: dict[str, int] = {}
    for cohort, k, size, active, share in rows:
        assert share == pytest.approx(100.0 * active / size, abs=1e-9)
        assert active <= previous.get(cohort, size), (cohort, k)
        previous[cohort] = active
    sizes = {r[0]: r[2] for r in rows}
    in_window = mart.execute(
        "select count(*) from marts.mart_customer_value "
        "where coalesce(first_order_at, created_at) >= timestamptz '2023-01-01 00:00:00+02'"
    ).fetchall()[0][0]
    assert sum(sizes.values()) == in_window
    first = [r for r in rows if r[0] == "2023-Q1"]
    assert first[0][4] > 95 and 60 < first[-1][4] < 90


def test_customer_net_revenue_equals_the_order_csvs(pipeline: PipelineRuns, mart) -> None:
    orders = read_csvs(pipeline.inbox / "crm_orders").unique("order_id", keep="last")
    amount = pl.col("amount").str.replace(",", ".").cast(pl.Float64, strict=False)
    status = pl.col("status").str.strip_chars().str.to_lowercase()
    expected = (
        orders.filter(amount.is_not_null() & status.is_in(["completed", "refunded"]))
        .group_by("customer_id")
        .agg(
            net=(
                # One row per order with its latest status: a refunded order nets to 0.
                pl.when(status == "completed").then(amount).otherwise(0.0)
            ).sum(),
            completed=(status == "completed").sum(),
        )
    )
    actual = pl.from_arrow(
        mart.sql(
            "select customer_id, cast(net_revenue as double) as net_revenue, "
            "n_completed_orders from marts.mart_customer_value where n_completed_orders > 0 "
            "or n_refunded_orders > 0"
        ).to_arrow_table()
    )
    joined = expected.join(actual, on="customer_id", how="full", coalesce=True)
    assert joined.height == expected.height == actual.height
    assert (joined["net"] - joined["net_revenue"]).abs().max() < 1e-6
    assert (joined["completed"] == joined["n_completed_orders"]).all()
    bad = mart.execute(
        "select count(*) from marts.mart_customer_value where average_order_value <> "
        "completed_revenue / n_completed_orders or tenure_days < 0"
    ).fetchall()[0][0]
    assert bad == 0


def test_revenue_at_risk_segments_add_up_to_all(mart) -> None:
    mismatches = mart.execute(
        "select a.quarter from marts.mart_revenue_at_risk__quarter_segment as a "
        "inner join marts.mart_revenue_at_risk__quarter_segment as s "
        "on a.quarter = s.quarter and a.segment = 'all' and s.segment <> 'all' "
        "group by a.quarter, a.revenue_at_risk, a.trailing_12m_net_revenue, a.customers_at_risk "
        "having sum(s.revenue_at_risk) <> a.revenue_at_risk "
        "or sum(s.trailing_12m_net_revenue) <> a.trailing_12m_net_revenue "
        "or sum(s.customers_at_risk) <> a.customers_at_risk"
    ).fetchall()
    assert mismatches == []
    quarters, full_years, low, high = mart.execute(
        "select count(*), count(*) filter (where has_full_trailing_year), "
        "min(revenue_at_risk_pct), max(revenue_at_risk_pct) "
        "from marts.mart_revenue_at_risk__quarter_segment where segment = 'all'"
    ).fetchall()[0]
    assert (quarters, full_years) == (12, 9)
    assert low > 0 and high < 30


def test_cls_is_already_published_at_customer_and_period_level(mart) -> None:
    for table in ["mart_cx_scores__customer_quarter", "mart_cx_scores__quarter"]:
        columns = {
            r[0]
            for r in mart.execute(
                "select column_name from information_schema.columns "
                "where table_schema = 'marts' and table_name = ?",
                [table],
            ).fetchall()
        }
        assert {"cls_pct", "cls_mean"} <= columns, table
        filled = mart.execute(
            f"select count(*) from marts.{table} where cls_pct between 0 and 100 "
            "and cls_mean between 1 and 5"
        ).fetchall()[0][0]
        assert filled > 10, table


def test_quarter_labels_are_helsinki_quarters(mart) -> None:
    labels = [
        r[0]
        for r in mart.execute(
            "select distinct quarter from marts.mart_churn__quarter_segment order by 1"
        ).fetchall()
    ]
    assert labels[0] == "2023-Q1" and labels[-1] == "2025-Q4" and len(labels) == 12
    assert all(re.fullmatch(r"\d{4}-Q[1-4]", q) for q in labels)
