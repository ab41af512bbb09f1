"""A sensor that starts `build_all` when settled new or changed files are in the inbox.

It never opens the warehouse (a run may be writing it): it remembers each file's size and
modification time in its cursor, and the run itself skips contents it has loaded before.
While a run holds the warehouse (orchestration/warehouse_lock.py) it skips the tick without
taking the files into its cursor, so they start a run on the first tick after that run ends
instead of a run that waits, or gives up, behind it.
"""

import hashlib
import json
import time

import dagster as dg

from orchestration.defs.ingest.loader import inbox_files
from orchestration.defs.ingest.mapping import MAPPING_FILE
from orchestration.defs.ingest.sources import SOURCES
from orchestration.defs.jobs import build_all
from orchestration.defs.publish.partitions import all_closed_quarters_tags
from orchestration.settings import get_settings
from orchestration.warehouse_lock import current_holder


def settled_inbox_files() -> dict[str, str]:
    """rel path → 'size:mtime_ns' for every inbox file (and _mapping.yml) that has settled."""
    settings = get_settings()
    now = time.time()
    found = {}
    for source in SOURCES:
        # A new or edited _mapping.yml may make a rejected export loadable: it counts too.
        mapping = settings.inbox / source.name / MAPPING_FILE
        extra = [mapping] if mapping.is_file() else []
        for path in [*inbox_files(settings.inbox, source), *extra]:
            stat = path.stat()
            if now - stat.st_mtime >= settings.inbox_settle_seconds:
                found[path.relative_to(settings.inbox).as_posix()] = (
                    f"{stat.st_size}:{stat.st_mtime_ns}"
                )
    return found


@dg.sensor(
    job=build_all,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts build_all when new or changed files have settled in $CX_INBOX.",
)
def inbox_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    seen = json.loads(context.cursor) if context.cursor else {}
    current = settled_inbox_files()
    new = sorted(rel for rel, fingerprint in current.items() if seen.get(rel) != fingerprint)
    requests = []
    if new and (holder := current_holder(get_settings().warehouse)) is not None:
        return dg.SensorResult(
            skip_reason=f"{len(new)} new or changed inbox file(s) wait: the warehouse is held "
            f"by {holder.describe()}",
            cursor=context.cursor,
        )
    if new:
        key = hashlib.sha256(json.dumps([[r, current[r]] for r in new]).encode()).hexdigest()
        # New data can change any quarter's figures, so the run re-renders every closed quarter.
        tags = {"kokemus/new_files": str(len(new)), **all_closed_quarters_tags()}
        requests.append(dg.RunRequest(run_key=key[:32], tags=tags))
        context.log.info(f"{len(new)} new or changed inbox file(s): {', '.join(new[:10])}")
    return dg.SensorResult(run_requests=requests, cursor=json.dumps(current, sort_keys=True))
