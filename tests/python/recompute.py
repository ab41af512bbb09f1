"""Independent recomputations of the marts from the inbox files, for tests to compare with."""

from pathlib import Path

import polars as pl


def read_responses_with_polars(inbox: Path) -> pl.DataFrame:
    """The survey CSVs parsed independently of the loader: the contract's rules in Polars."""
    frames = [
        pl.read_csv(p, infer_schema=False)
        for p in sorted((inbox / "survey_responses").glob("*.csv"))
    ]
    raw = pl.concat(frames, how="diagonal")
    text = pl.col("responded_at")
    local = pl.coalesce(
        text.str.strptime(
            pl.Datetime("us"), "%Y-%m-%dT%H:%M:%S", strict=False
        ).dt.replace_time_zone("Europe/Helsinki", ambiguous="earliest"),
        text.str.strptime(pl.Datetime("us"), "%d.%m.%Y %H.%M", strict=False).dt.replace_time_zone(
            "Europe/Helsinki", ambiguous="earliest"
        ),
        text.str.strptime(
            pl.Datetime("us", "UTC"), "%Y-%m-%dT%H:%M:%S%:z", strict=False
        ).dt.convert_time_zone("Europe/Helsinki"),
    )
    scores = {
        "nps_score": (0, 10),
        "csat_score": (1, 5),
        "ces_score": (1, 7),
        "loyalty_score": (1, 5),
    }
    # A score the export does not carry is empty for every row (only NPS is required).
    raw = raw.with_columns(pl.lit(None, pl.String).alias(c) for c in scores if c not in raw.columns)
    df = raw.with_columns(
        local.alias("local_at"), *[pl.col(c).cast(pl.Int64, strict=False) for c in scores]
    )
    valid = (
        pl.col("response_id").is_not_null()
        & pl.col("local_at").is_not_null()
        & pl.any_horizontal([pl.col(c).is_not_null() for c in scores])
    )
    for c, (lo, hi) in scores.items():
        valid &= pl.col(c).is_null() | pl.col(c).is_between(lo, hi)
    return df.filter(valid).with_columns(
        quarter=pl.format("{}-Q{}", pl.col("local_at").dt.year(), pl.col("local_at").dt.quarter())
    )


def touchpoint_scores(inbox: Path) -> pl.DataFrame:
    """NPS, CSAT % and CES % per quarter × touchpoint, recomputed from the survey CSVs."""
    df = read_responses_with_polars(inbox)
    return df.group_by("quarter", "touchpoint").agg(
        n_nps=pl.col("nps_score").count(),
        nps=100
        * (
            (pl.col("nps_score") >= 9).sum().cast(pl.Int64)
            - (pl.col("nps_score") <= 6).sum().cast(pl.Int64)
        )
        / pl.col("nps_score").count(),
        csat_pct=100 * (pl.col("csat_score") >= 4).sum() / pl.col("csat_score").count(),
        ces_pct=100 * (pl.col("ces_score") >= 5).sum() / pl.col("ces_score").count(),
        ces_mean=pl.col("ces_score").mean(),
    )


def assert_touchpoint_scores_equal(expected: pl.DataFrame, con) -> None:
    """The mart's quarter × touchpoint cells equal the recomputation, cell for cell."""
    actual = pl.from_arrow(
        con.sql(
            "select quarter, touchpoint, n_nps, nps, csat_pct, ces_pct, ces_mean "
            "from marts.mart_cx_scores__quarter where segment = 'all' and touchpoint <> 'all'"
        ).to_arrow_table()
    )
    joined = expected.join(actual, on=["quarter", "touchpoint"], how="full", suffix="_mart")
    assert joined.height == expected.height == actual.height
    assert (joined["n_nps"] == joined["n_nps_mart"]).all()
    for col in ["nps", "csat_pct", "ces_pct", "ces_mean"]:
        diff = (joined[col] - joined[f"{col}_mart"]).abs().max()
        assert diff is not None and diff < 1e-9, col
