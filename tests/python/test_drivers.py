"""Key drivers: Johnson relative weights against R's rwa on diamonds, and the driver marts."""

import math
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest
from scipy.stats import norm

from orchestration.defs.analytics import drivers as dr
from orchestration.lib.relative_weights import (
    RelativeWeightsError,
    bootstrap_shares,
    distinct_rows,
    relative_weights,
    weighted_shares,
)

DIAMONDS = Path(__file__).parent.parent / "data" / "diamonds" / "diamonds_carat_depth_price.csv.gz"
# docs/metrics.md "Key drivers": R rwa(diamonds, "price", c("depth", "carat")), as printed.
RWA_RAW_WEIGHTS = {"depth": 0.000729149, "carat": 0.849946308}
RWA_R_SQUARED = 0.8506755

HEADLINE = (pl.col("segment") == "all") & (pl.col("touchpoint") == "all")


@pytest.fixture(scope="module")
def diamonds() -> pl.DataFrame:
    return pl.read_csv(DIAMONDS)


def ols_r_squared(x: np.ndarray, y: np.ndarray) -> float:
    """R² of an ordinary least-squares fit with intercept (independent of the weights code)."""
    design = np.column_stack([np.ones(len(y)), x])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    residuals = y - design @ coef
    return 1.0 - float(residuals @ residuals) / float(((y - y.mean()) ** 2).sum())


