"""The BI copy: complete, readable the way BI tools open it, and swapped while being read."""

import hashlib
import json
import shutil
import subprocess
import sys
import textwrap
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from conftest import PipelineRuns, run_build_all
from dagster import AssetKey
from sqlalchemy import create_engine, inspect, text

from orchestration.defs.ingest.loader import ensure_schema
from orchestration.defs.ingest.sources import SOURCES
from orchestration.defs.publish.bi_copy import (
    DATABASE_FILE,
    MANIFEST_FILE,
    PUBLISHED_SCHEMAS,
    PublishedTable,
    publish_edition,
    published_asset_keys,
)
from orchestration.defs.transform.dbt import dbt_project
from reports.data import report_tables

BI_ASSET = AssetKey(["bi", "published_warehouse"])
MART_QUERY = (
    "select quarter, nps, csat_pct, ces_pct from marts.mart_cx_scores__quarter "
    "where segment = 'all' and touchpoint = 'all' order by quarter"
)
CHECKSUM_QUERY = (
    "select count(*), bit_xor(hash(columns(*)::varchar)) from "
    "(select * from marts.mart_cx_scores__quarter) as m"
)


def published_dir(pipeline: PipelineRuns) -> Path:
    """Where the session fixture publishes (CX_PUBLISHED_DIR, beside its warehouse)."""
    return pipeline.warehouse.parent / "published"


def read_manifest(published: Path) -> dict:
    return json.loads((published / MANIFEST_FILE).read_text(encoding="utf-8"))


def warehouse_tables(mart) -> list[str]:
    """'schema.table' of every table and view the warehouse holds in the published schemas
    (a view such as fct_survey_responses is published as a table)."""
    rows = mart.execute(
        "select table_schema || '.' || table_name from information_schema.tables "
        "where table_schema in ? and table_type in ('BASE TABLE', 'VIEW') order by 1",
        [list(PUBLISHED_SCHEMAS)],
    ).fetchall()
    return [r[0] for r in rows]


