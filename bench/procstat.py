"""Memory and CPU time of a gunicorn master's workers, sampled from /proc while a load runs.

Workers are the master's children; they are recycled after ``max_requests`` (gunicorn.conf.py),
so every pid seen during the run is tracked. RSS counts pages shared with other processes too
(the figure the target is set in); PSS divides shared pages among their users.
"""

from __future__ import annotations

import os
import statistics
import threading
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

PROC = Path("/proc")
SAMPLE_SECONDS = 0.5
TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None  # the process has gone


def _kib(text: str | None, field: str) -> int:
    for line in (text or "").splitlines():
        if line.startswith(field):
            return int(line.split()[1])
    return 0


def _stat_fields(pid: int) -> list[str] | None:
    """Fields 3… of /proc/<pid>/stat (the name in field 2 may hold spaces and parentheses)."""
    text = _read(PROC / str(pid) / "stat")
    return None if text is None else text.rsplit(")", 1)[1].split()


def memory_mib(pid: int) -> tuple[float, float]:
    """(RSS, PSS) of one process now, in MiB (0 once it has gone)."""
    rss = _kib(_read(PROC / str(pid) / "status"), "VmRSS:")
    pss = _kib(_read(PROC / str(pid) / "smaps_rollup"), "Pss:")
    return rss / 1024, pss / 1024


def cpu_ns(pid: int) -> int:
    """CPU time a process's threads have run, in nanoseconds (schedstat: finer than the ticks)."""
    total = 0
    for task in (PROC / str(pid) / "task").glob("*"):
        text = _read(task / "schedstat")
        total += int(text.split()[0]) if text else 0
    return total


def children(pid: int) -> list[int]:
    found = []
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields is not None and int(fields[1]) == pid:  # field 4: the parent
                found.append(int(entry.name))
    return found


def machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine since boot, from /proc/stat."""
    values = [int(v) for v in (_read(PROC / "stat") or "cpu 0").splitlines()[0].split()[1:]]
    idle = sum(values[3:5])  # idle and iowait
    return sum(values) - idle, sum(values)


def cpu_ticks(pid: int) -> int:
    fields = _stat_fields(pid)
    return 0 if fields is None else int(fields[11]) + int(fields[12])  # fields 14, 15: utime, stime


@dataclass(frozen=True)
class WorkerFigures:
    workers_seen: int
    rss_peak_mib: float  # the largest RSS any worker reached
    rss_median_peak_mib: float
    pss_peak_mib: float
    master_rss_peak_mib: float
    cpu_seconds: float  # user + system CPU the workers spent while sampled
    machine_busy_cpu_seconds: float  # every process on the machine (other users' included)
    machine_cpu_seconds: float  # CPUs x elapsed time


class WorkerUsage:
    """``with WorkerUsage(master_pid) as usage: ...`` samples in a thread; then ``usage.figures()``."""

    def __init__(self, master_pid: int) -> None:
        self.master_pid = master_pid
        self.rss: dict[int, int] = {}
        self.pss: dict[int, int] = {}
        self.ticks: dict[int, int] = {}
        self.ticks_before: dict[int, int] = {}
        self.master_rss = 0
        self.machine_before = self.machine_after = (0, 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        self.master_rss = max(self.master_rss, _kib(_read(PROC / str(self.master_pid) / "status"), "VmRSS:"))
        for pid in children(self.master_pid):
            rss = _kib(_read(PROC / str(pid) / "status"), "VmRSS:")
            pss = _kib(_read(PROC / str(pid) / "smaps_rollup"), "Pss:")
            self.rss[pid] = max(self.rss.get(pid, 0), rss)
            self.pss[pid] = max(self.pss.get(pid, 0), pss)
            self.ticks[pid] = max(self.ticks.get(pid, 0), cpu_ticks(pid))

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(SAMPLE_SECONDS)

    def __enter__(self) -> WorkerUsage:
        self.ticks_before = {pid: cpu_ticks(pid) for pid in children(self.master_pid)}
        self.machine_before = machine_ticks()
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()
        self.machine_after = machine_ticks()

    def figures(self) -> WorkerFigures:
        rss = [kib / 1024 for kib in self.rss.values() if kib] or [0.0]
        spent = sum(ticks - self.ticks_before.get(pid, 0) for pid, ticks in self.ticks.items())
        return WorkerFigures(
            workers_seen=len(self.rss),
            rss_peak_mib=max(rss),
            rss_median_peak_mib=statistics.median(rss),
            pss_peak_mib=max(self.pss.values(), default=0) / 1024,
            master_rss_peak_mib=self.master_rss / 1024,
            cpu_seconds=spent / TICKS_PER_SECOND,
            machine_busy_cpu_seconds=(self.machine_after[0] - self.machine_before[0]) / TICKS_PER_SECOND,
            machine_cpu_seconds=(self.machine_after[1] - self.machine_before[1]) / TICKS_PER_SECOND,
        )