def correlated(n: int, p: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Correlated predictors (a shared factor) and an outcome leaning on them unequally."""
    rng = np.random.default_rng(seed)
    common = rng.normal(size=(n, 1))
    x = 0.6 * common + rng.normal(size=(n, p))
    y = x @ np.linspace(1.0, 0.1, p) + rng.normal(scale=1.5, size=n)
    return x, y


# ---------------------------------------------------------------- relative weights (numpy) ---


def test_diamonds_sample_is_ggplot2s(diamonds: pl.DataFrame) -> None:
    assert diamonds.shape == (53940, 3)
    assert diamonds["price"].sum() == 212_135_217  # mean 3932.80, as ggplot2 documents


def test_diamonds_reproduce_rwa_to_the_printed_digits(diamonds: pl.DataFrame) -> None:
    names = list(RWA_RAW_WEIGHTS)
    fit = relative_weights(
        diamonds.select(names).to_numpy(), diamonds["price"].to_numpy(), names=names
    )
    for name, weight in zip(names, fit.raw_weights, strict=True):
        assert round(float(weight), 9) == RWA_RAW_WEIGHTS[name], name
    assert round(fit.r_squared, 7) == RWA_R_SQUARED
    assert fit.n == 53940
    assert fit.rescaled_pct.sum() == pytest.approx(100.0, abs=1e-9)


@pytest.mark.parametrize(("n", "p", "seed"), [(53940, 2, 0), (400, 5, 1), (60, 8, 2)])
def test_weights_sum_to_the_least_squares_r_squared(n: int, p: int, seed: int) -> None:
    x, y = correlated(n, p, seed)
    fit = relative_weights(x, y)
    assert fit.raw_weights.sum() == pytest.approx(fit.r_squared, abs=1e-12)
    assert fit.r_squared == pytest.approx(ols_r_squared(x, y), abs=1e-10)
    assert (fit.raw_weights > 0).all()
    # The outcome leans most on the first predictor, least on the last.
    assert int(np.argmax(fit.raw_weights)) == 0


def test_diamonds_r_squared_equals_least_squares(diamonds: pl.DataFrame) -> None:
    x = diamonds.select("depth", "carat").to_numpy().astype(float)
    y = diamonds["price"].to_numpy().astype(float)
    assert relative_weights(x, y).r_squared == pytest.approx(ols_r_squared(x, y), abs=1e-10)


def test_weights_do_not_depend_on_the_predictor_order() -> None:
    x, y = correlated(300, 5, 3)
    fit = relative_weights(x, y)
    for order in ([4, 3, 2, 1, 0], [2, 0, 4, 1, 3]):
        permuted = relative_weights(x[:, order], y)
        np.testing.assert_allclose(permuted.raw_weights, fit.raw_weights[order], atol=1e-12)
        assert permuted.r_squared == pytest.approx(fit.r_squared, abs=1e-12)


def test_weights_do_not_depend_on_the_predictor_scale() -> None:
    x, y = correlated(300, 3, 4)
    scaled = x * np.array([1000.0, 0.001, -5.0]) + 17.0
    np.testing.assert_allclose(
        relative_weights(scaled, y).raw_weights, relative_weights(x, y).raw_weights, atol=1e-12
    )


def _error(x: np.ndarray, y: np.ndarray, names: list[str]) -> RelativeWeightsError:
    with pytest.raises(RelativeWeightsError) as caught:
        relative_weights(x, y, names)
    return caught.value


def test_too_few_rows_is_named() -> None:
    x, y = correlated(4, 3, 5)
    error = _error(x, y, ["service", "price", "ease"])
    assert error.reason == "too_few_rows"
    assert str(error) == "too few rows: 4 rows for 3 predictors; at least 5 are needed"
    # Exactly p + 2 rows is enough.
    x, y = correlated(5, 3, 5)
    assert relative_weights(x, y).n == 5


def test_constant_predictor_is_named() -> None:
    x, y = correlated(50, 3, 6)
    x[:, 1] = 4.0
    error = _error(x, y, ["service", "price", "ease"])
    assert error.reason == "constant_predictor"
    assert str(error) == "predictor 'price' is constant (4): it has no variance to weigh"


def test_constant_outcome_is_named() -> None:
    x, _ = correlated(50, 3, 7)
    error = _error(x, np.full(50, 10.0), ["service", "price", "ease"])
    assert error.reason == "constant_outcome"
    assert str(error) == "outcome is constant (10): nothing to explain"


def test_nan_in_a_predictor_is_named() -> None:
    x, y = correlated(50, 3, 8)
    x[[3, 9], 2] = np.nan
    error = _error(x, y, ["service", "price", "ease"])
    assert error.reason == "nan_input"
    assert str(error) == "predictor 'ease' has 2 NaN values"


def test_nan_in_the_outcome_is_named() -> None:
    x, y = correlated(50, 3, 9)
    y[0] = np.nan
    error = _error(x, y, ["service", "price", "ease"])
    assert error.reason == "nan_input"
    assert str(error) == "outcome has 1 NaN values"


def test_collinear_predictors_are_named() -> None:
    x, y = correlated(50, 2, 10)
    x = np.column_stack([x, x[:, 0] * 2.0 + 1.0])
    error = _error(x, y, ["service", "price", "service_again"])
    assert error.reason == "collinear_predictors"
    assert "perfectly collinear" in str(error)


# ------------------------------------------------------------- cells (no warehouse needed) ---


# The table's columns the report reads (the table may carry more, e.g. quarter_start).
COLUMNS = [
    "quarter",
    "segment",
    "touchpoint",
    "driver",
    "n",
    "r_squared",
    "raw_weight",
    "rescaled_weight_pct",
    "rescaled_weight_ci_low",
    "rescaled_weight_ci_high",
    "weight_rank",
    "driver_mean",
    "fit_status",
]
KEY = ["quarter", "segment", "touchpoint", "driver"]


def small_warehouse() -> duckdb.DuckDBPyConnection:
    """int_survey_responses__scored + stg_survey__driver_scores for two quarters, in memory.

    Segment B has 20 answers a quarter (below max(30, 10 × 2)); web has one answer without a
    price rating each quarter, so its complete answers are one fewer than its answers.
    """
    x, y = correlated(120, 2, 11)
    con = duckdb.connect()
    con.execute("create schema intermediate")
    con.execute("create schema staging")
    responses = pl.DataFrame(
        {
            "response_id": [f"R{i:03d}" for i in range(120)],
            "quarter": ["2025-Q1"] * 60 + ["2025-Q2"] * 60,
            "quarter_start": [date(2025, 1, 1)] * 60 + [date(2025, 4, 1)] * 60,
            "segment": (["A"] * 40 + ["B"] * 20) * 2,
            "touchpoint": (["web", "store"] * 30) * 2,
            "nps_score": np.clip(np.round(y + 6), 0, 10).astype(int).tolist(),
        }
    )
    scores = pl.concat(
        [
            pl.DataFrame(
                {
                    "response_id": responses["response_id"],
                    "driver": [name] * 120,
                    "score": np.clip(np.round(x[:, j] + 3), 1, 5).astype(int).tolist(),
                }
            )
            for j, name in enumerate(["service", "price"])
        ]
    ).filter(~((pl.col("driver") == "price") & pl.col("response_id").is_in(["R000", "R060"])))
    con.register("responses_frame", responses.to_arrow())
    con.register("scores_frame", scores.to_arrow())
    con.execute(
        "create table intermediate.int_survey_responses__scored as select * from responses_frame"
    )
    con.execute("create table staging.stg_survey__driver_scores as select * from scores_frame")
    return con


def test_cells_thresholds_and_unfitted_rows_hold_nulls_not_nans() -> None:
    assert dr.min_answers(4, 30) == 40
    assert dr.min_answers(2, 30) == 30
    assert dr.min_answers(4, 50) == 50
    con = small_warehouse()
    try:
        out = dr.driver_weights(dr.read_answers(con), 30)
    finally:
        con.close()
    assert set(COLUMNS) <= set(out.columns)
    # Per quarter: the headline, 2 segments and 2 touchpoints; 2 drivers each.
    cells = out.select("quarter", "segment", "touchpoint").unique()
    assert cells.height == 2 * (1 + 2 + 2)
    assert out.height == 2 * cells.height
    assert set(out["driver"]) == {"price", "service"}
    too_few = out.filter(pl.col("segment") == "B")
    assert set(too_few["fit_status"]) == {"too_few_answers"}
    assert too_few["n"].to_list() == [20] * 4
    for column in ["r_squared", "raw_weight", "rescaled_weight_pct", "weight_rank"]:
        assert too_few[column].null_count() == 4, column
    web = out.filter((pl.col("touchpoint") == "web") & (pl.col("driver") == "price"))
    assert web["n"].to_list() == [29, 29]  # 30 answers, one without a price rating
    assert set(web["fit_status"]) == {"too_few_answers"}
    headline = out.filter(HEADLINE)
    assert set(headline["fit_status"]) == {"fitted"}
    assert headline["n"].to_list() == [59] * 4
    for _, part in headline.group_by("quarter"):
        assert part["raw_weight"].sum() == pytest.approx(part["r_squared"][0], abs=1e-12)
        assert sorted(part["weight_rank"].to_list()) == [1, 2]
    nans = out.select(pl.col(pl.Float64).is_nan().sum()).row(0)
    assert sum(nans) == 0
    assert out.select(KEY).equals(out.select(KEY).sort(["quarter", "segment", "touchpoint"]))


def unfittable_warehouse(path: Path) -> None:
    """Three quarters of 60 answers whose drivers cannot be weighed, each for its own reason.

    2025-Q1: everyone rated price 4 (a constant driver); 2025-Q2: price equals service in every
    answer (a singular correlation matrix); 2025-Q3: only 12 answers (too few answers).
    """
    rng = np.random.default_rng(4)
    rows, scores = [], []
    for quarter, n in [("2025-Q1", 60), ("2025-Q2", 60), ("2025-Q3", 12)]:
        for i in range(n):
            rid = f"{quarter}-{i:02d}"
            service = int(rng.integers(1, 6))
            price = {"2025-Q1": 4, "2025-Q2": service}.get(quarter, int(rng.integers(1, 6)))
            nps = int(np.clip(2 * service + rng.integers(-1, 2), 0, 10))
            rows.append((rid, quarter, "A", "web", nps))
            scores += [(rid, "service", service), (rid, "price", price)]
    con = duckdb.connect(str(path))
    con.execute("create schema intermediate")
    con.execute("create schema staging")
    responses = pl.DataFrame(
        rows, schema=["response_id", "quarter", "segment", "touchpoint", "nps_score"], orient="row"
    )
    driver_scores = pl.DataFrame(scores, schema=["response_id", "driver", "score"], orient="row")
    con.register("responses_frame", responses.to_arrow())
    con.register("scores_frame", driver_scores.to_arrow())
    con.execute(
        "create table intermediate.int_survey_responses__scored as select * from responses_frame"
    )
    con.execute("create table staging.stg_survey__driver_scores as select * from scores_frame")
    con.close()


def test_unfittable_cells_are_a_warning_with_their_reasons_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dagster as dg

    from orchestration.resources import DuckDBWarehouse

    path = tmp_path / "drivers.duckdb"
    unfittable_warehouse(path)
    monkeypatch.setenv("CX_LAKE_DIR", str(tmp_path / "lake"))
    result = dg.materialize(
        [dr.driver_weights_asset], resources={"warehouse": DuckDBWarehouse(path=str(path))}
    )
    assert result.success
    (check,) = result.get_asset_check_evaluations()
    assert (check.check_name, check.passed) == ("drivers_estimated", False)
    assert check.severity == dg.AssetCheckSeverity.WARN
    metadata = {k: v.value for k, v in check.metadata.items()}
    # Headline, segment A and touchpoint web of Q1 and Q2 (a data problem in each), and Q3's
    # headline; Q3's small segment and touchpoint cells are routine skips, not listed.
    assert metadata["unestimated_cells"] == 7
    assert metadata["reasons"] == "collinear_predictors, constant_predictor, too_few_answers"
    assert "- 2025-Q1 segment=all touchpoint=all (n=60): constant_predictor" in metadata["cells"]
    assert "- 2025-Q3 segment=all touchpoint=all (n=12): too_few_answers" in metadata["cells"]

    con = duckdb.connect(str(path), read_only=True)
    out = con.sql("select * from analytics.driver_weights").pl()
    con.close()
    status = dict(out.filter(HEADLINE).select("quarter", "fit_status").unique().iter_rows())
    assert status == {
        "2025-Q1": "constant_predictor",
        "2025-Q2": "collinear_predictors",
        "2025-Q3": "too_few_answers",
    }
    assert out["raw_weight"].null_count() == out.height
    # The means are still there: performance can be shown even when importance cannot.
    q1_price = out.filter(
        HEADLINE & (pl.col("quarter") == "2025-Q1") & (pl.col("driver") == "price")
    )
    assert q1_price["driver_mean"].to_list() == [4.0]


def test_the_check_passes_when_only_small_cells_are_skipped() -> None:
    con = small_warehouse()
    try:
        out = dr.driver_weights(dr.read_answers(con), 30)
    finally:
        con.close()
    assert set(out["fit_status"]) == {"fitted", "too_few_answers"}
    check = dr.estimated_check(out)
    assert check.passed is True
    assert check.metadata["unestimated_cells"].value == 0


# ------------------------------------------------------------------ the sample warehouse ---


@pytest.fixture(scope="module")
def weights(pipeline, warehouse_connection) -> pl.DataFrame:
    cursor = warehouse_connection.cursor()
    try:
        return cursor.sql("select * from analytics.driver_weights").pl()
    finally:
        cursor.close()


@pytest.fixture(scope="module")
def key_drivers(pipeline, warehouse_connection) -> pl.DataFrame:
    cursor = warehouse_connection.cursor()
    try:
        return cursor.sql("select * from marts.mart_key_drivers__quarter").pl()
    finally:
        cursor.close()


def test_service_is_the_top_driver_in_every_fitted_headline_quarter(weights) -> None:
    headline = weights.filter(HEADLINE & (pl.col("fit_status") == "fitted"))
    quarters = sorted(set(headline["quarter"]))
    assert len(quarters) >= 8
    top = headline.filter(pl.col("weight_rank") == 1).sort("quarter")
    assert top["quarter"].to_list() == quarters
    assert set(top["driver"]) == {"service"}
    assert set(weights["driver"]) == {"service", "price", "quality", "ease"}
    assert top["rescaled_weight_pct"].min() > 50


def test_every_cell_meets_the_answer_threshold_or_says_why(weights) -> None:
    threshold = dr.min_answers(4, 30)
    fitted = weights.filter(pl.col("fit_status") == "fitted")
    skipped = weights.filter(pl.col("fit_status") != "fitted")
    assert fitted["n"].min() >= threshold
    assert set(skipped["fit_status"]) <= {"too_few_answers"}
    assert skipped.filter(pl.col("n") >= threshold).height == 0
    assert skipped["raw_weight"].null_count() == skipped.height
    cells = weights.group_by("quarter", "segment", "touchpoint").agg(
        pl.len().alias("drivers"),
        pl.col("raw_weight").sum().alias("weight_sum"),
        pl.col("r_squared").first(),
        pl.col("rescaled_weight_pct").sum().alias("pct_sum"),
        pl.col("fit_status").first(),
    )
    assert set(cells["drivers"]) == {4}
    fitted_cells = cells.filter(pl.col("fit_status") == "fitted")
    np.testing.assert_allclose(fitted_cells["weight_sum"], fitted_cells["r_squared"], atol=1e-12)
    np.testing.assert_allclose(fitted_cells["pct_sum"], 100.0, atol=1e-9)


def test_headline_r_squared_equals_least_squares_on_the_warehouse(weights, mart) -> None:
    """The pivot and complete-case filter, redone in SQL, give the same n and R²."""
    latest = weights.filter(HEADLINE & (pl.col("fit_status") == "fitted"))["quarter"].max()
    answers = mart.sql(
        """
        pivot (
            select r.response_id, r.nps_score, d.driver, d.score
            from marts.fct_survey_responses as r
            inner join staging.stg_survey__driver_scores as d using (response_id)
            where r.quarter = $quarter and r.nps_score is not null
        ) on driver in ('ease', 'price', 'quality', 'service') using first(score)
        """,
        params={"quarter": latest},
    ).pl()
    complete = answers.drop_nulls()
    row = weights.filter(HEADLINE & (pl.col("quarter") == latest)).row(0, named=True)
    assert row["n"] == complete.height
    x = complete.select("ease", "price", "quality", "service").to_numpy().astype(float)
    y = complete["nps_score"].to_numpy().astype(float)
    assert row["r_squared"] == pytest.approx(ols_r_squared(x, y), abs=1e-10)


def test_mart_keeps_every_analytics_row_and_no_nan(weights, key_drivers) -> None:
    assert key_drivers.height == weights.height
    assert key_drivers.select(COLUMNS).sort(KEY).equals(weights.select(COLUMNS).sort(KEY))
    for frame in (weights, key_drivers):
        nans = frame.select(pl.col(pl.Float64).is_nan().sum()).row(0)
        assert sum(nans) == 0
    # Unfitted rows: null weights, quadrant and improvement potential.
    unfitted = key_drivers.filter(pl.col("fit_status") != "fitted")
    assert unfitted["quadrant"].null_count() == unfitted.height
    assert unfitted["improvement_potential"].null_count() == unfitted.height


def test_quadrant_and_derived_columns_recomputed(key_drivers) -> None:
    cell = ["quarter", "segment", "touchpoint"]
    expected = key_drivers.with_columns(
        share=100.0 / pl.len().over(cell), bar=pl.col("driver_mean").mean().over(cell)
    )
    rows = 0
    for row in expected.iter_rows(named=True):
        if row["fit_status"] != "fitted":
            assert row["quadrant"] is None
            continue
        # Ties (a mean equal to the cell's mean) count as high, within float noise.
        important = row["rescaled_weight_pct"] >= row["share"] - 1e-9
        performing = row["driver_mean"] >= row["bar"] - 1e-9
        quadrant = {
            (True, False): "fix_first",
            (True, True): "keep_up",
            (False, False): "low_priority",
            (False, True): "possible_overkill",
        }[(important, performing)]
        assert row["quadrant"] == quadrant, row
        gap = (5 - row["driver_mean"]) / 4
        assert row["performance_gap"] == pytest.approx(gap, abs=1e-12)
        assert row["improvement_potential"] == pytest.approx(
            row["rescaled_weight_pct"] / 100 * gap, abs=1e-12
        )
        assert row["is_reportable"] == (row["n"] >= 30)
        rows += 1
    assert rows > 0
    # The planted dominant driver is important everywhere on the headline.
    assert set(
        key_drivers.filter(HEADLINE & (pl.col("driver") == "service")).drop_nulls("quadrant")[
            "quadrant"
        ]
    ) <= {"fix_first", "keep_up"}


def test_bootstrap_intervals_and_strongest_flags_on_the_sample(key_drivers, mart) -> None:
    """Every material share lies in its interval; is_strongest and is_top_group recomputed from
    the intervals; the sample's drivers explain enough everywhere, so every reportable
    segment or touchpoint cell gives proposals."""
    fitted = key_drivers.filter(pl.col("fit_status") == "fitted")
    assert fitted.height > 500
    assert fitted["rescaled_weight_ci_low"].null_count() == 0
    low, pct, high = (
        fitted[c]
        for c in ("rescaled_weight_ci_low", "rescaled_weight_pct", "rescaled_weight_ci_high")
    )
    assert (low <= high).all()
    # A percentile interval holds every share that matters; a share near 0 may sit just below
    # its interval (weights are never negative, so resamples push tiny shares up), never by
    # more than a tenth of a point on the sample.
    material = pct >= 5
    assert ((low <= pct) & (pct <= high)).filter(material).all()
    assert (low - pct).max() < 0.1 and (pct - high).max() <= 0
    cell = ["quarter", "segment", "touchpoint"]
    leader = pl.col("weight_rank") == 1
    top_low = pl.col("rescaled_weight_ci_low").filter(leader).first().over(cell)
    recomputed = (
        fitted.with_columns(top_low=top_low)
        .with_columns(top=leader | (pl.col("rescaled_weight_ci_high") >= pl.col("top_low")))
        .with_columns(strongest=leader & (pl.col("top").sum().over(cell) == 1))
    )
    assert recomputed["is_top_group"].to_list() == recomputed["top"].to_list()
    assert recomputed["is_strongest"].to_list() == recomputed["strongest"].to_list()
    # The planted dominant driver is the strongest in every headline cell.
    headline = recomputed.filter(HEADLINE & (pl.col("weight_rank") == 1))
    assert set(headline["driver"]) == {"service"} and headline["is_strongest"].all()
    assert fitted["r_squared_is_sufficient"].all()
    (cells,) = mart.execute(
        "select count(distinct quarter || segment || touchpoint) "
        "from marts.mart_improvement_proposals__quarter"
    ).fetchone()
    candidates = fitted.filter(
        pl.col("is_reportable") & ((pl.col("segment") == "all") != (pl.col("touchpoint") == "all"))
    ).unique(cell)
    assert cells == candidates.height


def test_previous_quarter_changes(key_drivers) -> None:
    with_prev = key_drivers.filter(pl.col("previous_quarter").is_not_null())
    assert with_prev.height > 0
    prev = key_drivers.select(
        pl.col("quarter").alias("previous_quarter"),
        "segment",
        "touchpoint",
        "driver",
        pl.col("quarter_start").alias("prev_start"),
        pl.col("rescaled_weight_pct").alias("p_pct"),
        pl.col("driver_mean").alias("p_mean"),
    )
    joined = with_prev.join(
        prev, on=["previous_quarter", "segment", "touchpoint", "driver"], how="left"
    )
    assert joined["prev_start"].null_count() == 0
    for row in joined.iter_rows(named=True):
        months = (row["quarter_start"].year - row["prev_start"].year) * 12 + (
            row["quarter_start"].month - row["prev_start"].month
        )
        assert months == 3
        if row["p_pct"] is not None and row["rescaled_weight_pct"] is not None:
            assert row["rescaled_weight_change"] == pytest.approx(
                row["rescaled_weight_pct"] - row["p_pct"], abs=1e-12
            )
        if row["p_mean"] is not None and row["driver_mean"] is not None:
            assert row["driver_mean_change"] == pytest.approx(
                row["driver_mean"] - row["p_mean"], abs=1e-12
            )
    first = key_drivers["quarter_start"].min()
    assert key_drivers.filter(pl.col("quarter_start") == first)[
        "previous_quarter"
    ].null_count() == (key_drivers.filter(pl.col("quarter_start") == first).height)
    assert key_drivers["quarter_start"].dt.day().unique().to_list() == [1]
    assert set(key_drivers["quarter_start"].dt.month().unique()) <= {1, 4, 7, 10}
    assert not any(math.isnan(v) for v in key_drivers["driver_mean"].drop_nulls())


def test_materialization_metadata_names_the_top_driver(pipeline, weights) -> None:
    events = [
        e
        for e in pipeline.last.get_asset_materialization_events()
        if e.asset_key is not None and e.asset_key.path == ["analytics", "driver_weights"]
    ]
    assert len(events) == 1
    metadata = {k: v.value for k, v in events[0].materialization.metadata.items()}
    cells = weights.unique(["quarter", "segment", "touchpoint"])
    assert metadata["cells_fitted"] == cells.filter(pl.col("fit_status") == "fitted").height
    assert metadata["cells_skipped"] == cells.filter(pl.col("fit_status") != "fitted").height
    assert metadata["top_driver"] == "service"
    latest = weights.filter(HEADLINE & (pl.col("fit_status") == "fitted"))["quarter"].max()
    assert metadata["latest_quarter"] == latest


@pytest.mark.parametrize("lang", ["en", "fi"])
@pytest.mark.parametrize(
    "status", ["too_few_answers", "constant_predictor", "collinear_predictors", "bad_shape"]
)
def test_the_report_says_why_the_drivers_could_not_be_estimated(lang, status) -> None:
    from reports.data import SectionData
    from reports.language import load_locale
    from reports.sections.drivers import drivers_section

    loc = load_locale(lang)
    rows = [
        {"quarter": "2025-Q1", "segment": "all", "touchpoint": "all", "driver": d, "n": 12,
         "fit_status": status, "is_reportable": False, "rescaled_weight_pct": None}
        for d in ("price", "service")
    ]  # fmt: skip
    section = drivers_section(SectionData({"drivers": rows}), "2025-Q1", loc, 30)
    reasons = loc.text["drivers_reasons"]
    reason = reasons.get(status, reasons["other"]).format(n="12", drivers="2", status=status)
    assert section == {
        "suppressed": loc.text["drivers_not_estimated"].format(quarter="2025-Q1", reason=reason)
    }
    assert "{" not in section["suppressed"]


# ------------------------------------------------------------------------ bootstrap (numpy) ---


def ratings(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Four 1–5 driver ratings and a 0–10 NPS leaning mostly on the first, a little on the
    second: the shape of the survey data the bootstrap runs on."""
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 6, size=(n, 4)).astype(float)
    y = np.clip(np.round(2.0 * x[:, 0] + 0.5 * x[:, 1] + rng.normal(0, 2, n) - 3), 0, 10)
    return x, y


