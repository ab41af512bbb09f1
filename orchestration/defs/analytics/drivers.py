"""Key-drivers asset: relative weights of the driver ratings on the NPS score, per quarter and cell.

Reads the answers that have an NPS score (from int_survey_responses__scored: the rows and columns
of fct_survey_responses read here are that model's) and their driver_<name> ratings from
staging.stg_survey__driver_scores, keeps complete cases, and fits Johnson's relative
weights (orchestration/lib/relative_weights.py) per quarter for the headline (segment and
touchpoint 'all'), each segment and each touchpoint. Replaces analytics.driver_weights, which
source('analytics', 'driver_weights') and the mart mart_key_drivers__quarter read
(docs/metrics.md "Key drivers").
"""

import hashlib
import time
import zlib
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import numpy as np
import polars as pl
from dagster_dbt import get_asset_key_for_model

from orchestration.defs.analytics.tables import replace_table
from orchestration.defs.publish.partitions import ONCE_PER_RUN
from orchestration.defs.transform.dbt import dbt_models
from orchestration.lib import relative_weights as relative_weights_module
from orchestration.lib.relative_weights import (
    BOOTSTRAP_RESAMPLES,
    BOOTSTRAP_SEED,
    RelativeWeightsError,
    bootstrap_shares,
    relative_weights,
)
from orchestration.resources import DuckDBWarehouse
from orchestration.settings import DEFAULT_SIGNIFICANCE_Z, get_settings
from orchestration.sql import has_table, literal, quote

# The scored answers, not the fct_survey_responses view on them: the view's left joins (survey
# type, respondent group; one row per answer) add nothing read here, and at 10 M answers the
# join with the ratings through the view needed more than a 2 GB DuckDB memory limit.
RESPONSES_MODEL = "int_survey_responses__scored"
RESPONSES_SCHEMA = "intermediate"
DRIVER_SCORES_MODEL = "stg_survey__driver_scores"
WEIGHTS_SCHEMA = "analytics"
WEIGHTS_TABLE = "driver_weights"
# Per quarter, a fingerprint of what its weights were fitted from: a quarter whose answers,
# drivers, settings and fitting code are unchanged keeps its rows instead of being refitted.
INPUTS_TABLE = "driver_weights_inputs"
DRIVER_WEIGHTS_ASSET_KEY = dg.AssetKey([WEIGHTS_SCHEMA, WEIGHTS_TABLE])

ALL = "all"
FITTED = "fitted"
TOO_FEW_ANSWERS = "too_few_answers"
COLLINEAR = "collinear_predictors"
ESTIMATED_CHECK = "drivers_estimated"
# A cell needs this many complete answers per driver on top of the reporting minimum: with
# fewer, the weights of correlated drivers swing from quarter to quarter on noise alone.
ANSWERS_PER_DRIVER = 10
# The cells of a quarter: the headline, each segment, each touchpoint ('all' for the other).
# Segment × touchpoint cells are left out: most would be too small to fit.
CELL_DIMENSIONS: tuple[str | None, ...] = (None, "segment", "touchpoint")

DRIVERS_SQL = f"""
select distinct driver_scores.driver
from staging.{DRIVER_SCORES_MODEL} as driver_scores
inner join {RESPONSES_SCHEMA}.{RESPONSES_MODEL} as responses
    on driver_scores.response_id = responses.response_id
where responses.nps_score is not null and driver_scores.score is not null
order by 1
"""

