"""The company's dimensions are declared once (seeds/dimensions.csv) and everything follows."""

import csv
from pathlib import Path

import duckdb
import pytest

from orchestration.defs.ingest import dbt_sources
from orchestration.defs.ingest.expectations import SUITES, suite_of, validate
from orchestration.defs.ingest.loader import ensure_schema
from orchestration.defs.ingest.sources import SOURCES, SOURCES_BY_NAME
from orchestration.lib import dimensions

SURVEY = SOURCES_BY_NAME["survey_responses"]


def _write_seed(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(
            fh, ["dimension", "value", "position", "kind", "label_en", "label_fi", "label_sv"]
        )
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def own_world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A company whose touchpoints are a store, a chat and an installation, in that order."""
    rows = [
        {"dimension": "touchpoint", "value": v, "position": str(i), "label_en": en,
         "label_fi": fi, "label_sv": sv}
        for i, (v, en, fi, sv) in enumerate(
            [("myymala", "Store", "Myymälä", "Butik"), ("chat", "Chat", "Chat", "Chatt"),
             ("asennus", "Installation", "Asennus", "Installation")], start=1)
    ] + [{"dimension": "survey", "value": "nps_kysely", "position": "1", "kind": "relationship",
          "label_en": "NPS survey", "label_fi": "NPS-kysely", "label_sv": "NPS-enkät"}]  # fmt: skip
    seed = _write_seed(tmp_path / "dimensions.csv", rows)
    monkeypatch.setattr(dimensions, "SEED_FILE", seed)
    return seed


def test_the_sample_world_is_declared_in_the_seed() -> None:
    assert dimensions.values("touchpoint") == [
        "sales", "onboarding", "web", "store", "billing", "support"
    ]  # fmt: skip
    assert [dimensions.kind("survey", s) for s in dimensions.values("survey")] == [
        "relationship", "transactional", "transactional", "transactional", "relationship"
    ]  # fmt: skip
    assert dimensions.display("respondent_group", "potential", "fi") == "Potentiaaliset asiakkaat"
    assert dimensions.display("segment", "smb", "fi") == "Pk-yritykset"
    assert dimensions.display("touchpoint", "support", "sv") == "Kundtjänst"
    assert dimensions.display("touchpoint", "chat", "fi") == "chat"  # undeclared: the code
    assert [v for v in dimensions.values("brand") if dimensions.kind("brand", v) == "ours"] == [
        "kokemus"
    ]


def test_allowed_values_of_the_expectations_come_from_the_seed(own_world: Path) -> None:
    suite = {e.label: e for e in suite_of(SURVEY)}
    touchpoint = suite["ExpectColumnValuesToBeInSet(touchpoint)"]
    assert touchpoint.kwargs["value_set"] == ["myymala", "chat", "asennus"]
    assert touchpoint.blocking is False
    assert suite["ExpectColumnValuesToBeInSet(survey)"].kwargs["value_set"] == ["nps_kysely"]
    # Not declared in this seed: no value is known, so every value warns.
    assert suite["ExpectColumnValuesToBeInSet(segment)"].kwargs["value_set"] == []


def test_every_suite_follows_its_declared_source() -> None:
    orders = {e.label: e for e in SUITES["crm_orders"]}
    assert orders["ExpectColumnValuesToBeInSet(status)"].kwargs["value_set"] == [
        "completed", "refunded", "cancelled"
    ]  # fmt: skip
    assert orders["ExpectColumnValuesToBeInSet(status)"].blocking is True
    assert orders["ExpectColumnValuesToBeBetween(amount)"].blocking is False
    assert orders["ExpectCompoundColumnsToBeUnique(order_id+_load_id)"].blocking is False
    for source in SOURCES:
        labels = [e.label for e in SUITES[source.name]]
        required = [c.name for c in source.columns if c.not_empty]
        assert [f"ExpectColumnValuesToNotBeNull({c})" for c in required] == labels[: len(required)]


def test_an_undeclared_value_warns_naming_it_and_the_seed(tmp_path: Path, own_world: Path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_schema(con, SOURCES)
    con.execute(
        "insert into raw.survey_responses (response_id, responded_at, nps_score, touchpoint, "
        "_load_id, _file, _line) values ('R1', now(), 9, 'chat', 1, 'f.csv', 2), "
        "('R2', now(), 3, 'puhelin', 1, 'f.csv', 3)"
    )
    import orchestration.defs.ingest.expectations as expectations

    suite = suite_of(SURVEY)
    expectations.SUITES["survey_responses"], saved = suite, expectations.SUITES["survey_responses"]
    try:
        outcomes = validate(con, "survey_responses")
    finally:
        expectations.SUITES["survey_responses"] = saved
    failed = [o for o in outcomes if not o.success]
    assert [o.expectation.label for o in failed] == ["ExpectColumnValuesToBeInSet(touchpoint)"]
    touchpoint = next(o for o in failed if o.expectation.label.endswith("(touchpoint)"))
    assert (touchpoint.unexpected_count, touchpoint.examples) == (1, ["puhelin"])
    assert touchpoint.expectation.blocking is False
    assert touchpoint.expectation.hint(touchpoint.examples) == (
        "touchpoint has 'puhelin' that seeds/dimensions.csv does not declare: add them there "
        "as dimension 'touchpoint' with their display names (docs/contract.md, "
        "'Your own dimensions')"
    )


def test_a_seed_row_without_a_known_dimension_is_refused(tmp_path: Path) -> None:
    seed = _write_seed(tmp_path / "d.csv", [{"dimension": "kanava", "value": "chat"}])
    with pytest.raises(dimensions.DimensionSeedError, match="d.csv line 2: unknown dimension"):
        dimensions.read(seed)
    seed = _write_seed(tmp_path / "e.csv", [{"dimension": "survey", "value": "nps"}])
    with pytest.raises(dimensions.DimensionSeedError, match="needs its kind"):
        dimensions.read(seed)


def test_the_dbt_sources_file_is_written_from_the_declared_sources() -> None:
    assert dbt_sources.main(["--check"]) == 0, "models/staging/__sources.yml is stale"
    text = dbt_sources.render()
    for source in SOURCES:
        assert f"      - name: {source.name}\n" in text
        for column in source.columns:
            assert f"{{name: {column.name}, data_type: " in text
    # answers, driver scores and importance ratings
    assert text.count("asset_key: [raw, survey_responses]") == 3


EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "inbox"


@pytest.mark.parametrize("source", [s.name for s in SOURCES])
def test_the_example_file_of_every_source_loads_whole(con, source: str) -> None:
    """README's "Your own exports in 10 minutes" points at these files: each loads every row,
    and every dimension value in them is declared in the seed (no expectation warns)."""
    from orchestration.defs.ingest.loader import load_source

    result = load_source(con, SOURCES_BY_NAME[source], EXAMPLES)
    assert [(f.status, f.rows_quarantined) for f in result.files] == [("loaded", 0)]
    assert result.files[0].rows_read == result.files[0].rows_loaded >= 1
    extra = con.execute("select extra_columns from ops.load_audit").fetchall()
    assert extra == [(None,)]
    outcomes = validate(con, source)
    assert [o.expectation.label for o in outcomes if not o.success] == []