def test_weighted_shares_equal_relative_weights_on_the_resampled_rows() -> None:
    x, y = ratings(300, 21)
    rng = np.random.default_rng(5)
    draws = rng.integers(0, 300, size=(4, 300))
    counts = np.stack([np.bincount(d, minlength=300) for d in draws])
    shares, valid = weighted_shares(np.column_stack([x, y]), counts)
    assert valid.tolist() == [True] * 4
    for b, d in enumerate(draws):
        expected = relative_weights(x[d], y[d]).rescaled_pct
        np.testing.assert_allclose(shares[b], expected, atol=1e-9)
    # A weighting that leaves one driver constant cannot be fitted: NaN shares, not a crash.
    only_fives = (x[:, 2] == 5).astype(int)
    shares, valid = weighted_shares(np.column_stack([x, y]), only_fives[None, :])
    assert valid.tolist() == [False] and np.isnan(shares).all()


def test_bootstrap_interval_is_fixed_by_its_seed_and_brackets_the_estimate() -> None:
    x, y = ratings(500, 1)
    point = relative_weights(x, y).rescaled_pct
    first = bootstrap_shares(x, y, z=1.96, seed=[20_000, 7])
    again = bootstrap_shares(x, y, z=1.96, seed=[20_000, 7])
    other = bootstrap_shares(x, y, z=1.96, seed=[20_000, 8])
    assert (first.resamples, first.valid) == (200, 200)
    np.testing.assert_array_equal(first.low, again.low)
    np.testing.assert_array_equal(first.high, again.high)
    assert not np.array_equal(first.low, other.low)
    assert (first.low <= point).all() and (point <= first.high).all()
    # The planted leader (NPS leans on driver 0) clears every other driver's interval.
    assert first.low[0] > first.high[1:].max()
    # A wider level (z = 2.576, 99 %) gives a wider interval on the same draws.
    wide = bootstrap_shares(x, y, z=2.576, seed=[20_000, 7])
    assert (wide.low <= first.low).all() and (wide.high >= first.high).all()


