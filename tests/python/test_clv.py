"""Predictive CLV: the scipy BG/NBD + Gamma-Gamma fits against CDNOW, Lifetimes and the marts."""

import math

import duckdb
import numpy as np
import polars as pl
import pytest

from orchestration.lib import clv_models as cm
from orchestration.lib.clv_benchmark import simulate_summary
from reports.language import LANGUAGES

# docs/metrics.md "CLV" reference values (public CDNOW sample, 2 357 customers, weekly).
CDNOW_BG_NBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
CDNOW_LOG_LIKELIHOOD = -9582.4
CDNOW_GAMMA_GAMMA = {"p": 6.2488, "q": 3.7446, "v": 15.4477}


@pytest.fixture(scope="module")
def cdnow() -> dict[str, np.ndarray]:
    """The CDNOW summary shipped with Lifetimes (the test-only oracle), as arrays."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from lifetimes.datasets import load_cdnow_summary_data_with_monetary_value

    frame = load_cdnow_summary_data_with_monetary_value()
    data = {c: frame[c].to_numpy(dtype=float) for c in frame.columns}
    data["mean_repeat_value"] = np.where(data["frequency"] > 0, data["monetary_value"], np.nan)
    return data


def test_cdnow_sample_is_the_published_one(cdnow) -> None:
    assert len(cdnow["frequency"]) == 2357
    assert int((cdnow["frequency"] > 0).sum()) == 946


def test_bg_nbd_reproduces_the_published_cdnow_parameters(cdnow) -> None:
    fit = cm.fit_bg_nbd(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    for name, published in CDNOW_BG_NBD.items():
        assert getattr(fit, name) == pytest.approx(published, rel=0.01), name
    assert fit.log_likelihood == pytest.approx(CDNOW_LOG_LIKELIHOOD, abs=0.1)
    assert (fit.n_customers, fit.n_repeat_customers) == (2357, 946)


def test_gamma_gamma_reproduces_the_published_cdnow_values(cdnow) -> None:
    fit = cm.fit_gamma_gamma(cdnow["frequency"], cdnow["mean_repeat_value"])
    for name, published in CDNOW_GAMMA_GAMMA.items():
        assert getattr(fit, name) == pytest.approx(published, rel=0.01), name
        # Much closer than the 1 % the contract asks for.
        assert getattr(fit, name) == pytest.approx(published, rel=1e-4), name
    assert fit.n_customers == 946


def test_predictions_match_the_lifetimes_oracle(cdnow) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pandas as pd
        from lifetimes import BetaGeoFitter, GammaGammaFitter

    f, r, t, m = (cdnow[c] for c in ["frequency", "recency", "T", "monetary_value"])
    bgf = BetaGeoFitter().fit(f, r, t)
    ggf = GammaGammaFitter().fit(f[f > 0], m[f > 0])
    # Lifetimes counts a month as 4.345 weeks; ours defaults to 365.25 / 12 / 7.
    ours = cm.fit_and_predict(f, r, t, cdnow["mean_repeat_value"], m, weeks_per_month=4.345)
    oracle_alive = np.asarray(bgf.conditional_probability_alive(f, r, t))
    oracle_52w = np.asarray(bgf.conditional_expected_number_of_purchases_up_to_time(52, f, r, t))
    oracle_value = np.asarray(ggf.conditional_expected_average_profit(f, m))
    series = [pd.Series(v) for v in (f, r, t, m)]
    oracle_clv = np.asarray(
        ggf.customer_lifetime_value(bgf, *series, time=12, discount_rate=0.01, freq="W")
    )
    ours_52w = cm.expected_purchases(ours.bg_nbd, 52, f, r, t)
    assert np.max(np.abs(ours.probability_alive - oracle_alive)) < 1e-5
    assert np.max(np.abs(ours_52w / oracle_52w - 1)) < 1e-4
    assert np.max(np.abs(ours.expected_order_value / oracle_value - 1)) < 1e-4
    assert np.max(np.abs(ours.clv / oracle_clv - 1)) < 1e-4
    # Customer 1 of CDNOW: 2 repeat purchases, last at 30.43 of 38.86 weeks.
    assert ours.probability_alive[0] == pytest.approx(0.7266, abs=1e-4)
    assert ours.clv[0] == pytest.approx(36.28, abs=0.01)
    assert ours.value_model == cm.VALUE_MODEL_GAMMA_GAMMA


def test_heavy_buyers_stay_finite() -> None:
    fit = cm.BgNbdParams(0.243, 4.414, 0.793, 2.426, 0.0, 0, 0, 0)
    x = np.array([0.0, 1.0, 300.0, 300.0])
    tx = np.array([0.0, 1.0, 155.0, 10.0])
    big_t = np.array([156.0, 156.0, 156.0, 156.0])
    alive = cm.probability_alive(fit, x, tx, big_t)
    purchases = cm.expected_purchases(fit, 52.0, x, tx, big_t)
    assert np.all(np.isfinite(alive)) and np.all(np.isfinite(purchases))
    assert alive[0] == 1.0 and alive[3] < 1e-100 and alive[2] > 0.98
    # 300 purchases in 155 weeks and still buying: about 100 in the next 52 weeks.
    assert 80 < purchases[2] < 110


def test_clv_is_revenue_discounted_and_times_margin(cdnow) -> None:
    args = (
        cdnow["frequency"],
        cdnow["recency"],
        cdnow["T"],
        cdnow["mean_repeat_value"],
        cdnow["monetary_value"],
    )
    plain = cm.fit_and_predict(*args, monthly_discount_rate=0.0, margin=1.0)
    assert np.max(np.abs(plain.clv - plain.expected_revenue)) < 1e-9
    discounted = cm.fit_and_predict(*args, monthly_discount_rate=0.01, margin=0.5)
    ratio = discounted.clv.sum() / plain.clv.sum()
    # Half the margin, and 12 monthly discounts of 1 % weigh between 1/1.01^12 and 1/1.01.
    assert 0.5 / 1.01**12 < ratio < 0.5 / 1.01


def test_the_fit_recovers_simulated_parameters() -> None:
    summary = simulate_summary(20_000, seed=3)
    fit = cm.fit_bg_nbd(summary.frequency, summary.recency, summary.t)
    for name, true in {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}.items():
        assert getattr(fit, name) == pytest.approx(true, rel=0.15), name


def test_too_few_repeat_customers_is_a_clear_error() -> None:
    n, repeat = 200, 5
    x = np.zeros(n)
    x[:repeat] = 2
    tx = np.where(x > 0, 10.0, 0.0)
    big_t = np.full(n, 30.0)
    with pytest.raises(cm.ClvFitError) as error:
        cm.fit_and_predict(x, tx, big_t, np.where(x > 0, 20.0, np.nan), np.full(n, 20.0))
    assert str(error.value) == (
        "BG/NBD needs at least 30 customers with a repeat purchase (frequency > 0); "
        "the summary has 5 of 200 customers"
    )


def test_non_convergence_is_a_clear_error(cdnow) -> None:
    with pytest.raises(cm.ClvFitError, match=r"^BG/NBD fit did not converge after 2 iterations"):
        cm.fit_bg_nbd(cdnow["frequency"], cdnow["recency"], cdnow["T"], max_iterations=2)


def test_a_bad_summary_is_rejected_with_its_reason() -> None:
    with pytest.raises(cm.ClvFitError, match=r"recency must lie in \[0, T\]"):
        cm.fit_bg_nbd(np.array([1.0, 2.0]), np.array([5.0, 40.0]), np.array([30.0, 30.0]))
    with pytest.raises(cm.ClvFitError, match="no customer has a purchase"):
        cm.fit_bg_nbd(np.array([]), np.array([]), np.array([]))


def test_unusable_gamma_gamma_falls_back_to_historical_means_without_nan(cdnow) -> None:
    # Spend so spread out across customers (log-sd 3) that Gamma-Gamma's q drops below 1.
    rng = np.random.default_rng(5)
    n = len(cdnow["frequency"])
    spend = np.exp(rng.normal(3.0, 3.0, n))
    result = cm.fit_and_predict(
        cdnow["frequency"],
        cdnow["recency"],
        cdnow["T"],
        np.where(cdnow["frequency"] > 0, spend, np.nan),
        spend,
    )
    assert result.value_model == cm.VALUE_MODEL_HISTORICAL_MEAN
    assert result.gamma_gamma is None
    assert result.fallback_reason.startswith("Gamma-Gamma q = ")
    assert np.array_equal(result.expected_order_value, spend)
    for values in (result.probability_alive, result.expected_purchases, result.clv):
        assert int(np.count_nonzero(~np.isfinite(values))) == 0


def test_non_finite_predictions_are_refused_not_written(cdnow, monkeypatch) -> None:
    def broken(*args, **kwargs):
        return np.full(len(cdnow["frequency"]), np.nan)

    monkeypatch.setattr(cm, "expected_purchases", broken)
    with pytest.raises(cm.ClvFitError, match=r"not finite .*expected_purchases: 2357"):
        cm.fit_and_predict(
            cdnow["frequency"],
            cdnow["recency"],
            cdnow["T"],
            cdnow["mean_repeat_value"],
            cdnow["monetary_value"],
        )


# --- models that cannot be fitted: a finding, not a crash ---------------------------------


def steady_buyers(n: int = 3000, seed: int = 3) -> dict[str, np.ndarray]:
    """Customers who buy every week without a gap and never drop out (weeks 1-104)."""
    rng = np.random.default_rng(seed)
    weeks = rng.integers(1, 105, n).astype(float)
    return {
        "frequency": weeks,
        "recency": weeks,
        "T": weeks + rng.integers(0, 7, n) / 7.0,
        "value": rng.uniform(20, 200, n),
    }


def test_steady_buyers_who_never_drop_out_run_bg_nbd_to_the_edge() -> None:
    data = steady_buyers()
    with pytest.raises(cm.ClvFitError, match="ran to the edge of the parameter space") as error:
        cm.fit_and_predict(
            data["frequency"], data["recency"], data["T"], data["value"], data["value"]
        )
    assert error.value.reason == cm.REASON_BOUNDARY


# Simulated 8-quarter samples of 1 500 customers (BG/NBD with few drop-outs): on one L-BFGS-B
# stops on its own "relative reduction of f" rule with a largest gradient (1.16e-05) above the
# old fixed absolute tolerance of 1e-5, on the other the line search stops at machine precision
# (ABNORMAL) with 2.1e-05: both were rejected as "did not converge" before.
ORDINARY_SLOW_FITS = [
    ({"r": 0.5, "alpha": 10.0, "a": 0.05, "b": 15.0}, 11, True, 1.16e-5),
    ({"r": 0.5, "alpha": 10.0, "a": 0.1, "b": 15.0}, 13, False, 2.11e-5),
]


@pytest.mark.parametrize(("params", "seed", "scipy_success", "gradient"), ORDINARY_SLOW_FITS)
def test_convergence_is_judged_on_the_scale_of_the_likelihood(
    params, seed, scipy_success, gradient, monkeypatch
) -> None:
    from scipy import optimize

    seen = {}
    minimize = optimize.minimize

    def spy(objective, *args, **kwargs):
        result = minimize(objective, *args, **kwargs)
        seen.update(success=result.success, gradient=np.max(np.abs(objective(result.x)[1])))
        return result

    monkeypatch.setattr(cm.optimize, "minimize", spy)
    s = simulate_summary(1500, seed=seed, t_range=(0.0, 104.0), bg_nbd=params)
    fit = cm.fit_bg_nbd(s.frequency, s.recency, s.t)
    assert seen["success"] is scipy_success
    assert seen["gradient"] == pytest.approx(gradient, rel=0.05)
    assert seen["gradient"] > 1e-5  # the old absolute tolerance
    # The fit is good: the mean purchase rate and the drop-out chance per purchase are the
    # simulated ones within sampling error.
    assert fit.r / fit.alpha == pytest.approx(params["r"] / params["alpha"], rel=0.15)
    assert fit.a / (fit.a + fit.b) == pytest.approx(
        params["a"] / (params["a"] + params["b"]), abs=0.01
    )
    # Such samples sit on BG/NBD's ridge (a and b large, a / (a + b) fixed): the fit is right,
    # but scipy's hypergeometric function cannot evaluate the predictions there. That is
    # refused as non-finite (the asset then publishes the historical fallback), never as
    # "did not converge".
    with pytest.raises(cm.ClvFitError) as error:
        cm.fit_and_predict(s.frequency, s.recency, s.t, s.mean_repeat_value, s.mean_purchase_value)
    assert error.value.reason == cm.REASON_NON_FINITE


def purchase_warehouse(path, orders: pl.DataFrame, end: str = "2024-12-31") -> None:
    """intermediate.int_orders__net_amounts and the purchase summary dbt builds from it."""
    con = duckdb.connect(str(path))
    con.execute("create schema intermediate")
    con.register("orders_frame", orders.to_arrow())
    con.execute(
        "create table intermediate.int_orders__net_amounts as select customer_id, "
        "cast(ordered_on as date) as ordered_on, status, cast(amount as double) as amount "
        "from orders_frame"
    )
    con.execute(
        f"""
        create table intermediate.int_customers__purchase_summary as
        with days as (
            select customer_id, ordered_on, sum(amount) as day_amount
            from intermediate.int_orders__net_amounts where status = 'completed'
            group by all
        ),
        numbered as (
            select *, row_number() over (partition by customer_id order by ordered_on) as k
            from days
        )
        select
            customer_id,
            count(*) - 1 as frequency,
            date_diff('day', min(ordered_on), max(ordered_on)) / 7e0 as recency_weeks,
            date_diff('day', min(ordered_on), date '{end}') / 7e0 as t_weeks,
            avg(case when k > 1 then day_amount end) as mean_repeat_value,
            avg(day_amount) as mean_purchase_value,
            date '{end}' as calibration_end_on
        from numbered group by customer_id
        """
    )
    con.close()


def steady_orders(n: int = 400, seed: int = 3) -> pl.DataFrame:
    """n customers who order every week from their first week until 2024-12-31, no gaps."""
    from datetime import date, timedelta

    rng = np.random.default_rng(seed)
    end = date(2024, 12, 31)
    rows = []
    for i in range(n):
        weeks = int(rng.integers(1, 105))
        amount = round(float(rng.uniform(20, 200)), 2)
        for k in range(weeks + 1):
            rows.append((f"C{i:04d}", end - timedelta(weeks=weeks - k), "completed", amount))
        rows.append((f"C{i:04d}", end - timedelta(days=3), "refunded", 999.0))
    return pl.DataFrame(
        rows, schema=["customer_id", "ordered_on", "status", "amount"], orient="row"
    )


def materialize_clv(path, tmp_path, monkeypatch):
    import dagster as dg

    from orchestration.defs.analytics.clv import clv_predictions
    from orchestration.resources import DuckDBWarehouse

    monkeypatch.setenv("CX_LAKE_DIR", str(tmp_path / "lake"))
    return dg.materialize(
        [clv_predictions],
        resources={"warehouse": DuckDBWarehouse(path=str(path))},
        raise_on_error=False,
    )


def model_check(result):
    (evaluation,) = result.get_asset_check_evaluations()
    assert evaluation.check_name == "clv_model_fitted"
    return evaluation, {k: v.value for k, v in evaluation.metadata.items()}


def test_an_unfittable_model_publishes_the_historical_value_and_warns(
    tmp_path, monkeypatch
) -> None:
    import dagster as dg

    orders = steady_orders()
    path = tmp_path / "steady.duckdb"
    purchase_warehouse(path, orders)
    result = materialize_clv(path, tmp_path, monkeypatch)
    assert result.success
    evaluation, metadata = model_check(result)
    assert evaluation.passed is False
    assert evaluation.severity == dg.AssetCheckSeverity.WARN
    assert metadata["reason"] == cm.REASON_BOUNDARY
    assert metadata["message"].startswith("BG/NBD fit is degenerate: parameters [")
    assert metadata["value_model"] == "historical"
    assert metadata["customers"] == 400

    con = duckdb.connect(str(path), read_only=True)
    table = con.sql("select * from analytics.clv_predictions order by customer_id").pl()
    con.close()
    assert set(table["value_model"]) == {"historical"}
    assert set(table["fallback_reason"]) == {cm.REASON_BOUNDARY}
    assert table["probability_alive"].null_count() == 400
    # Historical value: completed orders in the 12 months to 2024-12-31, independently.
    from datetime import date

    window = orders.filter(
        (pl.col("status") == "completed") & (pl.col("ordered_on") > date(2023, 12, 31))
    )
    expected = (
        window.group_by("customer_id")
        .agg(value=pl.col("amount").sum(), days=pl.col("ordered_on").n_unique())
        .sort("customer_id")
    )
    assert table["customer_id"].to_list() == expected["customer_id"].to_list()
    assert np.allclose(table["expected_revenue"], expected["value"], rtol=1e-12)
    assert table["expected_purchases"].to_list() == expected["days"].cast(pl.Float64).to_list()
    discount = np.mean(1.01 ** -np.arange(1, 13))
    assert np.allclose(table["clv"], expected["value"] * discount, rtol=1e-12)
    # One customer, by hand: weekly at a fixed amount, so the order value is that amount.
    first = orders.filter(pl.col("customer_id") == "C0000")
    assert table["expected_order_value"][0] == pytest.approx(first["amount"][0])


def test_too_few_repeat_buyers_is_a_finding_too(tmp_path, monkeypatch) -> None:
    from datetime import date

    rows = [(f"C{i:02d}", date(2024, 3, 1), "completed", 10.0) for i in range(50)]
    rows += [(f"C{i:02d}", date(2024, 6, 1), "completed", 30.0) for i in range(3)]
    orders = pl.DataFrame(
        rows, schema=["customer_id", "ordered_on", "status", "amount"], orient="row"
    )
    path = tmp_path / "few.duckdb"
    purchase_warehouse(path, orders)
    result = materialize_clv(path, tmp_path, monkeypatch)
    assert result.success
    evaluation, metadata = model_check(result)
    assert (evaluation.passed, metadata["reason"]) == (False, cm.REASON_TOO_FEW_REPEAT)
    assert metadata["message"] == (
        "BG/NBD needs at least 30 customers with a repeat purchase (frequency > 0); "
        "the summary has 3 of 50 customers"
    )
    con = duckdb.connect(str(path), read_only=True)
    revenue = dict(
        con.execute(
            "select customer_id, expected_revenue from analytics.clv_predictions"
        ).fetchall()
    )
    con.close()
    assert revenue["C00"] == 40.0 and revenue["C10"] == 10.0


def test_a_bad_summary_still_fails_the_asset_and_writes_nothing(tmp_path, monkeypatch) -> None:
    path = tmp_path / "bad.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema intermediate")
    con.execute(
        "create table intermediate.int_customers__purchase_summary as select "
        "'C' || i as customer_id, 2 as frequency, 50.0 as recency_weeks, 20.0 as t_weeks, "
        "10.0 as mean_repeat_value, 10.0 as mean_purchase_value from range(50) as t(i)"
    )
    con.close()
    result = materialize_clv(path, tmp_path, monkeypatch)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert "CLV fit failed, nothing written: bad customer summary: recency must lie in [0, T]" in (
        failure.event_specific_data.error.message
    )
    con = duckdb.connect(str(path), read_only=True)
    tables = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'analytics'"
    ).fetchall()[0][0]
    con.close()
    assert tables == 0


# --- on the pipeline's warehouse -----------------------------------------------------------


def completed_order_customers(inbox) -> set[str]:
    """Customers with a completed order, straight from the order CSVs (last load wins)."""
    orders = pl.concat(
        [pl.read_csv(p, infer_schema=False) for p in sorted((inbox / "crm_orders").glob("*.csv"))],
        how="diagonal",
    )
    latest = orders.unique("order_id", keep="last")
    completed = latest.filter(
        (pl.col("status").str.strip_chars().str.to_lowercase() == "completed")
        & pl.col("amount").cast(pl.Float64, strict=False).is_not_null()
    )
    return set(completed["customer_id"].to_list())


def test_one_prediction_per_customer_with_orders_and_no_nan(pipeline, mart) -> None:
    expected = completed_order_customers(pipeline.inbox)
    rows = mart.execute("select customer_id from marts.mart_customer_clv").fetchall()
    assert len(rows) == len({r[0] for r in rows}) == len(expected)
    assert {r[0] for r in rows} == expected
    numeric = [
        r[0]
        for r in mart.execute(
            "select column_name from information_schema.columns where table_schema = 'marts' "
            "and table_name = 'mart_customer_clv' and data_type = 'DOUBLE'"
        ).fetchall()
    ]
    assert len(numeric) >= 10
    for column in numeric:
        nan = mart.execute(
            f"select count(*) from marts.mart_customer_clv where isnan({column})"
        ).fetchall()[0][0]
        assert nan == 0, column
    nulls = mart.execute(
        "select count(*) from marts.mart_customer_clv where probability_alive is null "
        "or expected_purchases is null or expected_revenue is null or clv is null"
    ).fetchall()[0][0]
    assert nulls == 0


def test_churned_customers_are_worth_nothing_and_active_ones_something(mart) -> None:
    churned, churned_clv, active, active_clv = mart.execute(
        "select count(*) filter (where is_churned), sum(clv) filter (where is_churned), "
        "count(*) filter (where not is_churned), sum(clv) filter (where not is_churned) "
        "from marts.mart_customer_clv"
    ).fetchall()[0]
    assert churned > 100 and churned_clv == 0
    assert active > 1000 and active_clv > 0


def test_the_asset_reports_its_fit(pipeline, mart) -> None:
    from dagster import AssetKey

    events = [
        e
        for e in pipeline.first.get_asset_materialization_events()
        if e.asset_key == AssetKey(["analytics", "clv_predictions"])
    ]
    assert len(events) == 1
    metadata = {k: v.value for k, v in events[0].materialization.metadata.items()}
    rows = mart.execute("select count(*) from analytics.clv_predictions").fetchall()[0][0]
    assert metadata["customers"] == rows
    assert metadata["fit_seconds"] < 30
    assert all(math.isfinite(metadata[k]) for k in ["bg_nbd_r", "bg_nbd_alpha", "bg_nbd_a"])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_report_names_the_model_and_why_it_fell_back(lang) -> None:
    from reports.data import SectionData
    from reports.language import load_locale
    from reports.sections.value import value_section

    loc = load_locale(lang)

    def section(value_model: str, reason: str | None) -> dict:
        rows = [
            {"segment": s, "n_customers": 400, "mean_clv": 1000.0, "clv_ci_low": 950.0,
             "clv_ci_high": 1050.0, "horizon_months": 12, "value_model": value_model,
             "fallback_reason": reason, "is_reportable": True, "retention_n_customers": 400,
             "quarterly_retention_pct": 95.0, "margin_per_customer_quarter": 100.0,
             "clv_margin": 1.0, "quarterly_discount_rate": 0.030301, "simple_clv": 1179.9,
             "simple_clv_ci_low": 1000.0, "simple_clv_ci_high": 1400.0,
             "simple_clv_is_reportable": True}
            for s in ("all", "A")
        ]  # fmt: skip
        return value_section(SectionData({"clv": rows, "risk": []}), "2024-Q4", loc, 30)

    fallback = section("historical", cm.REASON_BOUNDARY)
    assert fallback["clv_model_note"] == loc.text["clv_model"]["historical"].format(
        reason=loc.text["clv_reasons"]["parameters_at_boundary"], months="12"
    )
    assert fallback["clv_caption"] == loc.text["clv_caption_historical"].format(months="12")
    model = section("gamma_gamma", None)
    assert model["clv_model_note"] == loc.text["clv_model"]["gamma_gamma"]
    assert model["clv_caption"] == loc.text["clv_caption"].format(months="12")
    spend = section("historical_mean", cm.REASON_UNBOUNDED_SPEND)
    assert loc.text["clv_reasons"]["unbounded_spend"] in spend["clv_model_note"]


# --- a whole run on steady buyers ----------------------------------------------------------


def write_steady_orders(inbox, seed: int = 5) -> None:
    """Replace the sample's orders: every customer orders every week, no gaps, no drop-out."""
    from datetime import datetime, timedelta

    customers = sorted(
        set(
            pl.concat(
                [pl.read_csv(p, infer_schema=False) for p in (inbox / "crm_customers").glob("*")]
            )["customer_id"].to_list()
        )
    )
    rng = np.random.default_rng(seed)
    end = datetime(2024, 12, 30, 10, 0)
    rows = []
    for customer in customers:
        weeks = int(rng.integers(20, 104))
        amount = f"{rng.uniform(50, 500):.2f}"
        for k in range(weeks + 1):
            at = end - timedelta(weeks=weeks - k)
            rows.append((customer, at.strftime("%Y-%m-%dT%H:%M:%S"), amount, at.year))
    frame = pl.DataFrame(rows, schema=["customer_id", "ordered_at", "amount", "year"], orient="row")
    frame = frame.sort("ordered_at").with_row_index("n", offset=1)
    for path in (inbox / "crm_orders").glob("*"):
        path.unlink()
    for (year,), part in frame.partition_by("year", as_dict=True).items():
        part.select(
            order_id=pl.format("S{}", pl.col("n").cast(pl.String).str.zfill(7)),
            customer_id="customer_id",
            ordered_at="ordered_at",
            amount="amount",
            currency=pl.lit("EUR"),
            status=pl.lit("completed"),
        ).write_csv(inbox / "crm_orders" / f"orders_{year}.csv")


