"""Where a drill's CPU goes, and how much memory a cluster holds, read from /proc.

A sampler thread looks at every process once a second and puts it in a group:
Herald's clusters (their process groups), Herald's PostgreSQL, the sandbox's
PostgreSQL (told apart by their cluster names in the process titles), Redis
(the drills' port), the sandbox's web servers, and this drill process. A
group's CPU is the sum over its processes of the CPU seconds each used between
its first and last sample. Memory: the peak, over the samples, of each
cluster's summed RSS and PSS (PSS shares the pages its forked workers share).
"""

from __future__ import annotations

import os
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bench import servers

TICKS = os.sysconf("SC_CLK_TCK")
GROUPS = (
    "Herald clusters",
    "Herald PostgreSQL",
    "Redis",
    "sandbox servers",
    "sandbox PostgreSQL",
    "drill harness",
)


def read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:  # the process ended between the listing and the read
        return ""


def cpu_seconds(pid: int) -> tuple[int, float] | None:
    """(process group, CPU seconds so far) of ``pid``; None when it is gone."""
    stat = read(Path(f"/proc/{pid}/stat"))
    if not stat:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    # After the command: state, ppid, pgrp, ... utime is field 14 of the whole line.
    return int(fields[2]), (int(fields[11]) + int(fields[12])) / TICKS


def memory_kib(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of ``pid`` in KiB."""
    rss = pss = 0
    for line in read(Path(f"/proc/{pid}/smaps_rollup")).splitlines():
        if line.startswith("Rss:"):
            rss = int(line.split()[1])
        elif line.startswith("Pss:"):
            pss = int(line.split()[1])
    return rss, pss


@dataclass
class Sampler:
    """Samples until ``stop``; ``clusters`` are the Popen objects of Herald's clusters."""

    clusters: list
    interval: float = 1.0
    first: dict = field(default_factory=dict)  # pid -> (group, cpu seconds)
    last: dict = field(default_factory=dict)
    peak_rss: dict = field(default_factory=lambda: defaultdict(int))  # cluster pid -> KiB
    peak_pss: dict = field(default_factory=lambda: defaultdict(int))
    started: float = 0.0
    ended: float = 0.0

    def __post_init__(self):
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> Sampler:
        self.started = time.monotonic()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self.ended = time.monotonic()

    def group_of(self, pid: int, pgid: int, cluster_pgids: set[int]) -> str | None:
        if pgid in cluster_pgids:
            return "Herald clusters"
        if pid == os.getpid():
            return "drill harness"
        command = read(Path(f"/proc/{pid}/cmdline")).replace("\0", " ")
        if not command:
            return None
        if ("gunicorn" in command or "runserver" in command) and any(
            f"127.0.0.1:{port}" in command for port in servers.SANDBOX_PORTS.values()
        ):
            return "sandbox servers"
        if "redis-server" in command and str(servers.REDIS_PORT) in command:
            return "Redis"
        sandbox_cluster, herald_cluster = servers.SANDBOX_PG[0], servers.HERALD_PG[0]
        if "postgres" in command:
            if sandbox_cluster in command:
                return "sandbox PostgreSQL"
            if herald_cluster in command:
                return "Herald PostgreSQL"
        return None

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)
        self.sample()

    def sample(self) -> None:
        cluster_pgids = {cluster.pid for cluster in self.clusters}
        rss: dict[int, int] = defaultdict(int)
        pss: dict[int, int] = defaultdict(int)
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            pid = int(entry)
            seen = cpu_seconds(pid)
            if seen is None:
                continue
            pgid, seconds = seen
            group = self.first[pid][0] if pid in self.first else None
            if group is None:
                group = self.group_of(pid, pgid, cluster_pgids)
                if group is None:
                    continue
                self.first[pid] = (group, seconds)
            self.last[pid] = (group, seconds)
            if pgid in cluster_pgids:
                process_rss, process_pss = memory_kib(pid)
                rss[pgid] += process_rss
                pss[pgid] += process_pss
        for pgid in rss:
            self.peak_rss[pgid] = max(self.peak_rss[pgid], rss[pgid])
            self.peak_pss[pgid] = max(self.peak_pss[pgid], pss[pgid])

    def cpu_by_group(self) -> dict[str, float]:
        totals = dict.fromkeys(GROUPS, 0.0)
        for pid, (group, seconds) in self.last.items():
            totals[group] += seconds - self.first[pid][1]
        return totals

    def report(self) -> list[str]:
        elapsed = max(self.ended - self.started, 1e-9)
        totals = self.cpu_by_group()
        used = sum(totals.values()) or 1e-9
        lines = [
            f"  CPU split over {elapsed:.0f} s (CPU seconds, share of what these used, "
            f"cores busy on average; 2 cores on this machine, shared):"
        ]
        for group in GROUPS:
            lines.append(
                f"    {group:<20} {totals[group]:>8.1f} s {100 * totals[group] / used:>6.1f}% "
                f"{totals[group] / elapsed:>6.2f} cores"
            )
        for pgid in sorted(self.peak_rss):
            lines.append(
                f"  cluster {pgid}: peak memory RSS {self.peak_rss[pgid] / 1024:.0f} MiB summed "
                f"over its processes (PSS {self.peak_pss[pgid] / 1024:.0f} MiB)"
            )
        return lines
