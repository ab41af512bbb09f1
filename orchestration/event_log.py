"""Dagster's SQLite event log, with one engine per database file and no fsync per event.

A run of `build_all` writes about 2 700 events: one "planned" event per asset and asset check
when the run is created (~1 300: the dbt models, seeds and tests are assets and checks), then
each step's. Dagster's `SqliteEventLogStorage` opens a new SQLAlchemy engine and SQLite
connection for every event and commits each one with a full fsync (WAL, `synchronous=FULL`):
measured on the demo, 38 s of a run's start-up went to writing the planned events
(BENCHMARKS.md, "Dagster's event log").

This subclass keeps one engine per database file (the run's own and the cross-run index) for
the life of the process, and sets `synchronous=NORMAL`: in WAL mode a commit is still atomic
and the database cannot be corrupted, but a power cut may lose the last events written before
it (never a half-written one). Readers in other processes (the UI, the daemon) see every event
as before; SQLite's busy timeout serialises writers across processes as before.

`make` writes `$DAGSTER_HOME/dagster.yaml` pointing at it for the CLI runs and `make dev`;
a Dagster instance configured otherwise (Postgres in production) is unaffected.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._serdes import ConfigurableClassData
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool


def _pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class KeptSqliteEventLogStorage(SqliteEventLogStorage):
    """`SqliteEventLogStorage` with a kept engine per shard and `synchronous=NORMAL`."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        self._engines: dict[str, Engine] = {}
        super().__init__(base_dir, inst_data)

    @classmethod
    def from_config_value(
        cls, inst_data: ConfigurableClassData | None, config_value: dict[str, Any]
    ) -> KeptSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        engine = self._engines.get(shard)
        if engine is None:
            # Still NullPool: SQLite connections are cheap; the engine (its dialect setup and
            # the listener) is what was rebuilt per event.
            engine = create_engine(
                self.conn_string_for_shard(shard),
                poolclass=NullPool,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
            )
            event.listen(engine, "connect", _pragmas)
            self._engines[shard] = engine
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def dispose(self) -> None:
        for engine in self._engines.values():
            engine.dispose()
        self._engines.clear()
        super().dispose()
