"""What the report may claim: one family of movers per quarter, Holm-adjusted (sample build)."""

from __future__ import annotations

import polars as pl
from scipy.stats import norm


def _movers(mart) -> pl.DataFrame:
    return pl.from_arrow(mart.sql("select * from marts.mart_cx_movers__quarter").to_arrow_table())


def test_p_values_are_the_two_sided_normal_tail(mart) -> None:
    movers = _movers(mart)
    assert movers.height > 100
    exact = 2 * norm.sf(movers["change_z"].abs().to_numpy())
    assert abs(movers["p_value"].to_numpy() - exact).max() < 1e-6


def test_adjusted_p_values_are_holm_within_each_quarter(mart) -> None:
    movers = _movers(mart).filter(~pl.col("is_headline"))
    for (quarter,), family in movers.group_by("quarter"):
        p = sorted(family["p_value"].to_list())
        m = len(p)
        holm, running = [], 0.0
        for i, value in enumerate(p):
            running = max(running, min(1.0, (m - i) * value))
            holm.append(running)
        assert sorted(family["p_adjusted"].to_list()) == holm, quarter
        assert set(family["family_size"]) == {m}


def test_the_planted_support_collapse_survives_the_correction(mart) -> None:
    row = mart.execute(
        "select p_adjusted, is_significant from marts.mart_cx_movers__quarter "
        "where quarter = '2025-Q2' and segment = 'all' and touchpoint = 'support' "
        "and metric = 'nps' and comparison = 'previous'"
    ).fetchone()
    assert row is not None and row[1] is True and row[0] < 1e-6


def test_headline_nps_change_is_its_own_test(mart) -> None:
    rows = mart.execute(
        "select count(*), count(*) filter (where p_adjusted <> p_value or family_size <> 1) "
        "from marts.mart_cx_movers__quarter where is_headline"
    ).fetchone()
    assert rows[0] > 0 and rows[1] == 0
