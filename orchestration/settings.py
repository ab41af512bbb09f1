"""Every environment variable kokemus reads, with its default, in one place."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent


def _path(name: str, default: str) -> Path:
    value = Path(os.environ.get(name, default)).expanduser()
    return value if value.is_absolute() else PROJECT_DIR / value


@dataclass(frozen=True)
class Settings:
    """Resolved configuration; read it with `get_settings()` so tests can change the env."""

    inbox: Path
    warehouse: Path
    reports_dir: Path
    min_reportable_n: int
    duckdb_threads: int
    duckdb_memory_limit: str
    pii_salt: str
    inbox_settle_seconds: float
    xlsx_sheet: str | None
    timezone: str = "Europe/Helsinki"


def get_settings() -> Settings:
    return Settings(
        inbox=_path("CX_INBOX", "data/inbox"),
        warehouse=_path("CX_WAREHOUSE", "data/warehouse.duckdb"),
        reports_dir=_path("CX_REPORTS_DIR", "build/reports"),
        min_reportable_n=int(os.environ.get("CX_MIN_REPORTABLE_N", "30")),
        duckdb_threads=int(os.environ.get("CX_DUCKDB_THREADS", "2")),
        duckdb_memory_limit=os.environ.get("CX_DUCKDB_MEMORY_LIMIT", "4GB"),
        pii_salt=os.environ.get("CX_PII_SALT", "kokemus-dev-salt-change-me"),
        # A file modified more recently than this may still be being copied: load it later.
        inbox_settle_seconds=float(os.environ.get("CX_INBOX_SETTLE_SECONDS", "5")),
        xlsx_sheet=os.environ.get("CX_XLSX_SHEET") or None,
    )