def test_bootstrap_equals_refitting_each_resample_of_respondents() -> None:
    """The same draws of respondents, refitted one by one with `relative_weights`, give the
    same percentiles: counting the draws per answer pattern changes nothing but the speed."""
    x, y = ratings(400, 3)
    fast = bootstrap_shares(x, y, z=1.96, resamples=300, seed=11)
    draws = np.random.default_rng(11).integers(0, 400, size=(300, 400))
    naive = np.array([relative_weights(x[d], y[d]).rescaled_pct for d in draws])
    # Φ(−1.96) = 0.024998, the tail of the settings' z (not a rounded 2.5 %).
    tail = norm.sf(1.96)
    low, high = np.quantile(naive, [tail, 1 - tail], axis=0)
    np.testing.assert_allclose(fast.low, low, atol=1e-9)
    np.testing.assert_allclose(fast.high, high, atol=1e-9)


def test_bootstrap_gives_no_interval_when_resamples_cannot_be_fitted() -> None:
    """One answer in 60 rates price differently: about a third of the resamples lose it and
    have a constant driver, far more than the 5 % the interval may do without."""
    x, y = ratings(60, 9)
    x[:, 1] = 3.0
    x[0, 1] = 4.0
    interval = bootstrap_shares(x, y, z=1.96, seed=3)
    assert interval.valid < 0.95 * interval.resamples
    assert np.isnan(interval.low).all() and np.isnan(interval.high).all()