def epoch_us(iso: str) -> int:
    """A manifest edition as microseconds since the epoch, as DuckDB's epoch_us gives it."""
    return (datetime.fromisoformat(iso) - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(
        microseconds=1
    )


def count_rows(con: duckdb.DuckDBPyConnection, names: list[str]) -> dict[str, int]:
    return {n: con.execute(f"select count(*) from {n}").fetchall()[0][0] for n in names}


def test_published_copy_holds_every_mart_and_seed_with_the_warehouse_rows(
    pipeline: PipelineRuns, mart
) -> None:
    published = published_dir(pipeline)
    manifest = read_manifest(published)
    tables = warehouse_tables(mart)
    expected = count_rows(mart, tables)

    assert sorted(manifest["tables"]) == tables
    assert tables == sorted(".".join(k.path) for k in published_asset_keys())
    assert len(tables) >= 18
    assert manifest["run_id"] == pipeline.last.run_id

    con = duckdb.connect(str(published / DATABASE_FILE), read_only=True)
    try:
        copied = count_rows(con, tables)
        schemas = con.execute(
            "select distinct table_schema from information_schema.tables order by 1"
        ).fetchall()
        edition = con.execute(
            "select edition, run_id, tables, total_rows from meta.published_edition"
        ).fetchall()
    finally:
        con.close()
    assert copied == expected
    assert {t: v["rows"] for t, v in manifest["tables"].items()} == expected
    assert expected["marts.fct_survey_responses"] > 1000
    # Raw, staging, intermediate and ops hold rows with PII: none of them is published.
    assert [s[0] for s in schemas] == ["marts", "meta", "seeds"]
    assert edition[0][0] == datetime.fromisoformat(manifest["edition"])
    assert edition[0][1:] == (pipeline.last.run_id, len(tables), sum(expected.values()))

    materialization = next(
        e.materialization
        for e in pipeline.last.get_asset_materialization_events()
        if e.asset_key == BI_ASSET
    )
    metadata = materialization.metadata
    assert metadata["tables"].value == len(tables)
    assert metadata["rows"].value == sum(expected.values())
    assert metadata["bytes"].value == (published / DATABASE_FILE).stat().st_size
    assert metadata["path"].value == str(published / DATABASE_FILE)


def test_sqlalchemy_reads_the_copy_as_superset_does(pipeline: PipelineRuns, mart) -> None:
    database = published_dir(pipeline) / DATABASE_FILE
    assert database.is_absolute()
    engine = create_engine(f"duckdb:///{database}", connect_args={"read_only": True})
    try:
        names = inspect(engine).get_table_names(schema="marts")
        with engine.connect() as connection:
            rows = [tuple(r) for r in connection.execute(text(MART_QUERY)).fetchall()]
    finally:
        engine.dispose()
    assert sorted(names) == [t.split(".")[1] for t in warehouse_tables(mart) if t[:6] == "marts."]
    assert "mart_cx_scores__quarter" in names
    assert rows == mart.execute(MART_QUERY).fetchall()
    assert len(rows) >= 8


def test_parquet_files_hold_the_same_rows_as_the_copy(pipeline: PipelineRuns) -> None:
    published = published_dir(pipeline)
    manifest = read_manifest(published)
    parquet = published / "parquet"
    assert parquet.is_symlink()
    assert parquet.resolve().name == manifest["parquet_edition_dir"]
    partitioned = sorted(t for t, e in manifest["tables"].items() if e["partition_by"])
    # The big facts: one file per quarter (dbt meta bi_partition_by); every other table one file.
    assert partitioned == [
        "marts.fct_customer_quarters",
        "marts.fct_orders",
        "marts.fct_survey_responses",
        "marts.fct_survey_scores",
        "marts.mart_cx_scores__customer_quarter",
    ]
    assert sorted(p.name for p in parquet.iterdir()) == sorted(
        t if t in partitioned else f"{t}.parquet" for t in manifest["tables"]
    )
    con = duckdb.connect(str(published / DATABASE_FILE), read_only=True)
    try:
        for table, entry in manifest["tables"].items():
            path = published / entry["parquet"]
            files = sorted(str(published / part["file"]) for part in entry["parts"].values())
            assert sorted(str(p) for p in published.glob(entry["parquet"])) == files, table
            counted = con.execute(f"select count(*) from read_parquet('{path}')").fetchall()
            assert counted[0][0] == entry["rows"], table
            columns = con.execute(f"select * from read_parquet('{path}') limit 0").description
            copy_columns = con.execute(f"select * from {table} limit 0").description
            assert [c[0] for c in columns] == [c[0] for c in copy_columns], table
        orders = manifest["tables"]["marts.fct_orders"]["parts"]
        quarters = con.execute(
            "select quarter_start::varchar, count(*) from marts.fct_orders group by 1"
        ).fetchall()
        assert {k: v["rows"] for k, v in orders.items()} == dict(quarters)
        assert len(orders) >= 8
    finally:
        con.close()


# A BI tool in another process that opens a fresh connection for every query: it must always
# find a whole edition, the old one or the new one.
RECONNECTING_READER = textwrap.dedent(
    """
    import json, pathlib, sys, time
    import duckdb

    database, stop, ready, out = (pathlib.Path(a) for a in sys.argv[1:])
    editions, errors, queries = [], [], 0
    while True:
        stopping = stop.exists()
        try:
            con = duckdb.connect(str(database), read_only=True)
            edition = con.execute("select epoch_us(edition) from meta.published_edition")
            editions.append(edition.fetchall()[0][0])
            con.execute("select count(*) from marts.mart_cx_scores__quarter").fetchall()
            con.close()
            queries += 1
        except Exception as error:  # every failure is reported, none is retried
            errors.append(repr(error))
        ready.touch()
        if stopping:
            break
        time.sleep(0.05)
    out.write_text(json.dumps({"editions": editions, "errors": errors, "queries": queries}))
    """
)


def test_readers_keep_querying_while_the_pipeline_republishes(
    pipeline: PipelineRuns, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(pipeline.inbox, tmp_path / "inbox")
    shutil.copy2(pipeline.warehouse, tmp_path / "warehouse.duckdb")
    published = tmp_path / "published"
    shutil.copytree(published_dir(pipeline), published, symlinks=True)
    database = published / DATABASE_FILE
    old_edition = read_manifest(published)["edition"]
    monkeypatch.setenv("CX_INBOX", str(tmp_path / "inbox"))
    monkeypatch.setenv("CX_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("CX_REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv("CX_INBOX_SETTLE_SECONDS", "0")
    monkeypatch.setenv("CX_PUBLISHED_DIR", str(published))
    monkeypatch.setenv("CX_REPORTS_PDF", "0")  # the report is not under test here

    # A BI session holding one read-only connection open for the whole run.
    stop, first_query = threading.Event(), threading.Event()
    held: dict[str, list] = {"results": [], "errors": [], "inodes": []}

    def hold_and_query() -> None:
        con = duckdb.connect(str(database), read_only=True)
        try:
            while True:
                stopping = stop.is_set()
                try:
                    held["results"].append(con.execute(CHECKSUM_QUERY).fetchall()[0])
                    held["inodes"].append(database.stat().st_ino)
                except Exception as error:  # every failure is reported, none is retried
                    held["errors"].append(repr(error))
                first_query.set()
                if stopping:
                    break
                stop.wait(0.02)
        finally:
            con.close()

    before = duckdb.connect(str(database), read_only=True)
    expected_result = before.execute(CHECKSUM_QUERY).fetchall()[0]
    before.close()

    files = {n: tmp_path / n for n in ("stop", "ready", "reader.json")}
    reader = subprocess.Popen(
        [sys.executable, "-c", RECONNECTING_READER, str(database)]
        + [str(files[n]) for n in ("stop", "ready", "reader.json")]
    )
    thread = threading.Thread(target=hold_and_query)
    thread.start()
    try:
        assert first_query.wait(60)
        for _ in range(600):  # both readers are on the old edition before the run starts
            if files["ready"].exists() or reader.poll() is not None:
                break
            stop.wait(0.1)
        assert files["ready"].exists()
        result = run_build_all()
    finally:
        stop.set()
        files["stop"].touch()
        thread.join(60)
        reader.wait(60)
    reconnecting = json.loads(files["reader.json"].read_text(encoding="utf-8"))

    assert result.success
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert BI_ASSET in materialized
    new_edition = read_manifest(published)["edition"]
    assert new_edition != old_edition

    assert held["errors"] == []
    assert len(held["results"]) > 20
    # The held connection read the old edition throughout, while the file was replaced under it.
    assert set(held["results"]) == {expected_result}
    assert len(set(held["inodes"])) == 2
    assert held["inodes"][-1] == database.stat().st_ino

    assert reconnecting["errors"] == []
    assert reconnecting["queries"] > 5
    # Each fresh connection found a whole edition: the old one, then the new one.
    assert list(dict.fromkeys(reconnecting["editions"])) == [
        epoch_us(old_edition),
        epoch_us(new_edition),
    ]

    fresh = duckdb.connect(str(database), read_only=True)
    try:
        edition = fresh.execute("select edition from meta.published_edition").fetchall()[0][0]
        assert fresh.execute(CHECKSUM_QUERY).fetchall()[0] == expected_result
    finally:
        fresh.close()
    assert edition == datetime.fromisoformat(new_edition)
    # No temporary file is left; the previous Parquet edition stays for readers still on it.
    names = sorted(p.name for p in published.iterdir())
    assert [n for n in names if not n.startswith(".parquet-")] == [
        DATABASE_FILE,
        MANIFEST_FILE,
        "parquet",
    ]
    assert len([n for n in names if n.startswith(".parquet-")]) == 2


def file_digests(directory: Path) -> dict[str, str]:
    """Every file and link under `directory` with a digest of what it holds or points at."""
    return {
        p.relative_to(directory).as_posix(): (
            f"-> {p.readlink()}" if p.is_symlink() else hashlib.sha256(p.read_bytes()).hexdigest()
        )
        for p in sorted(directory.rglob("*"))
        if p.is_symlink() or p.is_file()
    }


@pytest.mark.slow  # runs the Dagster job on a warehouse of its own
def test_a_failed_blocking_check_keeps_the_previous_edition(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    published = tmp_path / "published"
    previous = duckdb.connect(str(tmp_path / "previous.duckdb"))
    previous.execute("create schema marts")
    previous.execute("create table marts.mart_cx_scores__quarter as select 'the previous' as q")
    table = PublishedTable(BI_ASSET, "marts", "mart_cx_scores__quarter")
    publish_edition(previous, published, [table], "previous-run")
    previous.close()
    before = file_digests(published)
    warehouse = tmp_path / "w.duckdb"
    (tmp_path / "inbox").mkdir()
    monkeypatch.setenv("CX_INBOX", str(tmp_path / "inbox"))
    monkeypatch.setenv("CX_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("CX_REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv("CX_PUBLISHED_DIR", str(published))
    con = duckdb.connect(str(warehouse))
    ensure_schema(con, SOURCES)
    # Written straight into raw, past the loader: an NPS of 11 fails a blocking expectation.
    con.execute(
        "insert into raw.survey_responses (response_id, responded_at, nps_score, _load_id, "
        "_file, _line) values ('R1', now(), 11, 1, 'manual', 2)"
    )
    con.close()

    result = run_build_all()

    evaluations = {
        (e.asset_key.to_user_string(), e.check_name): e.passed
        for e in result.get_asset_check_evaluations()
    }
    assert evaluations[("raw/survey_responses", "expectations_blocking")] is False
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert AssetKey(["raw", "survey_responses"]) in materialized
    assert BI_ASSET not in materialized
    # The step never started: its upstream marts were not built, so nothing was written.
    started = {e.step_key for e in result.all_events if e.is_step_start}
    assert "dbt_models" not in started
    assert "bi__published_warehouse" not in started
    assert file_digests(published) == before
    assert read_manifest(published)["run_id"] == "previous-run"
    assert len(before) == 4  # database, manifest, the parquet link, its folder's one file


def test_a_publish_that_fails_midway_leaves_the_previous_edition(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create schema marts")
    con.execute("create table marts.scores as select range as n from range(5)")
    published = tmp_path / "published"
    scores = PublishedTable(AssetKey(["marts", "scores"]), "marts", "scores")
    missing = PublishedTable(AssetKey(["marts", "missing_mart"]), "marts", "missing_mart")
    first = publish_edition(con, published, [scores], "run-1")
    listing = sorted(p.name for p in published.iterdir())
    manifest = (published / MANIFEST_FILE).read_bytes()

    with pytest.raises(duckdb.CatalogException, match="missing_mart"):
        publish_edition(con, published, [scores, missing], "run-2")
    con.close()

    assert first.tables == {"marts.scores": 5}
    assert sorted(p.name for p in published.iterdir()) == listing
    assert (published / MANIFEST_FILE).read_bytes() == manifest
    reader = duckdb.connect(str(published / DATABASE_FILE), read_only=True)
    assert reader.execute("select run_id, total_rows from meta.published_edition").fetchall() == [
        ("run-1", 5)
    ]
    reader.close()


def test_dbt_exposures_list_what_the_report_and_the_bi_copy_read() -> None:
    manifest = json.loads(Path(dbt_project.manifest_path).read_text(encoding="utf-8"))
    exposures = {e["name"]: e for e in manifest["exposures"].values()}

    def depends_on(name: str, kind: str = "") -> list[str]:
        nodes = exposures[name]["depends_on"]["nodes"]
        return sorted(n.split(".")[-1] for n in nodes if n.startswith(kind))

    # Every table reports/data.py reads (the scores mart and each query's table), and nothing
    # else: the report asset takes its upstream marts from this exposure.
    read = [name.split(".")[-1] for name in report_tables()]
    assert depends_on("quarterly_report") == sorted(read)
    assert "nps_benchmarks" in depends_on("quarterly_report", "seed.")
    assert {e["owner"]["email"] for e in exposures.values()} == {"kokemus-team@example.com"}
    # A new mart or seed is published automatically; add it to models/exposures.yml as well.
    published = {k.path[-1] for k in published_asset_keys()}
    exposed = set(depends_on("bi_published_warehouse"))
    assert (sorted(published - exposed), sorted(exposed - published)) == ([], [])


FACTS = PublishedTable(AssetKey(["marts", "facts"]), "marts", "facts", partition_by="quarter_start")
SUMMARY = PublishedTable(AssetKey(["marts", "summary"]), "marts", "summary")


def small_warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    """A fact of three quarters (partitioned in the copy) and a small table."""
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute(
        "create table marts.facts as select range as id, "
        "(date '2025-01-01' + to_months((range % 3)::integer * 3))::date as quarter_start, "
        "range * 1.5 as amount from range(300)"
    )
    con.execute("create table marts.summary as select 'all' as segment, 300 as n")
    return con


def inodes(published: Path) -> dict[str, int]:
    """Each Parquet file of the live edition (relative name) → its inode."""
    parquet = published / "parquet"
    return {p.relative_to(parquet).as_posix(): p.stat().st_ino for p in parquet.rglob("*.parquet")}


def copy_differs(con: duckdb.DuckDBPyConnection, published: Path, table: str) -> int:
    """Rows in the warehouse's `table` or the published copy's, but not both (EXCEPT ALL)."""
    con.execute(f"attach '{published / DATABASE_FILE}' as pub (read_only)")
    try:
        return con.execute(
            f"select count(*) from ((select * from {table} except all select * from pub.{table}) "
            f"union all (select * from pub.{table} except all select * from {table}))"
        ).fetchall()[0][0]
    finally:
        con.execute("detach pub")


def test_a_republish_writes_only_the_changed_tables_and_quarters(tmp_path: Path) -> None:
    con = small_warehouse(tmp_path / "w.duckdb")
    published = tmp_path / "published"
    first = publish_edition(con, published, [FACTS, SUMMARY], "run-1")
    assert (first.reused, first.rewritten) == (False, {"marts.facts": None, "marts.summary": None})
    files = inodes(published)
    assert sorted(files) == [
        "marts.facts/quarter_start=2025-01-01.parquet",
        "marts.facts/quarter_start=2025-04-01.parquet",
        "marts.facts/quarter_start=2025-07-01.parquet",
        "marts.summary.parquet",
    ]

    # Nothing changed: nothing is written; every Parquet file is the previous edition's file.
    same = publish_edition(con, published, [FACTS, SUMMARY], "run-2")
    assert (same.reused, same.rewritten) == (True, {})
    assert inodes(published) == files
    assert same.tables == {"marts.facts": 300, "marts.summary": 1}
    assert read_manifest(published)["run_id"] == "run-2"

    # One more quarter, one changed small table.
    con.execute("insert into marts.facts select 300 + range, date '2025-10-01', 2.0 from range(50)")
    con.execute("update marts.summary set n = 350")
    grown = publish_edition(con, published, [FACTS, SUMMARY], "run-3")
    assert grown.rewritten == {"marts.facts": ["2025-10-01"], "marts.summary": None}
    now = inodes(published)
    assert sorted(set(now) - set(files)) == ["marts.facts/quarter_start=2025-10-01.parquet"]
    assert {k: now[k] for k in files if k.startswith("marts.facts/")} == {
        k: v for k, v in files.items() if k.startswith("marts.facts/")
    }
    assert now["marts.summary.parquet"] != files["marts.summary.parquet"]
    assert grown.tables == {"marts.facts": 350, "marts.summary": 1}
    assert copy_differs(con, published, "marts.facts") == 0
    assert copy_differs(con, published, "marts.summary") == 0
    parts = read_manifest(published)["tables"]["marts.facts"]["parts"]
    assert {k: v["rows"] for k, v in parts.items()} == {
        "2025-01-01": 100,
        "2025-04-01": 100,
        "2025-07-01": 100,
        "2025-10-01": 50,
    }

    # A quarter's rows changed and another's are gone: those two, and nothing else.
    con.execute("update marts.facts set amount = -1 where id = 300")
    con.execute("delete from marts.facts where quarter_start = date '2025-07-01'")
    shrunk = publish_edition(con, published, [FACTS, SUMMARY], "run-4")
    assert shrunk.rewritten == {"marts.facts": ["2025-07-01", "2025-10-01"]}
    assert "marts.facts/quarter_start=2025-07-01.parquet" not in inodes(published)
    assert copy_differs(con, published, "marts.facts") == 0
    pub = duckdb.connect(str(published / DATABASE_FILE), read_only=True)
    assert pub.execute("select amount from marts.facts where id = 300").fetchall() == [(-1,)]
    assert pub.execute("select total_rows from meta.published_edition").fetchall() == [(251,)]
    pub.close()

    # Most rows changed: the table is written whole rather than deleted quarter by quarter.
    con.execute("update marts.facts set amount = amount + 1")
    most = publish_edition(con, published, [FACTS, SUMMARY], "run-5")
    assert most.rewritten == {"marts.facts": None}
    assert copy_differs(con, published, "marts.facts") == 0

    # A new column rewrites its table; a table no longer published leaves the copy.
    con.execute("alter table marts.facts add column channel varchar default 'web'")
    reshaped = publish_edition(con, published, [FACTS], "run-6")
    assert reshaped.rewritten == {"marts.facts": None}
    assert copy_differs(con, published, "marts.facts") == 0
    pub = duckdb.connect(str(published / DATABASE_FILE), read_only=True)
    tables = pub.execute("select table_name from duckdb_tables() order by 1").fetchall()
    pub.close()
    assert tables == [("facts",), ("published_edition",)]
    assert sorted(inodes(published)) == [
        "marts.facts/quarter_start=2025-01-01.parquet",
        "marts.facts/quarter_start=2025-04-01.parquet",
        "marts.facts/quarter_start=2025-10-01.parquet",
    ]
    con.close()


def test_a_previous_edition_that_its_manifest_does_not_describe_is_not_carried_over(
    tmp_path: Path,
) -> None:
    con = small_warehouse(tmp_path / "w.duckdb")
    published = tmp_path / "published"
    publish_edition(con, published, [FACTS, SUMMARY], "run-1")
    manifest = published / MANIFEST_FILE
    first_manifest = manifest.read_text(encoding="utf-8")
    publish_edition(con, published, [FACTS, SUMMARY], "run-2")
    # A run stopped after replacing the database but before writing its manifest: the
    # manifest is the older edition's, and its fingerprints may not be the file's.
    manifest.write_text(first_manifest, encoding="utf-8")
    con.execute("update marts.facts set amount = 0 where id = 2")

    again = publish_edition(con, published, [FACTS, SUMMARY], "run-3")

    assert (again.reused, again.rewritten) == (False, {"marts.facts": None, "marts.summary": None})
    assert copy_differs(con, published, "marts.facts") == 0
    con.close()


def test_a_partition_column_the_table_lacks_is_named_in_the_error(tmp_path: Path) -> None:
    con = small_warehouse(tmp_path / "w.duckdb")
    typo = PublishedTable(AssetKey(["marts", "facts"]), "marts", "facts", partition_by="quater")
    with pytest.raises(
        ValueError,
        match=r"marts.facts: .*bi_partition_by: 'quater', which is "
        r"not one of its columns \(id, quarter_start, amount\)",
    ):
        publish_edition(con, tmp_path / "published", [typo], "run-1")
    con.close()
    assert not (tmp_path / "published" / MANIFEST_FILE).exists()


def test_a_big_fact_without_rows_is_one_empty_file_until_its_first_quarter(tmp_path: Path) -> None:
    """A survey-only inbox has no orders: the partitioned fact is still readable by its glob."""
    con = small_warehouse(tmp_path / "w.duckdb")
    con.execute("delete from marts.facts")
    published = tmp_path / "published"
    publish_edition(con, published, [FACTS], "run-1")
    assert sorted(inodes(published)) == ["marts.facts/empty.parquet"]
    glob = published / read_manifest(published)["tables"]["marts.facts"]["parquet"]
    assert con.execute(f"select count(*) from read_parquet('{glob}')").fetchall() == [(0,)]

    con.execute("insert into marts.facts select range, date '2025-04-01', 1.0 from range(10)")
    first = publish_edition(con, published, [FACTS], "run-2")
    assert first.rewritten == {"marts.facts": ["", "2025-04-01"]}
    assert sorted(inodes(published)) == ["marts.facts/quarter_start=2025-04-01.parquet"]
    assert con.execute(f"select count(*) from read_parquet('{glob}')").fetchall() == [(10,)]
    assert copy_differs(con, published, "marts.facts") == 0
    con.close()
