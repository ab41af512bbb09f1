"""Predictive CLV asset: BG/NBD + Gamma-Gamma on dbt's purchase summary, written back to DuckDB.

Reads intermediate.int_customers__purchase_summary (weeks), fits both models
(orchestration/lib/clv_models.py) and replaces analytics.clv_predictions, which the dbt source
source('analytics', 'clv_predictions') and the mart mart_customer_clv read.

A purchase model that cannot be fitted on the data (too few repeat buyers, parameters at the
edge of their space as with steady buyers who never drop out, no convergence, non-finite
predictions) is a finding, not a failure: the asset publishes the historical fallback
(value_model 'historical', see historical_fallback) and a WARN asset check with the reason.
"""

import time
from typing import Any

import dagster as dg
import duckdb
import numpy as np
import polars as pl
from dagster_dbt import get_asset_key_for_model

from orchestration.defs.analytics.tables import replace_table
from orchestration.defs.publish.partitions import ONCE_PER_RUN
from orchestration.defs.transform.dbt import dbt_models
from orchestration.lib.clv_models import (
    REASON_BAD_INPUT,
    ClvFitError,
    ClvResult,
    fit_and_predict,
)
from orchestration.resources import DuckDBWarehouse
from orchestration.settings import get_settings

SUMMARY_MODEL = "int_customers__purchase_summary"
ORDERS_MODEL = "int_orders__net_amounts"
PREDICTIONS_SCHEMA = "analytics"
PREDICTIONS_TABLE = "clv_predictions"
CLV_ASSET_KEY = dg.AssetKey([PREDICTIONS_SCHEMA, PREDICTIONS_TABLE])
MODEL_CHECK = "clv_model_fitted"
# value_model of a customer valued without any model (the purchase model could not be fitted).
VALUE_MODEL_HISTORICAL = "historical"

SUMMARY_SQL = f"""
select customer_id, frequency, recency_weeks, t_weeks, mean_repeat_value, mean_purchase_value
from intermediate.{SUMMARY_MODEL}
order by customer_id
"""  # ordered: the fit sums in a fixed order, so a rerun writes identical numbers

# Each summary customer's completed orders in the last `horizon` months of the data (the same
# orders and purchase days as the summary), for the historical fallback.
HISTORY_SQL = f"""
select
    summary.customer_id,
    count(distinct orders.ordered_on) as horizon_purchases,
    coalesce(cast(sum(orders.amount) as double), 0e0) as horizon_value
from intermediate.{SUMMARY_MODEL} as summary
left join intermediate.{ORDERS_MODEL} as orders
    on
        orders.customer_id = summary.customer_id
        and orders.status = 'completed'
        and orders.ordered_on > cast(summary.calibration_end_on - to_months($horizon) as date)
        and orders.ordered_on <= summary.calibration_end_on
group by summary.customer_id
order by summary.customer_id
"""


class ClvConfig(dg.Config):
    """The CLV assumptions (docs/metrics.md defaults); each lands in the predictions table."""

    horizon_months: int = 12
    monthly_discount_rate: float = 0.01
    margin: float = 1.0