def test_cells_carry_intervals_that_do_not_depend_on_the_other_cells() -> None:
    con = small_warehouse()
    try:
        answers = dr.read_answers(con)
    finally:
        con.close()
    out = dr.driver_weights(answers, 30)
    fitted = out.filter(pl.col("fit_status") == "fitted")
    # The headline, segment A and touchpoint store of two quarters, two drivers each.
    assert fitted.height == 12
    assert fitted["rescaled_weight_ci_low"].null_count() == 0
    assert (fitted["rescaled_weight_ci_low"] <= fitted["rescaled_weight_pct"]).all()
    assert (fitted["rescaled_weight_pct"] <= fitted["rescaled_weight_ci_high"]).all()
    unfitted = out.filter(pl.col("fit_status") != "fitted")
    assert unfitted["rescaled_weight_ci_low"].null_count() == unfitted.height
    assert unfitted["rescaled_weight_ci_high"].null_count() == unfitted.height
    # Each cell's seed is its own: one quarter alone gives the same intervals as both.
    alone = dr.driver_weights(
        dr.DriverAnswers(answers.frame.filter(pl.col("quarter") == "2025-Q2"), answers.drivers),
        30,
    )
    both = out.filter(pl.col("quarter") == "2025-Q2")
    assert alone.equals(both)
    assert dr.driver_weights(answers, 30).equals(out)


