"""Shared fixtures: one sample inbox and one warehouse built through the real Dagster job."""

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

# PDF editions cost ~2 s a page set under WeasyPrint: builds in tests skip them unless a test
# asks (the pipeline fixture makes them, and a test checks them).
os.environ.setdefault("CX_REPORTS_PDF", "0")

# Fixtures that stand on a full pipeline build (the sample through the real Dagster job).
PIPELINE_FIXTURES = {"pipeline", "warehouse_connection", "mart"}


# `make test` runs on two pytest-xdist workers (--dist loadgroup): tests that share a costly
# build stay on one worker: the pipeline's together, and each any-inbox scenario's together.
# pytest-xdist 3.8 groups by a "@<group>" suffix it writes to `item._nodeid`, which pytest 9
# no longer reads (`nodeid` is `str(item._id)`), so every test was its own group and both
# workers built the pipeline. `_group_node_ids` writes the suffix where pytest 9 reads it.


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test that uses a pipeline fixture is `slow`; `make test-fast` runs `-m "not slow"`.

    Tests that build a warehouse of their own (a Dagster job, a dbt build, a subprocess run)
    carry `@pytest.mark.slow` (or a module-level `pytestmark`) themselves.
    """
    for item in items:
        if PIPELINE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.xdist_group("pipeline"))
        elif item.path.name == "test_any_inbox.py":
            callspec = getattr(item, "callspec", None)
            scenario = callspec.params.get("name") if callspec else None
            group = item.module.group_of(item.originalname, scenario)
            item.add_marker(pytest.mark.xdist_group(group))
        elif not any(item.iter_markers("xdist_group")) and _uses_module_fixture(item):
            # A module-scoped fixture (a build, a fitted model) is made once per worker that
            # runs one of its tests: keep the module's tests on one worker.
            item.add_marker(pytest.mark.xdist_group(f"module-{item.path.stem}"))
    _group_node_ids(config, items)


def _uses_module_fixture(item: pytest.Item) -> bool:
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return False
    return any(d.scope == "module" for defs in info.name2fixturedefs.values() for d in defs)


def _group_node_ids(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On an xdist worker under --dist loadgroup: the node id ends in "@<group>", as the
    controller's LoadGroupScheduling expects (pytest 9's NodeId keeps the parsed string)."""
    if not (hasattr(config, "workerinput") and getattr(config.option, "loadgroup", False)):
        return
    from _pytest.nodeid import NodeId

    for item in items:
        names = sorted({str(m.args[0]) for m in item.iter_markers("xdist_group") if m.args})
        if names and "@" not in item.nodeid:
            item._id = NodeId.parse(f"{item.nodeid}@{'_'.join(names)}")


# A smaller sample than the demo's, still large enough for the planted effects.
TEST_CUSTOMERS = 2500
HELD_BACK_FILE = "survey_responses/responses_2025-Q4.csv"
# What a quarantine reason says is accepted, written out: the loader's reasons end with these.
ACCEPTED_TIMES = (
    " (accepted: a real date and time as 2025-12-31, 2025-12-31 14:30:15, "
    "2025-12-31T14:30:15+02:00, 31.12.2025 14.30.15, 31.12.2025 14.30, 31.12.2025 14:30:15, "
    "31.12.2025 14:30 or 31.12.2025, the year in four digits)"
)
ACCEPTED_NUMBER = (
    " (accepted: a number with at most 4 decimals and 14 digits before them, such as 1234.5, "
    "1 234,50, 1,234.50 or -12,5)"
)
NO_SCORE = (
    "no score at all (accepted: at least one of nps_score, csat_score, ces_score, "
    "loyalty_score or a driver_<name> or importance_<name> rating)"
)


@dataclass
class PipelineRuns:
    inbox: Path
    warehouse: Path
    reports: Path
    first: object  # dagster ExecuteInProcessResult of the first run
    mart_checksums_first: dict[str, str]
    mart_checksums_rerun: dict[str, str]
    nothing_new: object  # the run after the forced rerun: no new file, nothing to build
    nothing_new_log: list[str]  # its log messages
    report_mtimes_before_nothing_new: dict[str, int]
    report_mtimes_after_nothing_new: dict[str, int]
    audit_rows_after_rerun: int
    new_file_results: list[tuple[str, str]]  # (file, status) of the run after a file arrived
    last: object
    report_mtimes_after_last: dict[str, int]


