"""Wall time and peak memory of a command and all the processes it starts (Linux /proc)."""

import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


@dataclass(frozen=True)
class Measured:
    command: str
    seconds: float
    peak_tree_mb: float  # the largest sum of RSS over the process and its descendants, sampled
    peak_process_mb: float  # the largest single process's RSS (kernel's ru_maxrss, exact)
    returncode: int


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: fields follow the last ')'.
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _rss_kb(pid: int) -> int:
    try:
        return int((Path("/proc") / str(pid) / "statm").read_text().split()[1]) * PAGE_KB
    except (OSError, IndexError, ValueError):
        return 0


def tree_rss_mb(root: int) -> float:
    tree, total, todo = _children(), 0, [root]
    while todo:
        pid = todo.pop()
        total += _rss_kb(pid)
        todo.extend(tree.get(pid, []))
    return total / 1024


def run(
    command: list[str], env: dict[str, str], log: Path, interval: float = 0.2, cwd=None
) -> Measured:
    """Run `command`, sampling its process tree's RSS every `interval` seconds."""
    with log.open("w") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=cwd)
        peak = 0.0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, tree_rss_mb(proc.pid))
                done.wait(interval)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
    return Measured(
        " ".join(command),
        seconds,
        max(peak, usage.ru_maxrss / 1024),
        usage.ru_maxrss / 1024,
        proc.returncode,
    )
