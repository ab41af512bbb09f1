"""Predictive CLV asset: BG/NBD + Gamma-Gamma on dbt's purchase summary, written back to DuckDB.

Reads intermediate.int_customers__purchase_summary (weeks), fits both models
(clv_models.py) and replaces analytics.clv_predictions, which the dbt source
source('analytics', 'clv_predictions') and the mart mart_customer_clv read.
"""

import time

import dagster as dg
import duckdb
import numpy as np
import polars as pl
from dagster_dbt import get_asset_key_for_model

from orchestration.defs.analytics.clv_models import ClvFitError, ClvResult, fit_and_predict
from orchestration.defs.analytics.tables import replace_table
from orchestration.defs.transform.dbt import dbt_models
from orchestration.resources import DuckDBWarehouse
from orchestration.settings import get_settings

SUMMARY_MODEL = "int_customers__purchase_summary"
PREDICTIONS_SCHEMA = "analytics"
PREDICTIONS_TABLE = "clv_predictions"
CLV_ASSET_KEY = dg.AssetKey([PREDICTIONS_SCHEMA, PREDICTIONS_TABLE])

SUMMARY_SQL = f"""
select customer_id, frequency, recency_weeks, t_weeks, mean_repeat_value, mean_purchase_value
from intermediate.{SUMMARY_MODEL}
order by customer_id
"""  # ordered: the fit sums in a fixed order, so a rerun writes identical numbers


class ClvConfig(dg.Config):
    """The CLV assumptions (METRICS.md defaults); each lands in the predictions table."""

    horizon_months: int = 12
    monthly_discount_rate: float = 0.01
    margin: float = 1.0


def read_summary(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.sql(SUMMARY_SQL).pl()


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
    )
    return frame, result


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
    )


@dg.asset(
    key=CLV_ASSET_KEY,
    group_name="analytics",
    kinds={"python", "duckdb"},
    deps=[get_asset_key_for_model([dbt_models], SUMMARY_MODEL)],
    description=(
        "BG/NBD + Gamma-Gamma (scipy maximum likelihood) fitted on "
        f"intermediate.{SUMMARY_MODEL}; one row per customer with an order in "
        f"{PREDICTIONS_SCHEMA}.{PREDICTIONS_TABLE}: probability_alive, expected purchases, "
        "order value, revenue and discounted CLV over the horizon. A fit that cannot be trusted "
        "fails the asset with the reason; Gamma-Gamma problems fall back to historical means."
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
            return dg.MaterializeResult(metadata={"customers": 0, "value_model": "none"})
        started = time.perf_counter()
        try:
            frame, result = predict(summary, config)
        except ClvFitError as exc:
            raise dg.Failure(description=f"CLV fit failed, nothing written: {exc}") from exc
        fit_seconds = time.perf_counter() - started
        replace_table(
            con, PREDICTIONS_SCHEMA, PREDICTIONS_TABLE, frame, lake_dir=get_settings().lake_dir
        )
    bg, gg = result.bg_nbd, result.gamma_gamma
    if result.fallback_reason:
        context.log.warning(f"Gamma-Gamma fallback to historical means: {result.fallback_reason}")
    metadata: dict[str, dg.RawMetadataValue] = {
        "customers": len(frame),
        "repeat_customers": bg.n_repeat_customers,
        "fit_seconds": round(fit_seconds, 3),
        "bg_nbd_r": bg.r,
        "bg_nbd_alpha": bg.alpha,
        "bg_nbd_a": bg.a,
        "bg_nbd_b": bg.b,
        "bg_nbd_log_likelihood": bg.log_likelihood,
        "value_model": result.value_model,
        "total_clv": float(frame["clv"].sum()),
    }
    if gg is not None:
        metadata.update({"gamma_gamma_p": gg.p, "gamma_gamma_q": gg.q, "gamma_gamma_v": gg.v})
    context.log.info(f"CLV for {len(frame)} customers in {fit_seconds:.2f} s")
    return dg.MaterializeResult(metadata=metadata)