# ------------------------------------------------------------- the report's driver claims ---


def _fitted(segment: str, touchpoint: str, driver: str, rank: int, pct: float, low: float,
            high: float, *, r2: float = 0.4, strongest: bool = False, top: bool = False,
            sufficient: bool = True) -> dict[str, object]:  # fmt: skip
    return {
        "quarter": "2025-Q2", "segment": segment, "touchpoint": touchpoint, "driver": driver,
        "n": 200, "r_squared": r2, "rescaled_weight_pct": pct, "rescaled_weight_ci_low": low,
        "rescaled_weight_ci_high": high, "weight_rank": rank, "is_strongest": strongest,
        "is_top_group": top, "r_squared_is_sufficient": sufficient, "driver_mean": 3.5,
        "rescaled_weight_change": None, "quadrant": "keep_up", "fit_status": "fitted",
        "is_reportable": True,
    }  # fmt: skip


def _drivers_section(rows: list[dict[str, object]], lang: str) -> dict[str, object]:
    from reports.data import SectionData
    from reports.language import load_locale
    from reports.sections.drivers import drivers_section

    section = drivers_section(SectionData({"drivers": rows}), "2025-Q2", load_locale(lang), 30)
    assert section is not None
    return section


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en",
            "Service is the strongest driver of NPS this quarter: 60.0% of the explained "
            "variation (95% CI [50.0, 70.0]), clear of every other driver's interval.",
        ),
        (
            "fi",
            "Palvelu on neljänneksen vahvin NPS:n ajuri: 60,0\u00a0% selitetystä vaihtelusta "
            "(95\u00a0%:n LV [50,0; 70,0]), ja sen väli on selvästi muiden ajureiden välien "
            "yläpuolella.",
        ),
    ],
)
def test_the_strongest_driver_is_named_with_its_interval(lang: str, expected: str) -> None:
    rows = [
        _fitted("all", "all", "service", 1, 60.0, 50.0, 70.0, strongest=True, top=True),
        _fitted("all", "all", "price", 2, 40.0, 30.0, 49.0),
    ]
    section = _drivers_section(rows, lang)
    assert section["top_sentence"] == expected
    assert [r["ci"] for r in section["rows"]] == (
        ["[50.0, 70.0]", "[30.0, 49.0]"] if lang == "en" else ["[50,0; 70,0]", "[30,0; 49,0]"]
    )


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en",
            "The strongest driver cannot be singled out this quarter, because the 95% intervals "
            "of these drivers overlap: Service (45.0%, [30.0, 58.0]), Price (40.0%, [28.0, 52.0]) "
            "and Quality (10.0%, [2.0, 31.0]).",
        ),
        (
            "fi",
            "Vahvinta ajuria ei voi tällä neljänneksellä nimetä, koska näiden ajureiden "
            "95\u00a0%:n luottamusvälit menevät päällekkäin: Palvelu (45,0\u00a0%, [30,0; 58,0]), "
            "Hinta (40,0\u00a0%, [28,0; 52,0]) ja Laatu (10,0\u00a0%, [2,0; 31,0]).",
        ),
    ],
)
def test_overlapping_top_drivers_are_named_not_ranked(lang: str, expected: str) -> None:
    # The point estimates still rank service first: the old page called it the strongest.
    rows = [
        _fitted("all", "all", "service", 1, 45.0, 30.0, 58.0, top=True),
        _fitted("all", "all", "price", 2, 40.0, 28.0, 52.0, top=True),
        _fitted("all", "all", "quality", 3, 10.0, 2.0, 31.0, top=True),
        _fitted("all", "all", "ease", 4, 5.0, 1.0, 9.0),
    ]
    section = _drivers_section(rows, lang)
    assert section["top_sentence"] == expected
    assert "strongest driver of NPS" not in section["top_sentence"]


