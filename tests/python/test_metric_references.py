"""The dbt unit test's expected values are docs/metrics.md's reference values, to their rounding."""

from pathlib import Path

import yaml

CX_MODELS = Path(__file__).resolve().parents[2] / "models" / "marts" / "cx" / "_cx__models.yml"


def reference_rows() -> dict[str, dict]:
    spec = yaml.safe_load(CX_MODELS.read_text(encoding="utf-8"))
    (test,) = [
        t
        for t in spec["unit_tests"]
        if t["name"] == "test_mart_cx_scores__quarter_metrics_reference_values"
    ]
    return {row["quarter"]: row for row in test["expect"]["rows"]}


def test_nps_reference_n200_p100_d40() -> None:
    row = reference_rows()["2025-Q2"]
    assert row["nps"] == 30.0
    assert round(row["nps_adjusted"], 2) == 29.56
    assert (round(row["nps_ci_low"], 2), round(row["nps_ci_high"], 2)) == (18.82, 40.30)


def test_nps_change_reference_is_significant() -> None:
    rows = reference_rows()
    assert round(rows["2025-Q1"]["nps_adjusted"], 2) == 9.80
    assert round(rows["2025-Q2"]["nps_adjusted_change"], 2) == 19.75
    assert round(rows["2025-Q2"]["nps_change_z"], 2) == 2.28
    assert rows["2025-Q2"]["nps_is_significant_change"] is True


def test_csat_reference_74_of_107() -> None:
    row = reference_rows()["2025-Q2"]
    assert round(row["csat_pct"], 2) == 69.16
    assert (round(row["csat_ci_low"], 2), round(row["csat_ci_high"], 2)) == (59.87, 77.12)
