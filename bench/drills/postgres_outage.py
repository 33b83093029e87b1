"""drill-postgres: Herald's PostgreSQL stopped and started mid-burst."""

from __future__ import annotations

import argparse

from bench import servers
from bench.drills.harness import (
    WIDE_OPEN,
    Check,
    burst_run,
    cluster_counts,
    core_checks,
    figures,
    header,
    outage,
    print_figures,
    verdict,
)


def drill(args: argparse.Namespace) -> bool:
    """The burst with Herald's database down for ``--outage`` seconds."""
    count = cluster_counts(args, "2")[0]
    header(
        "postgres",
        args,
        count,
        f"PostgreSQL stopped for {args.outage} s mid-burst, {args.posts} posts",
        WIDE_OPEN,
    )
    run = burst_run(
        "postgres",
        args,
        count,
        during_factory=lambda run: outage(
            run,
            args,
            "PostgreSQL",
            lambda: servers.stop_postgres(servers.HERALD_PG),
            lambda: servers.start_postgres(servers.HERALD_PG),
        ),
    )
    f = figures(run)
    print_figures(f)
    checks = [
        Check(
            "PostgreSQL was restarted mid-burst", "up_at" in run.marks, run.marks.get("up_at", "no")
        )
    ]
    return verdict("postgres", checks + core_checks(f, run), f"errors logged {f['errors']}")
