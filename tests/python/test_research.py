"""Mystery shopping and lost deals end to end: CSVs → loader → research marts, checked in Polars."""

import re
from pathlib import Path

import polars as pl
import pytest
from conftest import ACCEPTED_NUMBER, ACCEPTED_TIMES, PipelineRuns

HEL = "Europe/Helsinki"
OUR_BRAND, STRONG_COMPETITOR = "kokemus", "Nordia Palvelut Oy"
QUARTERS = [f"{y}-Q{q}" for y in (2023, 2024, 2025) for q in range(1, 5)]
MIN_N = 30  # CX_MIN_REPORTABLE_N default
NUMBER = r"^[+-]?[0-9]+(\.[0-9]+)?$"
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def read_csvs(inbox: Path, source: str) -> pl.DataFrame:
    frames = [pl.read_csv(p, infer_schema=False) for p in sorted((inbox / source).glob("*.csv"))]
    return pl.concat(frames, how="diagonal")


def helsinki_time(column: str) -> pl.Expr:
    """The contract's timestamp forms (ISO local or with offset, Finnish d.m.yyyy H.mm)."""
    text = pl.col(column)
    local = [
        text.str.strptime(pl.Datetime("us"), fmt, strict=False).dt.replace_time_zone(
            HEL, ambiguous="earliest"
        )
        for fmt in ["%Y-%m-%dT%H:%M:%S", "%d.%m.%Y %H.%M", "%Y-%m-%d", "%d.%m.%Y"]
    ]
    offset = text.str.strptime(pl.Datetime("us", "UTC"), "%Y-%m-%dT%H:%M:%S%:z", strict=False)
    return pl.coalesce(local[0], offset.dt.convert_time_zone(HEL), *local[1:])


def quarter_of(ts: pl.Expr) -> pl.Expr:
    return pl.format("{}-Q{}", ts.dt.year(), ts.dt.quarter())


def query(mart, sql: str, params: list | None = None) -> pl.DataFrame:
    return pl.from_arrow(mart.sql(sql, params=params).to_arrow_table())


@pytest.fixture(scope="module")
def visit_items(pipeline: PipelineRuns) -> pl.DataFrame:
    """Valid mystery-shopping rows as the contract defines them, parsed without the loader."""
    raw = read_csvs(pipeline.inbox, "mystery_shopping").with_columns(
        helsinki_time("visited_at").alias("ts")
    )
    valid = raw.filter(
        pl.col("visit_id").is_not_null(),
        pl.col("item").is_not_null(),
        pl.col("brand").is_not_null(),
        pl.col("ts").is_not_null(),
        pl.col("score").str.contains(NUMBER),
        pl.col("max_score").str.contains(NUMBER),
    )
    assert raw.height - valid.height == 1  # the planted bad row
    return valid.with_columns(
        quarter_of(pl.col("ts")).alias("quarter"),
        pl.col("item").str.strip_chars().str.to_lowercase(),
        pl.col("channel").fill_null("unknown").str.to_lowercase(),
        pl.col("location").fill_null("unknown"),
        pl.col("score").cast(pl.Float64),
        pl.col("max_score").cast(pl.Float64),
    )


def test_item_score_pct_equals_an_independent_polars_recomputation(visit_items, mart) -> None:
    assert visit_items.select("visit_id", "item").n_unique() == visit_items.height
    cells = ["quarter", "brand", "channel", "location", "item"]
    score = pl.col("score").sum() / pl.col("max_score").sum()
    agg = [pl.col("visit_id").n_unique().alias("n_visits"), (100 * score).alias("score_pct")]
    expected = pl.concat(
        [
            visit_items.group_by(cells).agg(agg),
            visit_items.group_by("quarter", "brand", "item")
            .agg(agg)
            .with_columns(channel=pl.lit("all"), location=pl.lit("all"))
            .select(cells + ["n_visits", "score_pct"]),
        ]
    )
    actual = query(
        mart,
        "select quarter, brand, channel, location, item, n_visits, score_pct "
        "from marts.mart_mystery_shopping__item_scores "
        "where (channel <> 'all' and location <> 'all') or (channel = 'all' and location = 'all')",
    )
    joined = expected.join(actual, on=cells, how="full", suffix="_mart")
    assert joined.height == expected.height == actual.height
    assert expected.filter(pl.col("channel") == "all").height == 12 * 4 * 6
    assert (joined["n_visits"] == joined["n_visits_mart"]).all()
    assert (joined["score_pct"] - joined["score_pct_mart"]).abs().max() < 1e-9


