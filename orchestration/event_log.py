"""Dagster's SQLite event log, with one engine per database file and no fsync per event.

A run of `build_all` writes about 2 700 events: one "planned" event per asset and asset check
when the run is created (~1 300: the dbt models, seeds and tests are assets and checks), then
each step's. Dagster's `SqliteEventLogStorage` opens a new SQLAlchemy engine and SQLite
connection for every event and commits each one with a full fsync (WAL, `synchronous=FULL`):
measured on the demo, 38 s of a run's start-up went to writing the planned events
(BENCHMARKS.md, "Dagster's event log").

This subclass keeps one engine per database file (the run's own and the cross-run index) for
the life of the process, writes a batch of events (the planned events: Dagster batches them
when `DAGSTER_EVENT_BATCH_SIZE` is set, which make sets) in one transaction per database file
instead of three per event, and sets `synchronous=NORMAL`: in WAL mode a commit is still atomic
and the database cannot be corrupted, but a power cut may lose the last events written before
it (never a half-written one). Readers in other processes (the UI, the daemon) see every event
as before; SQLite's busy timeout serialises writers across processes as before.

`make` writes `$DAGSTER_HOME/dagster.yaml` pointing at it for the CLI runs and `make dev`;
a Dagster instance configured otherwise (Postgres in production) is unaffected.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from dagster._core.events.log import EventLogEntry
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
        # This thread's open batch: one connection, in one transaction, per database file.
        self._batch = threading.local()
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

    def _ready_engine(self, shard: str) -> Engine:
        engine = self._engine(shard)
        if shard not in self._initialized_dbs:
            self._initdb(engine)
            self._initialized_dbs.add(shard)
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        batch: dict[str, Connection] | None = getattr(self._batch, "connections", None)
        if batch is not None:
            # Inside store_event_batch: every write of the batch to this file in one transaction.
            if shard not in batch:
                with self._db_lock:
                    conn = self._ready_engine(shard).connect()
                conn.begin()
                batch[shard] = conn
            yield batch[shard]
            return
        with self._db_lock:
            engine = self._ready_engine(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        """The events of a batch as `store_event` writes them one by one, committed together.

        The ~1 300 planned events at a run's start were three SQLite transactions each (the
        run's file, the cross-run index, the check or asset index): ~10 s of every run. If the
        batch fails before its commit, nothing of it is written and Dagster stores the events
        one by one.
        """
        if getattr(self._batch, "connections", None) is not None:
            raise RuntimeError("store_event_batch is not re-entrant")
        connections: dict[str, Connection] = {}
        self._batch.connections = connections
        try:
            for event in events:
                self.store_event(event)
            for conn in connections.values():
                conn.commit()
        finally:
            self._batch.connections = None
            for conn in connections.values():
                conn.close()  # rolls back what was not committed

    def dispose(self) -> None:
        for engine in self._engines.values():
            engine.dispose()
        self._engines.clear()
        super().dispose()
