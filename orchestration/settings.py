"""Every environment variable kokemus reads, with its default, in one place."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent

# The defaults of the settings dbt reads too (dbt_project.yml `vars`, profiles.yml): the same
# environment variables with the same defaults, so Python, dbt and the report agree.
DEFAULT_TIMEZONE = "Europe/Helsinki"
DEFAULT_SIGNIFICANCE_Z = "1.96"
DEFAULT_MIN_REPORTABLE_N = "30"
DEFAULT_CHURN_RATIO_MIN_LOST = "5"
DEFAULT_DRIVERS_MIN_R2 = "0.10"
# The BI copy's database file in CX_PUBLISHED_DIR (orchestration/defs/publish/bi_copy.py).
PUBLISHED_DATABASE = "kokemus.duckdb"


def _path(name: str, default: str) -> Path:
    value = Path(os.environ.get(name, default)).expanduser()
    return value if value.is_absolute() else PROJECT_DIR / value


@dataclass(frozen=True)
class Settings:
    """Resolved configuration; read it with `get_settings()` so tests can change the env."""

    inbox: Path
    warehouse: Path
    reports_dir: Path
    published_dir: Path
    lake_dir: Path
    min_reportable_n: int
    duckdb_threads: int
    duckdb_memory_limit: str
    pii_salt: str
    inbox_settle_seconds: float
    xlsx_sheet: str | None
    reports_first_quarter: str = "2023-Q1"
    reports_pdf: bool = True
    reports_pdf_languages: tuple[str, ...] = ()  # () = every language of the report
    timezone: str = DEFAULT_TIMEZONE
    warehouse_lock_timeout: float = 600.0
    significance_z: float = float(DEFAULT_SIGNIFICANCE_Z)
    churn_ratio_min_lost: int = int(DEFAULT_CHURN_RATIO_MIN_LOST)
    drivers_min_r2: float = float(DEFAULT_DRIVERS_MIN_R2)
    force_rebuild: bool = False


def get_settings() -> Settings:
    warehouse = _path("CX_WAREHOUSE", "data/warehouse.duckdb")
    return Settings(
        inbox=_path("CX_INBOX", "data/inbox"),
        warehouse=warehouse,
        reports_dir=_path("CX_REPORTS_DIR", "build/reports"),
        # The read-only copy of the marts for BI tools, replaced atomically after each build.
        # Default: beside the warehouse (data/published), so a run against another warehouse
        # (a test's, a second environment's) never replaces the main one's copy.
        published_dir=_path("CX_PUBLISHED_DIR", str(warehouse.parent / "published")),
        # The Parquet landing zone (orchestration/defs/ingest/lake.py): every load, the ops
        # tables and the analytics tables, for Spark. Default: `lake` beside the warehouse.
        lake_dir=_path("CX_LAKE_DIR", str(warehouse.parent / "lake")),
        # Cells with fewer answers are shown as "n < 30" (dbt: var('min_reportable_n')).
        min_reportable_n=int(os.environ.get("CX_MIN_REPORTABLE_N", DEFAULT_MIN_REPORTABLE_N)),
        duckdb_threads=int(os.environ.get("CX_DUCKDB_THREADS", "2")),
        # 2GB: the whole run stays under 3 GB at 1 M customers and 10 M answers (2.7 GB
        # measured; 4.8 GB with 4GB, for 4 % less time: BENCHMARKS.md "Session 12"). The same
        # default is in profiles.yml, so that dbt, which runs in this process on the same
        # database, has the same limit.
        duckdb_memory_limit=os.environ.get("CX_DUCKDB_MEMORY_LIMIT", "2GB"),
        pii_salt=os.environ.get("CX_PII_SALT", "kokemus-dev-salt-change-me"),
        # A file modified more recently than this may still be being copied: load it later.
        inbox_settle_seconds=float(os.environ.get("CX_INBOX_SETTLE_SECONDS", "5")),
        xlsx_sheet=os.environ.get("CX_XLSX_SHEET") or None,
        # The first quarterly partition; quarters before it are never rendered.
        reports_first_quarter=os.environ.get("CX_REPORTS_FIRST_QUARTER", "2023-Q1"),
        # PDF next to each quarter's HTML (WeasyPrint); 0 skips it for quick local runs.
        reports_pdf=os.environ.get("CX_REPORTS_PDF", "1") not in {"0", "false", "no"},
        # Only these editions get their PDF (e.g. "fi" or "fi,en"); empty: every language.
        reports_pdf_languages=tuple(
            lang.lower()
            for lang in os.environ.get("CX_REPORTS_PDF_LANGUAGES", "").replace(",", " ").split()
        ),
        # How long a run waits for another run holding the warehouse before it gives up, in
        # seconds, before its first step (orchestration/warehouse_lock.py).
        warehouse_lock_timeout=float(os.environ.get("CX_WAREHOUSE_LOCK_TIMEOUT", "600")),
        # Calendar quarters, local times and times without an offset (dbt: var('timezone'),
        # the DuckDB session's TimeZone in profiles.yml and in the warehouse resource).
        timezone=os.environ.get("CX_TIMEZONE") or DEFAULT_TIMEZONE,
        # |z| at or above it is a significant change; 95 % intervals use it (dbt:
        # var('significance_z')).
        significance_z=float(os.environ.get("CX_SIGNIFICANCE_Z") or DEFAULT_SIGNIFICANCE_Z),
        # "Detractors churned N× as often" needs at least this many lost customers in each
        # of the two groups (dbt: var('churn_ratio_min_lost')).
        churn_ratio_min_lost=int(
            os.environ.get("CX_CHURN_RATIO_MIN_LOST") or DEFAULT_CHURN_RATIO_MIN_LOST
        ),
        # Key-driver cells whose drivers explain less of NPS (R²) get no driver-based
        # improvement proposal (dbt: var('drivers_min_r2')).
        drivers_min_r2=float(os.environ.get("CX_DRIVERS_MIN_R2") or DEFAULT_DRIVERS_MIN_R2),
        # A run whose inputs are those of the last build skips dbt, the analytics, the BI copy
        # and the reports (orchestration/build_state.py); 1 rebuilds them anyway.
        force_rebuild=os.environ.get("CX_FORCE_REBUILD", "0") not in {"0", "", "false", "no"},
    )
