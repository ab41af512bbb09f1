"""Dagster's SQLite event log, with one engine per database file and no fsync per event.

A run of `build_all` writes about 2 700 events: one "planned" event per asset and asset check
when the run is created (~1 300: the dbt models, seeds and tests are assets and checks), then
each step's. Dagster's `SqliteEventLogStorage` opens a new SQLAlchemy engine and SQLite
connection for every event and commits each one with a full fsync (WAL, `synchronous=FULL`):
measured on the demo, 38 s of a run's start-up went to writing the planned events
(BENCHMARKS.md, "Dagster's event log").

This subclass keeps one engine per database file (the run's own and the cross-run index),
each with a small pool of open connections (the index's for the life of the process, the last
few runs' files), asks SQLite whether a table exists once per table, writes a batch of events
(the planned events: Dagster batches them when `DAGSTER_EVENT_BATCH_SIZE` is set, which make
sets) in one transaction per database file instead of three per event, and sets
`synchronous=NORMAL`: in WAL mode a commit is still atomic and the database cannot be
corrupted, but a power cut may lose the last events written before it (never a half-written
one). Readers in other processes (the UI, the daemon) see every event as before; SQLite's busy
timeout serialises writers across processes as before.

`make` writes `$DAGSTER_HOME/dagster.yaml` pointing at it for the CLI runs and `make dev`;
a Dagster instance configured otherwise (Postgres in production) is unaffected.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from dagster._core.events.log import EventLogEntry
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus
from dagster._core.storage.event_log.schema import AssetCheckExecutionsTable
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SqliteEventLogStorage,
)
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._serdes import ConfigurableClassData, serialize_value
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import QueuePool

KEPT_RUN_FILES = 4


def _pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class KeptSqliteEventLogStorage(SqliteEventLogStorage):
    """`SqliteEventLogStorage` with a kept engine per shard and `synchronous=NORMAL`."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        self._engines: dict[str, Engine] = {}
        # Tables and asset-key columns seen to exist: a migration only ever adds them.
        self._tables_present: set[str] = set()
        self._asset_key_cols_present: set[str] = set()
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
            # A small pool of kept connections, not a connection per write: in WAL mode the last
            # connection to close a database file checkpoints it, so a connection per event
            # meant a checkpoint per event (~3 000 opens and closes a run, ~3 s of it).
            engine = create_engine(
                self.conn_string_for_shard(shard),
                poolclass=QueuePool,
                pool_size=2,
                max_overflow=8,
                connect_args={
                    "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
                    "check_same_thread": False,  # the pool hands connections across threads
                },
            )
            event.listen(engine, "connect", _pragmas)
            self._engines[shard] = engine
            # A long-lived process (the UI, the daemon) sees many runs: keep the connections of
            # the cross-run index and of the last few runs' files only.
            runs = [name for name in self._engines if name != INDEX_SHARD_NAME]
            for name in runs[:-KEPT_RUN_FILES]:
                self._engines.pop(name).dispose()
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

    def has_table(self, table_name: str) -> bool:
        """Dagster asks before most writes (a new engine and an inspection each: ~2 ms × 700 a run).

        Only "present" is remembered: a table another process's migration adds is still seen.
        """
        if table_name in self._tables_present:
            return True
        present = super().has_table(table_name)
        if present:
            self._tables_present.add(table_name)
        return present

    def _has_asset_key_col_on_connection(self, conn: Connection, column_name: str) -> bool:
        if column_name in self._asset_key_cols_present:
            return True
        present = super()._has_asset_key_col_on_connection(conn, column_name)
        if present:
            self._asset_key_cols_present.add(column_name)
        return present

    def _store_asset_check_evaluation_planned(
        self, event: EventLogEntry, event_id: int | None
    ) -> None:
        """The rows Dagster writes, with the event serialised once rather than per partition.

        A run over 14 quarters plans each of ~300 checks for every quarter: Dagster serialised
        the same event 14 times per check (~1.9 s of a run's start on the demo).
        """
        planned = event.get_dagster_event().asset_check_planned_data
        partition_keys = (
            planned.partitions_subset.get_partition_keys() if planned.partitions_subset else [None]
        )
        serialized = serialize_value(event)
        timestamp = self._event_insert_timestamp(event)
        with self.index_connection() as conn:
            conn.execute(
                AssetCheckExecutionsTable.insert().values(
                    [
                        dict(
                            asset_key=planned.asset_key.to_string(),
                            check_name=planned.check_name,
                            partition=partition_key,
                            run_id=event.run_id,
                            execution_status=AssetCheckExecutionRecordStatus.PLANNED.value,
                            evaluation_event=serialized,
                            evaluation_event_timestamp=timestamp,
                            evaluation_event_storage_id=event_id,
                        )
                        for partition_key in partition_keys
                    ]
                )
            )

    def dispose(self) -> None:
        for engine in self._engines.values():
            engine.dispose()
        self._engines.clear()
        super().dispose()