def test_visit_score_pct_pools_points_over_items(visit_items, mart) -> None:
    expected = visit_items.group_by("visit_id").agg(
        (100 * pl.col("score").sum() / pl.col("max_score").sum()).alias("score_pct"),
        pl.len().alias("n_items"),
    )
    actual = query(
        mart, "select visit_id, score_pct, n_items from marts.fct_mystery_shopping_visits"
    )
    joined = expected.join(actual, on="visit_id", how="full", suffix="_mart")
    assert joined.height == actual.height == 160 * 12  # a fixed programme of 160 a quarter
    assert (joined["n_items"] == joined["n_items_mart"]).all()
    assert (joined["score_pct"] - joined["score_pct_mart"]).abs().max() < 1e-9


def test_needs_mapping_is_our_weakest_item_and_the_competitors_strength(mart) -> None:
    weakest = dict(
        mart.execute(
            "select quarter, item from marts.mart_mystery_shopping__item_scores "
            "where is_our_brand and channel = 'all' and location = 'all' and weakness_rank = 1"
        ).fetchall()
    )
    assert weakest == dict.fromkeys(QUARTERS, "needs_mapping")
    n, min_gap, min_rank = mart.execute(
        "select count(*), min(score_pct_gap_vs_ours), min(weakness_rank) "
        "from marts.mart_mystery_shopping__item_scores "
        "where brand = ? and item = 'needs_mapping' and channel = 'all' and location = 'all'",
        [STRONG_COMPETITOR],
    ).fetchall()[0]
    assert n == 12 and min_gap >= 30
    # One of the competitor's two strongest items (rank 5 or 6 of 6, weakest first) every quarter.
    assert min_rank >= 5


def test_reportability_follows_the_number_of_visits(mart) -> None:
    wrong, reportable_brand_items = mart.execute(
        "select count(*) filter (where is_reportable <> (n_visits >= ?)), "
        "count(*) filter (where is_reportable and channel = 'all' and location = 'all') "
        "from marts.mart_mystery_shopping__item_scores",
        [MIN_N],
    ).fetchall()[0]
    assert wrong == 0
    # 40 visits per brand and quarter: every brand × item × quarter rollup is reportable except
    # store_look, scored on store visits only (about half), which reaches 30 at most rarely.
    assert 12 * 4 * 5 <= reportable_brand_items < 12 * 4 * 5 + 12


def test_it_was_not_the_price_share_equals_the_csvs(pipeline: PipelineRuns, mart) -> None:
    deals = read_csvs(pipeline.inbox, "lost_deals").filter(
        pl.col("amount").is_null() | pl.col("amount").str.contains(NUMBER)
    )
    interviewed = deals.filter(
        pl.col("stated_reason") == "price", pl.col("real_reason").is_not_null()
    )
    not_price = interviewed.filter(pl.col("real_reason") != "price").height
    n, k, pct, ci_low, reportable = mart.execute(
        "select n_stated_price_interviewed, n_price_not_real, price_not_real_pct, "
        "price_not_real_ci_low, is_reportable from marts.mart_lost_deals__price_claims "
        "where quarter = 'all' and competitor = 'all'"
    ).fetchall()[0]
    assert (n, k) == (interviewed.height, not_price)
    assert abs(pct - 100 * not_price / interviewed.height) < 1e-9
    assert pct > 50 and ci_low > 50 and reportable is True