def read_summary(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.sql(SUMMARY_SQL).pl()


def read_history(con: duckdb.DuckDBPyConnection, horizon_months: int) -> pl.DataFrame:
    return con.sql(HISTORY_SQL, params={"horizon": horizon_months}).pl()


def discount_factor(config: ClvConfig) -> float:
    """Mean of (1 + d)^-i over months i = 1..H: a value spread evenly over the horizon."""
    months = np.arange(1, config.horizon_months + 1)
    return float(np.mean((1 + config.monthly_discount_rate) ** -months))


def historical_fallback(
    summary: pl.DataFrame, history: pl.DataFrame, config: ClvConfig, reason: str
) -> pl.DataFrame:
    """The documented fallback when the purchase model cannot be fitted: historical value.

    A customer's historical value is what they bought over the last horizon_months of the data
    (completed orders, the summary's purchase days): expected_revenue = that value,
    expected_purchases = its purchase days, expected_order_value = value / days (the
    customer's mean purchase value when they bought nothing in the window), and
    clv = margin × value × the mean monthly discount factor (the value spread evenly over the
    horizon, discounted like the model's). probability_alive is null: no model estimated it.
    value_model = 'historical', fallback_reason = the ClvFitError reason code.
    """
    joined = summary.join(history, on="customer_id", how="left").with_columns(
        pl.col("horizon_purchases").fill_null(0).cast(pl.Float64),
        pl.col("horizon_value").fill_null(0.0),
    )
    return joined.select(
        "customer_id",
        "frequency",
        "recency_weeks",
        "t_weeks",
        "mean_repeat_value",
        probability_alive=pl.lit(None, dtype=pl.Float64),
        expected_purchases=pl.col("horizon_purchases"),
        expected_order_value=pl.when(pl.col("horizon_purchases") > 0)
        .then(pl.col("horizon_value") / pl.col("horizon_purchases"))
        .otherwise(pl.col("mean_purchase_value"))
        .cast(pl.Float64),
        expected_revenue=pl.col("horizon_value"),
        clv=pl.col("horizon_value") * config.margin * discount_factor(config),
        horizon_months=pl.lit(config.horizon_months, dtype=pl.Int32),
        monthly_discount_rate=pl.lit(config.monthly_discount_rate, dtype=pl.Float64),
        margin=pl.lit(config.margin, dtype=pl.Float64),
        value_model=pl.lit(VALUE_MODEL_HISTORICAL),
        fallback_reason=pl.lit(reason, dtype=pl.String),
    ).sort("customer_id")


def predict(summary: pl.DataFrame, config: ClvConfig) -> tuple[pl.DataFrame, ClvResult]:
    """Fit on the summary and return one prediction row per customer (raises ClvFitError)."""

    def column(name: str) -> np.ndarray:
        return summary[name].cast(pl.Float64).to_numpy()

    result = fit_and_predict(
        column("frequency"),
        column("recency_weeks"),
        column("t_weeks"),
        column("mean_repeat_value"),
        column("mean_purchase_value"),
        horizon_months=config.horizon_months,
        monthly_discount_rate=config.monthly_discount_rate,
        margin=config.margin,
    )
    frame = summary.select(
        "customer_id", "frequency", "recency_weeks", "t_weeks", "mean_repeat_value"
    ).with_columns(
        probability_alive=result.probability_alive,
        expected_purchases=result.expected_purchases,
        expected_order_value=result.expected_order_value,
        expected_revenue=result.expected_revenue,
        clv=result.clv,
        horizon_months=pl.lit(config.horizon_months, dtype=pl.Int32),
        monthly_discount_rate=pl.lit(config.monthly_discount_rate, dtype=pl.Float64),
        margin=pl.lit(config.margin, dtype=pl.Float64),
        value_model=pl.lit(result.value_model),
        fallback_reason=pl.lit(result.fallback_code, dtype=pl.String),
    )
    return frame, result


def model_check(passed: bool, metadata: dict[str, Any]) -> dg.AssetCheckResult:
    """The WARN check that says whether BG/NBD could be fitted (the fallback's reason if not)."""
    return dg.AssetCheckResult(
        check_name=MODEL_CHECK,
        asset_key=CLV_ASSET_KEY,
        passed=passed,
        severity=dg.AssetCheckSeverity.WARN,
        metadata=metadata,
    )


def empty_predictions(summary: pl.DataFrame) -> pl.DataFrame:
    """The predictions table with its columns and no rows (no customer has an order)."""
    return summary.select(
        "customer_id", "frequency", "recency_weeks", "t_weeks", "mean_repeat_value"
    ).with_columns(
        probability_alive=pl.lit(None, dtype=pl.Float64),
        expected_purchases=pl.lit(None, dtype=pl.Float64),
        expected_order_value=pl.lit(None, dtype=pl.Float64),
        expected_revenue=pl.lit(None, dtype=pl.Float64),
        clv=pl.lit(None, dtype=pl.Float64),
        horizon_months=pl.lit(None, dtype=pl.Int32),
        monthly_discount_rate=pl.lit(None, dtype=pl.Float64),
        margin=pl.lit(None, dtype=pl.Float64),
        value_model=pl.lit(None, dtype=pl.String),
        fallback_reason=pl.lit(None, dtype=pl.String),
    )


@dg.asset(
    key=CLV_ASSET_KEY,
    group_name="analytics",
    backfill_policy=ONCE_PER_RUN,
    kinds={"python", "duckdb"},
    deps=[
        get_asset_key_for_model([dbt_models], SUMMARY_MODEL),
        get_asset_key_for_model([dbt_models], ORDERS_MODEL),
    ],
    check_specs=[
        dg.AssetCheckSpec(
            MODEL_CHECK,
            asset=CLV_ASSET_KEY,
            description=(
                "The BG/NBD purchase model could be fitted. A WARN result means the published "
                "values are the historical fallback; its metadata has the reason and the fit."
            ),
        )
    ],
    description=(
        "BG/NBD + Gamma-Gamma (scipy maximum likelihood) fitted on "
        f"intermediate.{SUMMARY_MODEL}; one row per customer with an order in "
        f"{PREDICTIONS_SCHEMA}.{PREDICTIONS_TABLE}: probability_alive, expected purchases, "
        "order value, revenue and discounted CLV over the horizon. Gamma-Gamma problems fall "
        "back to each customer's historical mean purchase value (value_model "
        "'historical_mean'). When BG/NBD cannot be fitted on the data (too few repeat buyers, "
        "parameters at the edge of their space, no convergence, non-finite predictions) the "
        "rows hold the historical fallback instead (value_model 'historical'): the customer's "
        "completed-order value over the last horizon_months of the data as expected_revenue, "
        "times the margin and the mean monthly discount factor as clv, probability_alive null; "
        f"fallback_reason holds the reason code and the check {MODEL_CHECK} warns with the "
        "details. An invalid summary (a bug upstream) still fails the asset."
    ),
)
def clv_predictions(
    context: dg.AssetExecutionContext, config: ClvConfig, warehouse: DuckDBWarehouse
) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        summary = read_summary(con)
        if summary.is_empty():
            # No orders loaded (crm_orders is optional): nothing to predict, an empty table.
            replace_table(
                con,
                PREDICTIONS_SCHEMA,
                PREDICTIONS_TABLE,
                empty_predictions(summary),
                lake_dir=get_settings().lake_dir,
            )
            context.log.info("no customer has an order: no CLV predictions")
            nothing = {"customers": 0, "value_model": "none", "reason": "no orders loaded"}
            # Nothing to fit is not a failed fit: the report says orders were not loaded.
            return dg.MaterializeResult(
                metadata=nothing, check_results=[model_check(passed=True, metadata=nothing)]
            )
        started = time.perf_counter()
        result: ClvResult | None = None
        error: ClvFitError | None = None
        try:
            frame, result = predict(summary, config)
        except ClvFitError as exc:
            if exc.reason == REASON_BAD_INPUT:
                raise dg.Failure(description=f"CLV fit failed, nothing written: {exc}") from exc
            context.log.warning(f"CLV model not fitted, publishing historical values: {exc}")
            error = exc
            frame = historical_fallback(
                summary, read_history(con, config.horizon_months), config, exc.reason
            )
        fit_seconds = time.perf_counter() - started
        replace_table(
            con, PREDICTIONS_SCHEMA, PREDICTIONS_TABLE, frame, lake_dir=get_settings().lake_dir
        )
    metadata: dict[str, dg.RawMetadataValue] = {
        "customers": len(frame),
        "fit_seconds": round(fit_seconds, 3),
        "value_model": str(frame["value_model"][0]) if len(frame) else VALUE_MODEL_HISTORICAL,
        "total_clv": float(frame["clv"].sum()),
    }
    check_metadata: dict[str, dg.RawMetadataValue] = {
        "customers": len(frame),
        "value_model": metadata["value_model"],
    }
    if error is not None:
        check_metadata.update({"reason": error.reason, "message": str(error)})
        metadata.update(check_metadata)
    if result is not None:
        bg, gg = result.bg_nbd, result.gamma_gamma
        fit: dict[str, dg.RawMetadataValue] = {
            "repeat_customers": bg.n_repeat_customers,
            "bg_nbd_r": bg.r,
            "bg_nbd_alpha": bg.alpha,
            "bg_nbd_a": bg.a,
            "bg_nbd_b": bg.b,
            "bg_nbd_log_likelihood": bg.log_likelihood,
            "bg_nbd_iterations": bg.iterations,
        }
        if gg is not None:
            fit.update({"gamma_gamma_p": gg.p, "gamma_gamma_q": gg.q, "gamma_gamma_v": gg.v})
        else:
            context.log.warning(
                "Gamma-Gamma fallback to historical means: " + str(result.fallback_reason)
            )
            fit.update(
                {
                    "gamma_gamma_reason": result.fallback_code,
                    "gamma_gamma_message": result.fallback_reason,
                }
            )
        metadata.update(fit)
        check_metadata.update(fit)
    context.log.info(f"CLV for {len(frame)} customers in {fit_seconds:.2f} s")
    return dg.MaterializeResult(
        metadata=metadata,
        check_results=[model_check(passed=result is not None, metadata=check_metadata)],
    )