# One row per answer with an NPS score, one column per driver: pivoted in DuckDB, because
# pulling the long table into Python (4 rows an answer, 40 M rows at 10 M answers) and pivoting
# there cost minutes and gigabytes. The ratings are pivoted by response_id alone before the
# join (response_id is unique in the fact): grouping by every answer column instead needed
# more than 2 GB of DuckDB memory at 10 M answers. Ordered: each fit sums in a fixed order, so
# a rerun writes identical numbers.
ANSWERS_SQL = """
with pivoted as (
    select
        driver_scores.response_id{driver_columns}
    from staging.{driver_scores} as driver_scores
    where driver_scores.score is not null{pivot_filter}
    group by driver_scores.response_id
)
select
    responses.response_id,
    responses.quarter,
    responses.segment,
    responses.touchpoint,
    responses.nps_score{driver_values}
from {responses_schema}.{responses} as responses
left join pivoted
    on pivoted.response_id = responses.response_id
where responses.nps_score is not null{answer_filter}
order by responses.quarter, responses.response_id
"""
# The same rows for one quarter ($1): the ratings pivoted are only that quarter's answers', so
# DuckDB holds one quarter's pivot and sort rather than all of them (at 10 M answers the whole
# query kept about 2 GB of DuckDB memory; a quarter at a time, BENCHMARKS.md "Session 12").
QUARTER_PIVOT_FILTER = """
        and driver_scores.response_id in (
            select quarter_responses.response_id
            from {responses_schema}.{responses} as quarter_responses
            where
                quarter_responses.quarter is not distinct from $1
                and quarter_responses.nps_score is not null
        )"""
QUARTER_ANSWER_FILTER = "\n    and responses.quarter is not distinct from $1"

WEIGHTS_SCHEMA_POLARS: dict[str, pl.DataType] = {
    "quarter": pl.String(),
    "segment": pl.String(),
    "touchpoint": pl.String(),
    "driver": pl.String(),
    "n": pl.Int64(),
    "r_squared": pl.Float64(),
    "raw_weight": pl.Float64(),
    "rescaled_weight_pct": pl.Float64(),
    "rescaled_weight_ci_low": pl.Float64(),
    "rescaled_weight_ci_high": pl.Float64(),
    "weight_rank": pl.Int32(),
    "driver_mean": pl.Float64(),
    "fit_status": pl.String(),
}
ORDER_BY = ["quarter", "segment", "touchpoint", "driver"]
_ANSWER_COLUMNS = ("response_id", "quarter", "segment", "touchpoint", "nps_score")


@dataclass(frozen=True)
class DriverAnswers:
    """One row per answer with an NPS score and one column per driver (1–5, null = skipped).

    `frame` holds response_id, quarter, segment, touchpoint, nps_score and the `drivers`
    columns; keeping the driver names apart means a driver can never be mistaken for one of
    the other columns.
    """

    frame: pl.DataFrame
    drivers: list[str]


def min_answers(n_drivers: int, min_reportable_n: int) -> int:
    """Complete answers a cell needs before it is fitted: max(reporting minimum, 10 per driver)."""
    return max(min_reportable_n, ANSWERS_PER_DRIVER * n_drivers)


