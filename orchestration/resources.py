"""Resources shared by the code location: the DuckDB warehouse connection."""

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import duckdb

from orchestration.settings import get_settings


class DuckDBWarehouse(dg.ConfigurableResource):
    """Opens the warehouse file with the configured threads, memory limit and time zone.

    Connections are short-lived: DuckDB allows one writing process, and dbt runs in its own
    process between the raw loads and the reports, so no asset may hold a connection open.
    """

    path: str | None = None  # default: CX_WAREHOUSE

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        settings = get_settings()
        path = self.path or str(settings.warehouse)
        if not read_only:
            settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(
            path,
            read_only=read_only,
            config={
                "threads": settings.duckdb_threads,
                "memory_limit": settings.duckdb_memory_limit,
            },
        )
        # After connecting: the ICU extension that TimeZone needs loads on first use.
        con.execute(f"set TimeZone = '{settings.timezone}'")
        try:
            yield con
        finally:
            con.close()