def test_price_is_the_most_stated_reason_in_the_matrix(mart) -> None:
    stated = mart.execute(
        "select stated_reason, sum(n_deals) as n from marts.mart_lost_deals__reason_matrix "
        "where quarter = 'all' and competitor = 'all' group by stated_reason order by n desc"
    ).fetchall()
    assert stated[0][0] == "price"
    assert stated[0][1] > 2 * stated[1][1]
    quarters = mart.execute(
        "select count(distinct quarter) from marts.mart_lost_deals__reason_matrix "
        "where quarter <> 'all'"
    ).fetchall()[0][0]
    assert quarters == 12
    # Each stated reason's row of the matrix adds up to 100 %.
    off = mart.execute(
        "select max(abs(total - 100)) from (select sum(pct_of_stated) as total "
        "from marts.mart_lost_deals__reason_matrix group by quarter, competitor, stated_reason)"
    ).fetchall()[0][0]
    assert off < 1e-9


@pytest.mark.parametrize(
    "source, reason",
    [
        ("mystery_shopping", 'unparseable visited_at: "31.2.2024 14.00"' + ACCEPTED_TIMES),
        ("lost_deals", 'amount is not a number: "abc"' + ACCEPTED_NUMBER),
    ],
)
def test_research_rows_read_equal_loaded_plus_quarantined(
    pipeline: PipelineRuns, mart, source: str, reason: str
) -> None:
    in_csvs = read_csvs(pipeline.inbox, source).height
    read, loaded, quarantined = mart.execute(
        "select sum(rows_read), sum(rows_loaded), sum(rows_quarantined) "
        "from ops.load_audit where source = ? and status = 'loaded'",
        [source],
    ).fetchall()[0]
    in_raw = mart.execute(f"select count(*) from raw.{source}").fetchall()[0][0]
    reasons = [
        r[0]
        for r in mart.execute(
            "select reason from ops.quarantine where source = ?", [source]
        ).fetchall()
    ]
    assert (read, loaded + quarantined, in_raw) == (in_csvs, in_csvs, in_csvs - 1)
    assert reasons == [reason]


def test_shopper_notes_are_masked_in_staging(visit_items, mart) -> None:
    with_email = visit_items.filter(pl.col("note").str.contains(EMAIL.pattern)).height
    masked, leaked = mart.execute(
        "select count(*) filter (where note like '%[email]%'), "
        "count(*) filter (where regexp_matches(note, ?)) "
        "from staging.stg_research__mystery_shopping",
        [EMAIL.pattern],
    ).fetchall()[0]
    assert with_email >= 5
    assert (masked, leaked) == (with_email, 0)


def test_lost_customers_carry_their_last_nps_before_churn(mart) -> None:
    churn = query(mart, "select customer_id, churned_at from staging.stg_churn__events")
    answers = query(
        mart,
        "select customer_id, responded_at, response_id, nps_score "
        "from marts.fct_survey_responses where customer_id is not null and nps_score is not null",
    )
    expected = churn.sort("churned_at").join_asof(
        answers.sort("responded_at", "response_id"),
        left_on="churned_at",
        right_on="responded_at",
        by="customer_id",
        strategy="backward",
        allow_exact_matches=False,
        check_sortedness=False,  # both sides are sorted on the time column just above
    )
    actual = query(
        mart, "select customer_id, churned_at, last_nps_score from marts.fct_lost_customers"
    )
    joined = expected.join(actual, on=["customer_id", "churned_at"], how="full", suffix="_mart")
    assert joined.height == churn.height == actual.height
    same = joined["nps_score"].eq_missing(joined["last_nps_score"])
    assert same.all()
    assert joined["last_nps_score"].null_count() < joined.height / 2