def read_drivers(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The drivers rated with an NPS answer: whatever driver_<name> columns the exports carried,
    not a fixed list."""
    drivers = [row[0] for row in con.execute(DRIVERS_SQL).fetchall()]
    clashes = set(drivers) & set(_ANSWER_COLUMNS)
    if clashes:
        raise dg.Failure(
            description=f"driver names clash with answer columns: {sorted(clashes)}; "
            "rename the driver_<name> columns in the export"
        )
    return drivers


def answers_sql(drivers: list[str], one_quarter: bool = False) -> str:
    """ANSWERS_SQL with one column per driver; with `one_quarter`, for the quarter `$1` only."""
    columns = "".join(
        f",\n    max(driver_scores.score) filter (where driver_scores.driver = {literal(d)}) "
        f"as {quote(d)}"
        for d in drivers
    )
    values = "".join(f",\n    pivoted.{quote(d)}" for d in drivers)
    names = {"responses": RESPONSES_MODEL, "responses_schema": RESPONSES_SCHEMA}
    return ANSWERS_SQL.format(
        driver_columns=columns,
        driver_values=values,
        driver_scores=DRIVER_SCORES_MODEL,
        pivot_filter=QUARTER_PIVOT_FILTER.format(**names) if one_quarter else "",
        answer_filter=QUARTER_ANSWER_FILTER if one_quarter else "",
        **names,
    )


def read_answers(con: duckdb.DuckDBPyConnection) -> DriverAnswers:
    """The answers with an NPS score, the long staging driver table pivoted to one column each."""
    drivers = read_drivers(con)
    return DriverAnswers(con.sql(answers_sql(drivers)).pl(), drivers)


def iter_answer_quarters(
    con: duckdb.DuckDBPyConnection, drivers: list[str], quarters: Iterable[str]
) -> Iterator[pl.DataFrame]:
    """`read_answers`' rows of `quarters`, one quarter at a time: the same frames as
    partitioning its frame by quarter, each read by its own query, so that neither Python
    (10 M answers are about a gigabyte there) nor DuckDB (the pivot and sort of every quarter)
    holds every quarter at once."""
    sql = answers_sql(drivers, one_quarter=True)
    for quarter in quarters:
        frame = con.sql(sql, params=[quarter]).pl()
        if frame.height:
            yield frame


def _cells(quarter: pl.DataFrame) -> Iterator[tuple[str, str, pl.DataFrame]]:
    """(segment, touchpoint, answers) for every cell of one quarter, rollups as 'all'."""
    for dimension in CELL_DIMENSIONS:
        if dimension is None:
            yield ALL, ALL, quarter
            continue
        for (value,), cell in quarter.partition_by(dimension, as_dict=True).items():
            yield (value, ALL, cell) if dimension == "segment" else (ALL, value, cell)


def cell_seed(quarter: str, segment: str, touchpoint: str) -> list[int]:
    """The bootstrap seed of one cell: fixed, and independent of which other cells exist, so
    a new quarter or segment leaves every other cell's interval as it was."""
    return [BOOTSTRAP_SEED, zlib.crc32(f"{quarter}|{segment}|{touchpoint}".encode())]


def fit_cell(
    cell: pl.DataFrame,
    drivers: list[str],
    min_n: int,
    *,
    seed: int | list[int] = BOOTSTRAP_SEED,
    z: float = float(DEFAULT_SIGNIFICANCE_Z),
) -> list[dict[str, object]]:
    """One row per driver for one cell: weights when it can be fitted, else its fit_status.

    Complete cases only: an answer missing any of the quarter's drivers is left out of the
    fit and of the driver means, so importance and performance describe the same answers.
    A data problem in a cell (say, everyone rated price 5) becomes that cell's fit_status.
    Each share of R² gets a percentile bootstrap interval (BOOTSTRAP_RESAMPLES resamples of
    the cell's complete answers, drawn with `seed`, at the level of `z`).
    """
    complete = cell.drop_nulls(drivers).sort("response_id")
    n = complete.height
    means = [complete[d].cast(pl.Float64).mean() if n else None for d in drivers]
    rows: list[dict[str, object]] = [
        {"driver": d, "n": n, "driver_mean": m, "fit_status": TOO_FEW_ANSWERS}
        for d, m in zip(drivers, means, strict=True)
    ]
    if n < min_n:
        return rows
    x = complete.select(drivers).to_numpy().astype(float)
    y = complete["nps_score"].to_numpy().astype(float)
    try:
        fit = relative_weights(x, y, drivers)
    except RelativeWeightsError as exc:
        for row in rows:
            row["fit_status"] = exc.reason
        return rows
    except np.linalg.LinAlgError:  # a correlation matrix numpy cannot decompose: singular
        for row in rows:
            row["fit_status"] = COLLINEAR
        return rows
    rescaled = fit.rescaled_pct
    interval = bootstrap_shares(x, y, z=z, resamples=BOOTSTRAP_RESAMPLES, seed=seed)
    by_weight = sorted(range(len(drivers)), key=lambda j: (-fit.raw_weights[j], drivers[j]))
    for rank, j in enumerate(by_weight, start=1):
        rows[j].update(
            r_squared=fit.r_squared,
            raw_weight=float(fit.raw_weights[j]),
            rescaled_weight_pct=float(rescaled[j]),
            rescaled_weight_ci_low=_finite_or_none(interval.low[j]),
            rescaled_weight_ci_high=_finite_or_none(interval.high[j]),
            weight_rank=rank,
            fit_status=FITTED,
        )
    return rows


def _finite_or_none(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _quarter_rows(
    quarter: pl.DataFrame, all_drivers: list[str], min_reportable_n: int, significance_z: float
) -> list[dict[str, object]]:
    """The rows of every cell of one quarter (unsorted)."""
    rows: list[dict[str, object]] = []
    drivers = [d for d in all_drivers if quarter[d].null_count() < quarter.height]
    if not drivers:
        return rows
    min_n = min_answers(len(drivers), min_reportable_n)
    name = quarter["quarter"][0]
    for segment, touchpoint, cell in _cells(quarter):
        seed = cell_seed(name, segment, touchpoint)
        for row in fit_cell(cell, drivers, min_n, seed=seed, z=significance_z):
            row.update(quarter=name, segment=segment, touchpoint=touchpoint)
            rows.append(row)
    return rows


def _fit_quarters(
    quarters: Iterable[pl.DataFrame],
    drivers: list[str],
    min_reportable_n: int,
    significance_z: float,
    workers: int,
) -> list[dict[str, object]]:
    """The rows of every cell of `quarters`, fitted on `workers` threads, in quarter order.

    At most `workers` quarters are being fitted while the next one is read from `quarters`, so
    a stream of quarters is never all in memory at once. A quarter's rows depend on its own
    answers only (each cell has its own bootstrap seed) and numpy's draws and sums run outside
    the interpreter lock: the threads give the same numbers as one quarter at a time.
    """
    workers = max(1, workers)
    parts: list[list[dict[str, object]]] = []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        running: list[Future[list[dict[str, object]]]] = []
        for quarter in quarters:
            running.append(
                pool.submit(_quarter_rows, quarter, drivers, min_reportable_n, significance_z)
            )
            del quarter
            while len(running) >= workers:
                parts.append(running.pop(0).result())
        parts.extend(f.result() for f in running)
    return [row for part in parts for row in part]


def driver_weights(
    answers: DriverAnswers,
    min_reportable_n: int,
    significance_z: float = float(DEFAULT_SIGNIFICANCE_Z),
    workers: int = 1,
) -> pl.DataFrame:
    """Every cell of every quarter, one row per driver, in ORDER_BY order.

    The drivers of a quarter are those rated at least once in it, so a driver added to the
    survey later does not empty the complete cases of the quarters before it. Quarters are
    fitted on `workers` threads (`_fit_quarters`).
    """
    frame = answers.frame
    if frame.is_empty() or not answers.drivers:
        return pl.DataFrame(schema=WEIGHTS_SCHEMA_POLARS)
    rows = _fit_quarters(
        frame.partition_by("quarter", maintain_order=True),
        answers.drivers,
        min_reportable_n,
        significance_z,
        workers,
    )
    return pl.DataFrame(rows, schema=WEIGHTS_SCHEMA_POLARS).sort(ORDER_BY)


def method_version(min_reportable_n: int, significance_z: float) -> str:
    """What a quarter's weights depend on besides its answers: the settings, the bootstrap
    constants and the fitting code (this module and relative_weights.py, byte for byte)."""
    digest = hashlib.sha256()
    for module in (__file__, relative_weights_module.__file__):
        digest.update(Path(str(module)).read_bytes())
    digest.update(repr((min_reportable_n, significance_z)).encode())
    return digest.hexdigest()[:16]


# Per quarter: the answers with an NPS score and their driver ratings, counted and hashed in
# DuckDB without pivoting or sorting them (sums of row hashes do not depend on row order). Any
# changed score, segment, touchpoint or rating, and any answer or rating added or removed,
# changes the quarter's line. (A DuckDB upgrade may change its hash: then every quarter is
# refitted once.)
FINGERPRINT_SQL = f"""
with responses as (
    select response_id, quarter, segment, touchpoint, nps_score
    from {RESPONSES_SCHEMA}.{RESPONSES_MODEL}
    where nps_score is not null
),

answers as (
    select
        quarter,
        count(*) as n,
        sum(hash(response_id, quarter, segment, touchpoint, nps_score))::hugeint as digest
    from responses
    group by quarter
),

ratings as (
    select
        responses.quarter,
        count(*) as n,
        sum(hash(driver_scores.response_id, driver_scores.driver, driver_scores.score))::hugeint
            as digest
    from staging.{DRIVER_SCORES_MODEL} as driver_scores
    inner join responses on driver_scores.response_id = responses.response_id
    where driver_scores.score is not null
    group by responses.quarter
)

select
    answers.quarter,
    answers.n,
    answers.digest::varchar,
    coalesce(ratings.n, 0),
    coalesce(ratings.digest, 0)::varchar
from answers
left join ratings on answers.quarter is not distinct from ratings.quarter
order by answers.quarter
"""


def quarter_fingerprints(
    con: duckdb.DuckDBPyConnection, drivers: list[str], version: str
) -> dict[str, tuple[str, int]]:
    """Each quarter's fingerprint of its answers and ratings, the drivers and `version`, with
    the quarter's number of answers: quarter → (fingerprint, answers)."""
    fingerprints = {}
    for quarter, n, digest, rated, rating_digest in con.execute(FINGERPRINT_SQL).fetchall():
        key = f"{version}|{','.join(drivers)}|{n}|{digest}|{rated}|{rating_digest}"
        fingerprints[quarter] = (hashlib.sha256(key.encode()).hexdigest()[:32], n)
    return fingerprints


def stored_fingerprints(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """quarter → fingerprint of the stored weights' inputs (none before the first fit)."""
    if not (
        has_table(con, WEIGHTS_SCHEMA, WEIGHTS_TABLE)
        and has_table(con, WEIGHTS_SCHEMA, INPUTS_TABLE)
    ):
        return {}
    return dict(
        con.execute(f"select quarter, fingerprint from {WEIGHTS_SCHEMA}.{INPUTS_TABLE}").fetchall()
    )


def kept_rows(con: duckdb.DuckDBPyConnection, quarters: list[str]) -> pl.DataFrame:
    """The stored weights of `quarters`."""
    if not quarters:
        return pl.DataFrame(schema=WEIGHTS_SCHEMA_POLARS)
    rows = con.sql(
        f"select {', '.join(quote(c) for c in WEIGHTS_SCHEMA_POLARS)} "
        f"from {WEIGHTS_SCHEMA}.{WEIGHTS_TABLE} where quarter in (select unnest(?::varchar[]))",
        params=[quarters],
    ).pl()
    return rows.cast(WEIGHTS_SCHEMA_POLARS)


@dataclass
class Refit:
    """What `refit_changed_quarters` did: the weights, and which quarters it fitted or kept."""

    frame: pl.DataFrame
    fingerprints: dict[str, str]
    fitted: list[str]
    kept: list[str]
    answers: int


def refit_changed_quarters(
    con: duckdb.DuckDBPyConnection,
    min_reportable_n: int,
    significance_z: float,
    workers: int = 1,
) -> Refit:
    """Every quarter's weights: stored rows where its fingerprint is unchanged, else fitted.

    The fingerprints are counted and hashed in DuckDB (FINGERPRINT_SQL); only the changed
    quarters' answers are read, one quarter at a time, into `_fit_quarters`, so memory holds a
    few quarters, not all of them. Each quarter's rows depend on its own answers only, so the
    result equals `driver_weights` on everything.
    """
    drivers = read_drivers(con)
    version = method_version(min_reportable_n, significance_z)
    previous = stored_fingerprints(con)
    now = quarter_fingerprints(con, drivers, version) if drivers else {}
    fitted = [q for q, (fingerprint, _) in now.items() if previous.get(q) != fingerprint]
    kept = [q for q in now if q not in fitted]
    rows = _fit_quarters(
        iter_answer_quarters(con, drivers, fitted),
        drivers,
        min_reportable_n,
        significance_z,
        workers,
    )
    frame = pl.concat([kept_rows(con, kept), pl.DataFrame(rows, schema=WEIGHTS_SCHEMA_POLARS)])
    return Refit(
        frame.sort(ORDER_BY),
        {q: fingerprint for q, (fingerprint, _) in now.items()},
        fitted,
        kept,
        sum(n for _, n in now.values()),
    )


def count_not_finite(frame: pl.DataFrame) -> int:
    """NaN or infinite values in the float columns (nulls are fine: they mean 'not fitted')."""
    floats = [c for c, t in WEIGHTS_SCHEMA_POLARS.items() if t == pl.Float64()]
    if frame.is_empty():
        return 0
    return int(
        frame.select(pl.sum_horizontal((~pl.col(floats).is_finite()).fill_null(False)).sum())
        .to_series()
        .item()
    )


def summary_metadata(frame: pl.DataFrame) -> dict[str, object]:
    """Cells fitted and skipped (by reason) and the latest fitted quarter's top driver."""
    cells = frame.unique(["quarter", "segment", "touchpoint"], keep="first")
    by_status = dict(cells.group_by("fit_status").len().sort("fit_status").iter_rows())
    metadata: dict[str, object] = {
        "rows": frame.height,
        "quarters": frame["quarter"].n_unique(),
        "drivers": ", ".join(sorted(frame["driver"].unique().to_list())),
        "cells_fitted": int(by_status.get(FITTED, 0)),
        "cells_skipped": int(sum(v for k, v in by_status.items() if k != FITTED)),
        "cells_by_status": ", ".join(f"{k}: {v}" for k, v in by_status.items()),
    }
    top = frame.filter(
        (pl.col("segment") == ALL) & (pl.col("touchpoint") == ALL) & (pl.col("weight_rank") == 1)
    ).sort("quarter")
    if not top.is_empty():
        row = top.row(-1, named=True)
        metadata.update(
            {
                "latest_quarter": row["quarter"],
                "top_driver": row["driver"],
                "top_driver_share_pct": round(row["rescaled_weight_pct"], 2),
                "top_driver_r_squared": round(row["r_squared"], 4),
                "top_driver_n": row["n"],
            }
        )
    return metadata


def unestimated_cells(frame: pl.DataFrame) -> pl.DataFrame:
    """Cells worth a warning: a quarter's headline cell not fitted, or any cell with a data
    problem (a constant driver or NPS, collinear drivers, R² = 0). Too few answers in a
    segment or touchpoint cell is the expected case (the report suppresses it) and not listed.
    """
    cells = frame.unique(["quarter", "segment", "touchpoint"], keep="first")
    headline = (pl.col("segment") == ALL) & (pl.col("touchpoint") == ALL)
    return (
        cells.filter(
            (pl.col("fit_status") != FITTED)
            & (headline | (pl.col("fit_status") != TOO_FEW_ANSWERS))
        )
        .select("quarter", "segment", "touchpoint", "n", "fit_status")
        .sort(ORDER_BY[:3])
    )


def estimated_check(frame: pl.DataFrame) -> dg.AssetCheckResult:
    """WARN when a headline cell or a cell with a data problem could not be estimated."""
    problems = unestimated_cells(frame)
    lines = [
        f"{r['quarter']} segment={r['segment']} touchpoint={r['touchpoint']} "
        f"(n={r['n']}): {r['fit_status']}"
        for r in problems.iter_rows(named=True)
    ]
    return dg.AssetCheckResult(
        check_name=ESTIMATED_CHECK,
        asset_key=DRIVER_WEIGHTS_ASSET_KEY,
        passed=problems.is_empty(),
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "unestimated_cells": problems.height,
            "reasons": ", ".join(sorted(set(problems["fit_status"].to_list()))),
            "cells": dg.MetadataValue.md("\n".join(f"- {line}" for line in lines) or "none"),
        },
    )


@dg.asset(
    key=DRIVER_WEIGHTS_ASSET_KEY,
    group_name="analytics",
    backfill_policy=ONCE_PER_RUN,
    kinds={"python", "duckdb"},
    deps=[
        get_asset_key_for_model([dbt_models], RESPONSES_MODEL),
        get_asset_key_for_model([dbt_models], DRIVER_SCORES_MODEL),
    ],
    check_specs=[
        dg.AssetCheckSpec(
            ESTIMATED_CHECK,
            asset=DRIVER_WEIGHTS_ASSET_KEY,
            description=(
                "Every quarter's headline cell could be fitted and no cell hit a data problem "
                "(constant driver or NPS, collinear drivers, R² = 0). A WARN result lists the "
                "cells and their fit_status; the report says why those drivers are not shown."
            ),
        )
    ],
    description=(
        "Key drivers: Johnson (2000) relative weights of the driver_<name> ratings (1–5) on the "
        "NPS score, complete answers only, per quarter for the headline, each segment and each "
        f"touchpoint; one row per cell × driver in {WEIGHTS_SCHEMA}.{WEIGHTS_TABLE}: n, R², raw "
        "weight (they sum to R²), share of R² in % with its percentile bootstrap 95 % interval "
        f"({BOOTSTRAP_RESAMPLES} resamples of the cell's answers, fixed seed), rank and the "
        "driver's mean. A cell with "
        "fewer than max(min_reportable_n, 10 × drivers) complete answers keeps its rows with "
        "fit_status 'too_few_answers' and null weights; a cell whose data cannot be fitted "
        "(a constant driver or NPS, collinear drivers, R² = 0) keeps them with that reason "
        f"as fit_status, and the check {ESTIMATED_CHECK} warns."
    ),
)
def driver_weights_asset(
    context: dg.AssetExecutionContext, warehouse: DuckDBWarehouse
) -> dg.MaterializeResult:
    settings = get_settings()
    with warehouse.connect() as con:
        started = time.perf_counter()
        refit = refit_changed_quarters(
            con, settings.min_reportable_n, settings.significance_z, settings.duckdb_threads
        )
        frame = refit.frame
        fit_seconds = time.perf_counter() - started
        bad = count_not_finite(frame)
        if bad:
            raise dg.Failure(description=f"{bad} NaN or infinite weights or means; nothing written")
        replace_table(
            con,
            WEIGHTS_SCHEMA,
            WEIGHTS_TABLE,
            frame,
            ORDER_BY,
            lake_dir=settings.lake_dir,
            companions={
                INPUTS_TABLE: pl.DataFrame(
                    sorted(refit.fingerprints.items()),
                    schema={"quarter": pl.String(), "fingerprint": pl.String()},
                    orient="row",
                )
            },
        )
    metadata = summary_metadata(frame)
    metadata["answers_with_nps"] = refit.answers
    metadata["fit_seconds"] = round(fit_seconds, 3)
    metadata["quarters_refitted"] = ", ".join(refit.fitted) or "none"
    metadata["quarters_kept"] = len(refit.kept)
    context.log.info(
        f"Driver weights: {metadata['cells_fitted']} cells fitted, "
        f"{metadata['cells_skipped']} skipped, in {fit_seconds:.2f} s; "
        f"{len(refit.kept)} of {len(refit.fingerprints)} quarters unchanged since the last fit, "
        "kept"
    )
    return dg.MaterializeResult(metadata=metadata, check_results=[estimated_check(frame)])