@pytest.mark.slow  # runs the Dagster job on a warehouse of its own
def test_a_run_on_steady_buyers_is_green_and_the_report_names_the_fallback(
    tmp_path, monkeypatch
) -> None:
    from conftest import run_build_all
    from test_reports import visible_text

    from orchestration.sample_data import generate
    from reports.language import load_locale
    from reports.publish import PAGE

    inbox = tmp_path / "inbox"
    generate(inbox, customers=300, seed=11, quarters=8)
    write_steady_orders(inbox)
    monkeypatch.setenv("CX_INBOX", str(inbox))
    monkeypatch.setenv("CX_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("CX_REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv("CX_INBOX_SETTLE_SECONDS", "0")
    monkeypatch.setenv("CX_REPORTS_PDF", "0")
    result = run_build_all()
    assert result.success

    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    check = checks["clv_model_fitted"]
    metadata = {k: v.value for k, v in check.metadata.items()}
    assert (check.passed, metadata["value_model"]) == (False, "historical")
    assert metadata["reason"] == cm.REASON_BOUNDARY

    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    models = con.execute("select distinct value_model from marts.mart_customer_clv").fetchall()
    con.close()
    assert models == [("historical",)]
    for lang in LANGUAGES:
        loc = load_locale(lang)
        page = visible_text((tmp_path / "reports" / lang / "2024-Q4" / PAGE).read_text("utf-8"))
        note = loc.text["clv_model"]["historical"].format(
            reason=loc.text["clv_reasons"]["parameters_at_boundary"], months="12"
        )
        assert note in page
        assert loc.text["clv_caption_historical"].format(months="12") in page


def test_simple_retention_clv_assumes_what_the_bg_nbd_fit_assumes() -> None:
    """The simple retention CLV (dbt vars of mart_customer_clv__segment) and the BG/NBD asset
    (ClvConfig) value revenue with the same margin and monthly discount rate by default."""
    import yaml

    from orchestration.defs.analytics.clv import ClvConfig
    from orchestration.settings import PROJECT_DIR

    dbt_vars = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]
    config = ClvConfig()
    assert (dbt_vars["clv_margin"], dbt_vars["clv_monthly_discount_rate"]) == (1.0, 0.01)
    assert (config.margin, config.monthly_discount_rate) == (1.0, 0.01)
