"""The inbox sensor asks for a run only for settled files it has not seen in that state."""

import json
import os
import time
from pathlib import Path

import dagster as dg
import pytest

from orchestration.defs.ingest.sensors import inbox_sensor


@pytest.fixture
def inbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CX_INBOX", str(tmp_path))
    monkeypatch.setenv("CX_INBOX_SETTLE_SECONDS", "5")
    # A warehouse of its own: a `make run` in this checkout must not make the sensor skip.
    monkeypatch.setenv("CX_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    (tmp_path / "survey_responses").mkdir()
    return tmp_path


def tick(cursor: str | None = None) -> dg.SensorResult:
    return inbox_sensor(dg.build_sensor_context(cursor=cursor))


def age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_new_settled_file_requests_one_run_then_nothing(inbox: Path) -> None:
    f = inbox / "survey_responses" / "q1.csv"
    f.write_text("response_id\n")
    age(f, 60)
    first = tick()
    assert len(first.run_requests) == 1
    assert first.run_requests[0].tags["kokemus/new_files"] == "1"
    assert list(json.loads(first.cursor)) == ["survey_responses/q1.csv"]
    again = tick(first.cursor)
    assert again.run_requests == []


def test_file_still_being_copied_waits_until_it_settles(inbox: Path) -> None:
    f = inbox / "survey_responses" / "q2.csv"
    f.write_text("response_id\nR1\n")  # just written: younger than 5 s
    partial = inbox / "survey_responses" / "q3.csv.part"
    partial.write_text("response_id\n")
    age(partial, 60)
    assert tick().run_requests == []
    age(f, 60)
    assert len(tick().run_requests) == 1


def test_changed_file_is_new_again(inbox: Path) -> None:
    f = inbox / "survey_responses" / "q1.csv"
    f.write_text("response_id\n")
    age(f, 60)
    cursor = tick().cursor
    f.write_text("response_id\nR1\nR2\n")
    age(f, 30)
    result = tick(cursor)
    assert len(result.run_requests) == 1


def test_an_edited_mapping_requests_a_run(inbox: Path) -> None:
    f = inbox / "survey_responses" / "export.csv"
    f.write_text("Timestamp,NPS\n")
    age(f, 60)
    cursor = tick().cursor
    mapping = inbox / "survey_responses" / "_mapping.yml"
    mapping.write_text('- files: "export*"\n')
    age(mapping, 30)
    result = tick(cursor)
    assert result.run_requests[0].tags["kokemus/new_files"] == "1"
    assert tick(result.cursor).run_requests == []
