"""Nothing new, nothing rebuilt: what each build step last built from, and when to skip.

Everything a run builds after the raw loads (the dbt models, the analytics, the second dbt
step, the BI copy and the reports) is a function of four things only: the rows loaded
(`ops.load_audit`), the project's code (the dbt project, the Python, the report templates and
texts, the pinned packages), the settings, and the quarters the run was asked for. No model
reads the clock. Their digest is the build's *fingerprint*.

When a step downstream of the raw loads succeeds, a job hook (`record_success`) writes the
fingerprint it was built from into `ops.build_state`. The first dbt step then skips the whole
chain when every step of it last succeeded with today's fingerprint and the published outputs
are on disk: it yields no output, so Dagster skips everything downstream of it, and the run
log says why. Any new load, code change or setting change changes the fingerprint and rebuilds
everything; `CX_FORCE_REBUILD=1` rebuilds without one.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from orchestration.quarters import closed_quarters_range
from orchestration.settings import PROJECT_DIR, PUBLISHED_DATABASE, Settings, get_settings
from orchestration.sql import has_table

if TYPE_CHECKING:
    import dagster as dg

STATE_DDL = """
create schema if not exists ops;
create table if not exists ops.build_state (
    step varchar primary key,
    fingerprint varchar not null,
    run_id varchar not null,
    built_at timestamptz not null default current_timestamp
)
"""

# What the built tables and pages are made of; anything else in the repository (tests, docs,
# the sample generator's output) is not.
CODE_DIRS = ("models", "macros", "seeds", "snapshots", "tests/dbt", "orchestration", "reports")
CODE_FILES = ("dbt_project.yml", "profiles.yml", "pyproject.toml", "requirements.lock")
# Settings that change how a run runs, not what it builds.
RUN_ONLY_SETTINGS = frozenset(
    {
        "inbox",
        "inbox_settle_seconds",
        "warehouse_lock_timeout",
        "duckdb_threads",
        "duckdb_memory_limit",
        "force_rebuild",
    }
)
# Environment variables dbt reads that are not Settings.
DBT_ENVIRONMENT = ("CX_DBT_TARGET",)
PARTITION_TAGS = (
    "dagster/partition",
    "dagster/asset_partition_range_start",
    "dagster/asset_partition_range_end",
)


@lru_cache(maxsize=8)
def code_digest(root: Path = PROJECT_DIR) -> str:
    """A digest of every file the built outputs depend on (names and contents)."""
    digest = hashlib.sha256()
    paths = [root / name for name in CODE_FILES if (root / name).is_file()]
    for folder in CODE_DIRS:
        paths += [
            p
            for p in (root / folder).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
        ]
    for path in sorted(paths):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def settings_digest(settings: Settings) -> dict[str, str]:
    values = {k: str(v) for k, v in asdict(settings).items() if k not in RUN_ONLY_SETTINGS}
    values |= {name: os.environ.get(name, "") for name in DBT_ENVIRONMENT}
    return values


@dataclass(frozen=True)
class Fingerprint:
    digest: str
    last_load_id: int
    loads: int

    def describe(self) -> str:
        return f"{self.loads} loads up to load {self.last_load_id}"


def fingerprint(
    con: duckdb.DuckDBPyConnection, run_tags: Mapping[str, str], settings: Settings | None = None
) -> Fingerprint:
    """The fingerprint of what a build on this warehouse, now, for this run would read."""
    settings = settings or get_settings()
    # Loaded files exactly; a file rejected again with the same content is nothing new.
    loads, last, rows, others = con.execute(
        "select count(*) filter (where status = 'loaded'), "
        "coalesce(max(load_id) filter (where status = 'loaded'), 0), "
        "coalesce(sum(rows_loaded) filter (where status = 'loaded'), 0), "
        "count(distinct (status, file, content_hash)) filter (where status <> 'loaded') "
        "from ops.load_audit"
    ).fetchone()
    parts = {
        "loads": [loads, last, rows, others],
        "code": code_digest(),
        "settings": settings_digest(settings),
        "partitions": {tag: run_tags.get(tag, "") for tag in PARTITION_TAGS},
    }
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()
    return Fingerprint(digest, int(last), int(loads))


def mark_pending(con: duckdb.DuckDBPyConnection, steps: Iterable[str], run_id: str) -> None:
    """A build starts: its steps count as not built until each one succeeds."""
    con.execute(STATE_DDL)
    con.execute("delete from ops.build_state")
    for step in sorted(steps):
        con.execute(
            "insert into ops.build_state (step, fingerprint, run_id) values (?, '', ?)",
            [step, run_id],
        )


def record(con: duckdb.DuckDBPyConnection, step: str, print_: Fingerprint, run_id: str) -> None:
    con.execute(STATE_DDL)
    con.execute(
        "insert or replace into ops.build_state (step, fingerprint, run_id, built_at) "
        "values (?, ?, ?, current_timestamp)",
        [step, print_.digest, run_id],
    )


@dataclass(frozen=True)
class LastBuild:
    run_id: str
    built_at: str


def unchanged_since(
    con: duckdb.DuckDBPyConnection, print_: Fingerprint, steps: Iterable[str] | None = None
) -> LastBuild | None:
    """The last build, when each of its steps (or of `steps`) succeeded with this fingerprint."""
    if not has_table(con, "ops", "build_state"):
        return None
    rows = con.execute(
        "select step, fingerprint, run_id, strftime(built_at, '%Y-%m-%d %H:%M:%S %Z') "
        "from ops.build_state order by built_at desc"
    ).fetchall()
    built = {row[0] for row in rows}
    if not rows or (steps is not None and built != set(steps)):
        return None
    if any(row[1] != print_.digest for row in rows):
        return None
    return LastBuild(rows[0][2], rows[0][3])


def outputs_missing(settings: Settings) -> list[str]:
    """Published outputs a skipped build would leave missing (someone deleted them)."""
    from reports.publish import PAGE

    wanted = [settings.reports_dir / PAGE, settings.published_dir / PUBLISHED_DATABASE]
    return [str(path) for path in wanted if not path.exists()]


def downstream_steps(job_def: dg.JobDefinition, assets_def: dg.AssetsDefinition) -> set[str]:
    """The job's ops downstream of `assets_def`'s assets (derived from the asset graph)."""
    graph = job_def.asset_layer.asset_graph
    start = set(assets_def.keys)
    seen: set[dg.AssetKey] = set()
    todo = list(start)
    while todo:
        for child in graph.get(todo.pop()).child_keys:
            if child not in seen and graph.has(child):
                seen.add(child)
                todo.append(child)
    return {graph.assets_def_for_key(key).op.name for key in seen - start}


# The chain of the run in this process, by run id: set by the first dbt step, read by the hook.
# Steps run one after another in the run's process (orchestration/warehouse_lock.py's
# executor, and `execute_in_process`), so the step and the hooks share this module.
_CHAIN: dict[str, tuple[frozenset[str], dict[str, str]]] = {}


def skip_or_register(
    context: dg.AssetExecutionContext, con: duckdb.DuckDBPyConnection, first_step: str
) -> str | None:
    """Called by the first dbt step: why the chain can be skipped, or None to build it.

    Registers the chain (this step and every op downstream of it in the run's job) so that
    `record_success` writes each step's fingerprint when it succeeds.
    """
    steps = downstream_steps(context.job_def, context.assets_def) | {first_step}
    _CHAIN[context.run_id] = (frozenset(steps), dict(context.run.tags))
    settings = get_settings()
    if settings.force_rebuild:
        context.log.info("CX_FORCE_REBUILD is set: rebuilding whatever the last build was")
    elif (reason := why_nothing_to_build(con, context.run.tags, settings, steps)) is not None:
        return f"{reason} Skipped, left as that run built them: {', '.join(sorted(steps))}."
    mark_pending(con, steps, context.run_id)
    return None


def why_nothing_to_build(
    con: duckdb.DuckDBPyConnection,
    run_tags: Mapping[str, str],
    settings: Settings,
    steps: Iterable[str] | None = None,
) -> str | None:
    """Why a build would change nothing (the message to print), or None if it may."""
    print_ = fingerprint(con, run_tags, settings)
    last = unchanged_since(con, print_, steps)
    if last is None or outputs_missing(settings):
        return None
    return (
        f"Nothing new since run {last.run_id} ({last.built_at}): no file has been loaded since "
        f"({print_.describe()}), and the dbt project, the code and the settings are unchanged. "
        "Set CX_FORCE_REBUILD=1 to rebuild anyway."
    )


def record_success(context: dg.HookContext) -> None:
    """After a step of the chain succeeds: the fingerprint it was built from.

    The job's success hook (orchestration/defs/jobs.py) calls it; this module does not import
    Dagster, so that `make run`'s check before a run starts in a fraction of a second.
    """
    steps, run_tags = _CHAIN.get(context.run_id, (frozenset(), {}))
    if context.op.name not in steps:
        return
    with context.resources.warehouse.connect() as con:
        print_ = fingerprint(con, run_tags)
        record(con, context.op.name, print_, context.run_id)


# -- `make run`'s check before it launches a run -------------------------------------------------

NOTHING_NEW, RUN_NEEDED = 0, 10


def scan_inbox(con: duckdb.DuckDBPyConnection, settings: Settings) -> tuple[list[str], list[str]]:
    """The inbox files a run would load (settled, content and mapping entry not loaded or
    rejected before), and those it would leave for later: changed less than
    CX_INBOX_SETTLE_SECONDS ago, maybe still being written."""
    from orchestration.defs.ingest.loader import identify, inbox_files
    from orchestration.defs.ingest.sources import SOURCES

    seen = {
        row[0] for row in con.execute("select distinct content_hash from ops.load_audit").fetchall()
    }
    now = time.time()
    new, settling = [], []
    for source in SOURCES:
        for path in inbox_files(settings.inbox, source):
            name = path.relative_to(settings.inbox).as_posix()
            if now - path.stat().st_mtime < settings.inbox_settle_seconds:
                settling.append(name)  # a run would defer it too
            elif identify(path, source)[0].content_hash not in seen:
                new.append(name)
    return new, settling


def _listed(names: list[str]) -> str:
    return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def check_before_run(partition_range: str, settings: Settings | None = None) -> tuple[int, str]:
    """NOTHING_NEW and why, or RUN_NEEDED and why: what `make run` asks before `dg launch`.

    The same rule as the run's own skip, plus the inbox: a run would load nothing new.
    """
    from orchestration.warehouse_lock import current_holder

    settings = settings or get_settings()
    if settings.force_rebuild:
        return RUN_NEEDED, "CX_FORCE_REBUILD is set"
    if not settings.warehouse.exists():
        return RUN_NEEDED, "no warehouse yet"
    if (holder := current_holder(settings.warehouse)) is not None:
        return RUN_NEEDED, f"the warehouse is held by {holder.describe()}"
    start, _, end = partition_range.partition("...")
    tags = {
        "dagster/asset_partition_range_start": start,
        "dagster/asset_partition_range_end": end or start,
    }
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        con.execute(f"set TimeZone = '{settings.timezone}'")
        if not has_table(con, "ops", "load_audit"):
            return RUN_NEEDED, "nothing loaded yet"
        new, settling = scan_inbox(con, settings)
        if new:
            return RUN_NEEDED, f"{len(new)} new file(s) in the inbox: {_listed(new)}"
        reason = why_nothing_to_build(con, tags, settings)
    finally:
        con.close()
    if reason is None:
        return RUN_NEEDED, "the code, the settings or the quarters changed since the last build"
    said = f"{reason} No run was started: nothing rebuilt, nothing re-rendered."
    if settling:
        said += (
            f" Not read yet, changed less than {settings.inbox_settle_seconds:g} s ago (maybe "
            f"still being written; CX_INBOX_SETTLE_SECONDS): {_listed(settling)}. "
            "Run again in a moment."
        )
    return NOTHING_NEW, said


def main(argv: list[str]) -> int:
    """`make run`: the partition range on stdout for `dg launch`, the verdict on stderr."""
    parser = argparse.ArgumentParser(description=check_before_run.__doc__)
    parser.add_argument(
        "--partition-range",
        help="as `dg launch` takes it (default: the closed quarters from CX_REPORTS_FIRST_QUARTER)",
    )
    args = parser.parse_args(argv)
    settings = get_settings()
    partition_range = args.partition_range or closed_quarters_range(
        settings.reports_first_quarter, settings.timezone
    )
    code, reason = check_before_run(partition_range, settings)
    sys.stderr.write((reason if code == NOTHING_NEW else f"Building: {reason}.") + "\n")
    sys.stdout.write(partition_range + "\n")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
