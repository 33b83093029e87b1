"""drill-kill: kill -9 of one cluster mid-burst; its rows come back by lease and reconcile."""

from __future__ import annotations

import argparse
import os
import signal

from bench.drills.harness import (
    WIDE_OPEN,
    Check,
    Run,
    burst_run,
    cluster_counts,
    core_checks,
    figures,
    header,
    once,
    print_figures,
    verdict,
)


def drill(args: argparse.Namespace) -> bool:
    """At least two clusters; the first one is killed with its whole process group."""
    count = max(cluster_counts(args, "2")[0], 2)

    def during(run: Run):
        def kill() -> None:
            victim = run.clusters[0]
            os.killpg(victim.pid, signal.SIGKILL)
            victim.wait()
            run.killed.append(victim)
            run.note(f"kill -9 of cluster {victim.pid} (its whole process group)")

        return once(args.fault_at, args.posts, kill)

    header("kill", args, count, f"kill -9 of one cluster mid-burst, {args.posts} posts", WIDE_OPEN)
    run = burst_run("kill", args, count, during_factory=during)
    f = figures(run)
    print_figures(f)
    checks = [Check("a cluster was killed mid-burst", bool(run.killed), f"{len(run.killed)}")]
    return verdict(
        "kill",
        checks + core_checks(f, run),
        f"in_doubt surfaced {f['in_doubt']}, reconcile events {f['reconcile_events']}, "
        f"leases recovered {f['recovered_leases']}",
    )
