"""The bad-input corpus: every file in tests/data/bad_inputs/ loaded alone, outcome as declared.

The expected outcomes live in tests/data/bad_inputs/cases.yml (one entry a file); the files are
committed, and make_corpus.py is the script that wrote them.
"""

import importlib.util
import io
import shutil
import zipfile
from pathlib import Path

import duckdb
import pytest
import yaml

from orchestration.defs.ingest.loader import FileResult, ensure_schema, load_source
from orchestration.defs.ingest.sources import SOURCES, SOURCES_BY_NAME, Source

CORPUS = Path(__file__).resolve().parents[1] / "data" / "bad_inputs"
NOT_CASES = {"cases.yml", "make_corpus.py"}
CASES: list[dict] = yaml.safe_load((CORPUS / "cases.yml").read_text(encoding="utf-8"))
OUTCOMES = ("loaded", "rejected", "skipped", "ignored")


def connect(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    con.execute("set TimeZone = 'Europe/Helsinki'")  # as the pipeline's resource sets it
    ensure_schema(con, SOURCES)
    return con


def load(con, source: Source, inbox: Path, *names: str) -> list[FileResult]:
    """Copy corpus files into the source's inbox folder and run the loader once."""
    folder = inbox / source.name
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copyfile(CORPUS / name, folder / name)
    return load_source(con, source, inbox, settle_seconds=0).files


def one(con, sql: str, params: list | None = None) -> tuple:
    return con.execute(sql, params or []).fetchall()[0]


def test_manifest_describes_every_corpus_file_once() -> None:
    on_disk = {p.name for p in CORPUS.iterdir() if p.is_file()} - NOT_CASES
    cases = [c["file"] for c in CASES]
    preloads = {name for c in CASES for name in c.get("preload", [])}
    outcomes = [[k for k in OUTCOMES if k in c] for c in CASES]
    assert len(cases) >= 25
    assert len(cases) == len(set(cases))
    assert set(cases) | preloads == on_disk
    assert [o for o in outcomes if len(o) != 1] == []
    assert {c["source"] for c in CASES} <= set(SOURCES_BY_NAME)
    loaded = [c for c in CASES if "loaded" in c]
    assert [c["file"] for c in loaded if len(c["reasons"]) != c["quarantined"]] == []
    assert [c["file"] for c in loaded if len(c.get("lines", [])) != c["quarantined"]] == []


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_bad_input(case: dict, tmp_path: Path) -> None:
    source = SOURCES_BY_NAME[case["source"]]
    rel = f"{source.name}/{case['file']}"
    inbox = tmp_path / "inbox"
    con = connect(tmp_path)
    try:
        preload = case.get("preload", [])
        if preload:
            first = load(con, source, inbox, *preload)
            assert [f.status for f in first] == ["loaded"] * len(preload)
        audit_before = one(con, "select count(*) from ops.load_audit")[0]
        run = load(con, source, inbox, case["file"])
        results = [f for f in run if f.file == rel]
        audit = con.execute(
            "select status, rows_read, rows_loaded, rows_quarantined, message "
            "from ops.load_audit where file = ?",
            [rel],
        ).fetchall()
        in_raw = one(con, f"select count(*) from raw.{source.name} where _file = ?", [rel])[0]
        quarantine = con.execute(
            "select line, reason from ops.quarantine where file = ? order by line, reason", [rel]
        ).fetchall()

        if case.get("ignored"):
            assert (run, audit_before, audit) == ([], 0, [])  # not even rejected: never read
            return
        (result,) = results
        if case.get("skipped"):
            assert (result.status, result.rows_read, result.message) == (
                "skipped",
                0,
                "same content already loaded",
            )
            assert (audit, in_raw, quarantine) == ([], 0, [])
            return
        if "rejected" in case:
            assert result.status == "rejected"
            assert result.message.startswith(f"{rel}: ")
            assert case["rejected"] in result.message
            assert audit == [("rejected", 0, 0, 0, result.message)]
            assert (in_raw, quarantine) == (0, [])
            return

        loaded, quarantined = case["loaded"], case["quarantined"]
        expected = ("loaded", loaded + quarantined, loaded, quarantined)
        assert (result.status, result.rows_read, result.rows_loaded, result.rows_quarantined) == (
            expected
        )
        ((status, rows_read, rows_loaded, rows_quarantined, _),) = audit
        assert (status, rows_read, rows_loaded, rows_quarantined) == expected
        assert rows_read == rows_loaded + rows_quarantined
        assert in_raw == loaded
        assert sorted(reason for _, reason in quarantine) == sorted(case["reasons"])
        assert sorted(line for line, _ in quarantine) == case.get("lines", [])
        for check in case.get("checks", []):
            got = [list(r) for r in con.execute(check["sql"]).fetchall()]
            assert got == check["rows"], check["sql"]
    finally:
        con.close()


def test_one_bad_file_does_not_stop_the_others(tmp_path: Path) -> None:
    """The whole survey corpus in one inbox, one run: each file gets its own outcome."""
    source = SOURCES_BY_NAME["survey_responses"]
    cases = {c["file"]: c for c in CASES if c["source"] == source.name}
    preloads = [n for c in cases.values() for n in c.get("preload", [])]
    con = connect(tmp_path)
    try:
        results = load(con, source, tmp_path / "inbox", *cases, *preloads)
        by_name = {f.file.removeprefix(f"{source.name}/"): f for f in results}
        ignored = {n for n, c in cases.items() if c.get("ignored")}
        assert sorted(by_name) == sorted(set(cases) - ignored | set(preloads))
        statuses = {n: f.status for n, f in by_name.items()}
        # Of the byte-identical pair the first in name order loads, the other is skipped.
        assert statuses.pop("resent_copy.csv") == "loaded"
        assert statuses.pop("resent_original.csv") == "skipped"
        assert statuses == {
            n: "loaded" if n in preloads else next(k for k in OUTCOMES if k in cases[n])
            for n in statuses
        }
        counts = {
            n: (by_name[n].rows_loaded, by_name[n].rows_quarantined)
            for n, c in cases.items()
            if "loaded" in c
        }
        assert counts == {
            n: (c["loaded"], c["quarantined"]) for n, c in cases.items() if n in counts
        }
        loaded_rows = sum(f.rows_loaded for f in results)
        read_rows = sum(f.rows_read for f in results)
        assert one(con, "select count(*) from raw.survey_responses")[0] == loaded_rows
        assert one(
            con,
            "select count(*), sum(rows_read), sum(rows_loaded), sum(rows_quarantined) "
            "from ops.load_audit",
        ) == (len(results) - 1, read_rows, loaded_rows, read_rows - loaded_rows)
        assert one(con, "select count(*) from ops.quarantine")[0] == read_rows - loaded_rows
    finally:
        con.close()


def _unzipped(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_committed_corpus_is_what_make_corpus_writes() -> None:
    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    written = module.corpus()
    on_disk = {p.name for p in CORPUS.iterdir() if p.is_file()} - NOT_CASES
    assert sorted(written) == sorted(on_disk)
    differ = []
    for name, data in written.items():
        committed = (CORPUS / name).read_bytes()
        if name.endswith(".xlsx") and committed[:2] == b"PK" and data[:2] == b"PK":
            try:  # zlib builds may compress differently: compare what the zip holds
                same = _unzipped(committed) == _unzipped(data)
            except zipfile.BadZipFile:
                same = committed == data
        else:
            same = committed == data
        if not same:
            differ.append(name)
    assert differ == []
