"""A load killed with SIGKILL mid-file leaves nothing of that file; the rerun loads it exactly."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb

from orchestration.defs.ingest.loader import ensure_schema, load_source
from orchestration.defs.ingest.sources import SOURCES, SURVEY_RESPONSES

HEADER = "response_id,customer_id,survey,touchpoint,channel,responded_at,nps_score\n"

# Runs the real loader in a child process; once a file's rows are inserted but before its
# transaction commits (the audit row is the last statement), it signals and waits to be killed.
CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import duckdb
    from orchestration.defs.ingest import loader
    from orchestration.defs.ingest.sources import SOURCES, SURVEY_RESPONSES

    warehouse, inbox, marker, stall_file = sys.argv[1:5]
    real_audit = loader._audit

    def stalling_audit(con, source, rel, *args, **kwargs):
        if rel == stall_file:
            Path(marker).write_text("inserted, not committed")
            time.sleep(120)
        return real_audit(con, source, rel, *args, **kwargs)

    loader._audit = stalling_audit
    con = duckdb.connect(warehouse)
    loader.ensure_schema(con, SOURCES)
    loader.load_source(con, SURVEY_RESPONSES, Path(inbox))
    """
)


def write_file(path: Path, first_id: int, rows: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        f"R{first_id + i},C{i % 500},rel,support,email,2025-0{1 + i % 9}-15T10:00:00,{i % 11}"
        for i in range(rows)
    ]
    lines.append(f"R{first_id + rows},C1,rel,support,email,not-a-date,5")  # one bad row
    path.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")


def counts(warehouse: Path) -> tuple[int, int, int]:
    con = duckdb.connect(str(warehouse))
    try:
        ensure_schema(con, SOURCES)
        return tuple(
            con.execute(
                "select (select count(*) from raw.survey_responses), "
                "(select count(*) from ops.quarantine), (select count(*) from ops.load_audit)"
            ).fetchall()[0]
        )
    finally:
        con.close()


def test_sigkill_mid_file_leaves_no_partial_rows_and_rerun_is_exact(tmp_path: Path) -> None:
    inbox, warehouse, marker = tmp_path / "inbox", tmp_path / "w.duckdb", tmp_path / "marker"
    write_file(inbox / "survey_responses" / "a.csv", 0, 50_000)
    write_file(inbox / "survey_responses" / "b.csv", 100_000, 80_000)
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            CHILD,
            str(warehouse),
            str(inbox),
            str(marker),
            "survey_responses/b.csv",
        ],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    deadline = time.monotonic() + 60
    while not marker.exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "the child never reached the middle of b.csv"
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL

    # a.csv committed before the kill; nothing of b.csv survived.
    assert counts(warehouse) == (50_000, 1, 1)

    con = duckdb.connect(str(warehouse))
    try:
        result = load_source(con, SURVEY_RESPONSES, inbox)
        assert [(f.file, f.status) for f in result.files] == [
            ("survey_responses/a.csv", "skipped"),
            ("survey_responses/b.csv", "loaded"),
        ]
        distinct_ids = con.execute(
            "select count(distinct response_id) from raw.survey_responses"
        ).fetchall()[0][0]
    finally:
        con.close()
    assert counts(warehouse) == (130_000, 2, 2)
    assert distinct_ids == 130_000