def mart_checksums(warehouse: Path) -> dict[str, str]:
    """An order-independent checksum of every table in the marts schema."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' "
                "order by 1"
            ).fetchall()
        ]
        return {
            t: str(
                con.execute(
                    f"select count(*), bit_xor(hash(columns(*)::varchar)) from "
                    f"(select * from marts.{t}) as m"
                ).fetchall()[0]
            )
            for t in tables
        }
    finally:
        con.close()


def report_mtimes(reports: Path) -> dict[str, int]:
    return {
        p.relative_to(reports).as_posix(): p.stat().st_mtime_ns
        for p in reports.rglob("*")
        if p.is_file()
    }


def run_build_all(instance=None):
    from dagster import DagsterInstance

    from orchestration.definitions import defs
    from orchestration.defs.publish.partitions import all_closed_quarters_tags

    job = defs().resolve_job_def("build_all")
    return job.execute_in_process(
        instance=instance or DagsterInstance.ephemeral(),
        raise_on_error=False,
        tags=all_closed_quarters_tags(),
    )


@pytest.fixture(scope="session")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> PipelineRuns:
    """Sample data without its last survey file → build → forced rebuild → a run with nothing
    new → add the file → build."""
    from dagster import DagsterInstance

    from orchestration.sample_data import generate

    root = tmp_path_factory.mktemp("pipeline")
    inbox, held = root / "inbox", root / "held"
    generate(inbox, customers=TEST_CUSTOMERS, seed=7)
    (held / Path(HELD_BACK_FILE).parent).mkdir(parents=True)
    shutil.move(inbox / HELD_BACK_FILE, held / HELD_BACK_FILE)

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CX_INBOX", str(inbox))
        mp.setenv("CX_WAREHOUSE", str(root / "warehouse.duckdb"))
        mp.setenv("CX_REPORTS_DIR", str(root / "reports"))
        mp.setenv("CX_INBOX_SETTLE_SECONDS", "0")
        # PDFs from the first run on: the later runs show that an edition whose figures stay
        # keeps its page and PDF (the costly part), and a test checks the PDFs. The Finnish
        # editions' only (CX_REPORTS_PDF_LANGUAGES): each costs ~2 s, the same code for each.
        mp.setenv("CX_REPORTS_PDF", "1")
        mp.setenv("CX_REPORTS_PDF_LANGUAGES", "fi")
        first = run_build_all()
        checksums_first = mart_checksums(root / "warehouse.duckdb")
        # Rebuilt although nothing is new: the incremental models must give the same marts.
        mp.setenv("CX_FORCE_REBUILD", "1")
        run_build_all()
        mp.delenv("CX_FORCE_REBUILD")
        checksums_rerun = mart_checksums(root / "warehouse.duckdb")
        mtimes_before = report_mtimes(root / "reports")
        instance = DagsterInstance.ephemeral()
        nothing_new = run_build_all(instance)
        nothing_new_log = [r.user_message for r in instance.all_logs(nothing_new.run_id)]
        mtimes_after = report_mtimes(root / "reports")
        con = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
        audit_rows = con.execute("select count(*) from ops.load_audit").fetchall()[0][0]
        con.close()

        shutil.move(held / HELD_BACK_FILE, inbox / HELD_BACK_FILE)
        last = run_build_all()
        mtimes_last = report_mtimes(root / "reports")
        con = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
        new_rows = con.execute(
            "select file, status from ops.load_audit where load_id > ? order by load_id",
            [audit_rows],
        ).fetchall()
        con.close()
    return PipelineRuns(
        inbox,
        root / "warehouse.duckdb",
        root / "reports",
        first,
        checksums_first,
        checksums_rerun,
        nothing_new,
        nothing_new_log,
        mtimes_before,
        mtimes_after,
        audit_rows,
        new_rows,
        last,
        mtimes_last,
    )


@pytest.fixture
def con(tmp_path: Path):
    """A fresh warehouse with the raw and ops tables, in Helsinki time (loader tests)."""
    from orchestration.defs.ingest.loader import ensure_schema
    from orchestration.defs.ingest.sources import SOURCES

    connection = duckdb.connect(str(tmp_path / "w.duckdb"))
    connection.execute("set TimeZone = 'Europe/Helsinki'")
    ensure_schema(connection, SOURCES)
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def warehouse_connection(pipeline: PipelineRuns):
    """One read-only connection to the final warehouse for the whole session."""
    con = duckdb.connect(str(pipeline.warehouse), read_only=True)
    yield con
    con.close()


@pytest.fixture
def mart(warehouse_connection):
    """A cursor of its own per test, so a result one test leaves unread cannot block another."""
    cursor = warehouse_connection.cursor()
    yield cursor
    cursor.close()