@pytest.mark.parametrize("lang", ["en", "fi"])
def test_cells_below_the_r_squared_minimum_get_no_proposal_and_the_report_says_why(
    lang: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reports.data import SectionData
    from reports.language import load_locale
    from reports.sections.summary import summary_section

    monkeypatch.delenv("CX_DRIVERS_MIN_R2", raising=False)
    loc = load_locale(lang)
    rows = [
        _fitted("all", "all", "service", 1, 60.0, 50.0, 70.0, strongest=True, top=True),
        _fitted("all", "store", "service", 1, 70.0, 40.0, 90.0, r2=0.05, sufficient=False),
        _fitted("smb", "all", "service", 1, 55.0, 30.0, 80.0, r2=0.081, sufficient=False),
        _fitted("all", "web", "service", 1, 65.0, 45.0, 85.0, r2=0.3),
    ]
    section = _drivers_section(rows, lang)
    expected = {
        "en": "No driver-based improvement proposal for these cells: Store (touchpoint) "
        "(R² = 0.05); Small and medium businesses (segment) (R² = 0.08). There the drivers "
        "explain less than R² = 0.10 of the variation in the NPS answers, too little to rank "
        "fixes by.",
        "fi": "Ajureihin perustuvaa parannusehdotusta ei anneta seuraaville: Myymälä "
        "(kosketuspiste) (R² = 0,05); Pk-yritykset (kohderyhmä) (R² = 0,08). Niissä ajurit "
        "selittävät alle R² = 0,10 NPS-vastausten vaihtelusta, mikä on liian vähän korjausten "
        "järjestämiseen.",
    }[lang]
    assert section["r2_note"] == expected
    # No proposal in the mart for the quarter: the summary says it is the R² rule.
    from reports.data import MartData

    summary = summary_section(MartData((), {}), SectionData({"drivers": rows}), "2025-Q2", loc, 30)
    assert summary["proposals"] == []
    assert summary["no_proposals"] == loc.text["summary_no_proposals_r2"].format(
        min_r2="0.10" if lang == "en" else "0,10"
    )
    # Every cell above the minimum: no note, and the old "not available" text.
    fine = [r for r in rows if r["r_squared_is_sufficient"]]
    assert _drivers_section(fine, lang)["r2_note"] == ""
    summary = summary_section(MartData((), {}), SectionData({"drivers": fine}), "2025-Q2", loc, 30)
    assert summary["no_proposals"] == loc.text["summary_no_proposals"]


def test_the_r_squared_minimum_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from orchestration.settings import get_settings
    from reports.language import load_locale
    from reports.sections.drivers import min_r2_text

    monkeypatch.delenv("CX_DRIVERS_MIN_R2", raising=False)
    assert get_settings().drivers_min_r2 == 0.10
    monkeypatch.setenv("CX_DRIVERS_MIN_R2", "0.25")
    assert get_settings().drivers_min_r2 == 0.25
    assert min_r2_text(load_locale("fi")) == "0,25"


# ------------------------------------------------------- refitting only what changed ---


def test_distinct_rows_equal_numpys_row_unique() -> None:
    rng = np.random.default_rng(8)
    for rows in (
        rng.integers(1, 6, size=(5_000, 5)).astype(float),
        rng.integers(-3, 3, size=(300, 3)) * 0.5,
        rng.normal(size=(200, 4)),  # every row distinct
        np.array([[1.0, np.nan], [1.0, np.nan], [0.0, 2.0]]),  # NaN: the row sort
    ):
        expected, expected_inverse = np.unique(rows, axis=0, return_inverse=True)
        patterns, inverse = distinct_rows(rows)
        assert patterns.tobytes() == expected.tobytes()
        assert inverse.tolist() == expected_inverse.reshape(-1).tolist()


def test_quarters_on_threads_give_the_same_rows_as_one_at_a_time() -> None:
    con = small_warehouse()
    try:
        answers = dr.read_answers(con)
    finally:
        con.close()
    one = dr.driver_weights(answers, 30, workers=1)
    assert one.height == 20  # 2 quarters x (headline, 2 segments, 2 touchpoints) x 2 drivers
    assert dr.driver_weights(answers, 30, workers=2).equals(one)


def test_answers_stream_in_the_same_quarters_as_read_whole() -> None:
    con = small_warehouse()
    try:
        whole = dr.read_answers(con)
        # The quarters the refit reads: those its fingerprints name, in their order.
        quarters = list(dr.quarter_fingerprints(con, whole.drivers, "v"))
        streamed = list(dr.iter_answer_quarters(con, whole.drivers, quarters))
        second = list(dr.iter_answer_quarters(con, whole.drivers, ["2025-Q2"]))
    finally:
        con.close()
    expected = whole.frame.partition_by("quarter", maintain_order=True)
    assert quarters == ["2025-Q1", "2025-Q2"]
    assert [q.height for q in streamed] == [60, 60]
    assert len(streamed) == len(expected)
    assert all(a.equals(b) for a, b in zip(streamed, expected, strict=True))
    assert len(second) == 1 and second[0].equals(expected[1])


def test_a_rerun_refits_only_the_quarters_whose_answers_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dagster as dg

    from orchestration.resources import DuckDBWarehouse

    monkeypatch.setenv("CX_LAKE_DIR", str(tmp_path / "lake"))
    path = tmp_path / "w.duckdb"
    memory = small_warehouse()
    memory.execute(f"attach '{path}' as disk")
    for table in ("intermediate.int_survey_responses__scored", "staging.stg_survey__driver_scores"):
        memory.execute(f"create schema if not exists disk.{table.split('.')[0]}")
        memory.execute(f"create table disk.{table} as select * from memory.{table}")
    memory.close()
    resources = {"warehouse": DuckDBWarehouse(path=str(path))}

    def run() -> tuple[dict[str, object], pl.DataFrame]:
        result = dg.materialize([dr.driver_weights_asset], resources=resources)
        assert result.success
        (event,) = result.get_asset_materialization_events()
        metadata = {k: v.value for k, v in event.materialization.metadata.items()}
        con = duckdb.connect(str(path), read_only=True)
        try:
            return metadata, con.sql("select * from analytics.driver_weights").pl()
        finally:
            con.close()

    first_meta, first = run()
    assert (first_meta["quarters_kept"], first_meta["quarters_refitted"]) == (0, "2025-Q1, 2025-Q2")
    again_meta, again = run()
    assert (again_meta["quarters_kept"], again_meta["quarters_refitted"]) == (2, "none")
    assert again.equals(first)

    # One rating of 2025-Q2 changes: that quarter is refitted, 2025-Q1's rows are kept, and
    # the table is what a fit of everything from scratch gives.
    con = duckdb.connect(str(path))
    con.execute(
        "update staging.stg_survey__driver_scores set score = if(score = 5, 1, 5) "
        "where response_id = 'R100' and driver = 'service'"
    )
    scratch = dr.driver_weights(dr.read_answers(con), 30)
    con.close()
    changed_meta, changed = run()
    assert (changed_meta["quarters_kept"], changed_meta["quarters_refitted"]) == (1, "2025-Q2")
    assert changed.equals(scratch)
    assert not changed.equals(first)
    assert changed.filter(pl.col("quarter") == "2025-Q1").equals(
        first.filter(pl.col("quarter") == "2025-Q1")
    )
