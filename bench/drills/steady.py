"""drill-steady: R posts/s for S seconds; publish lag p50/p99 (target p99 <= 10 s)."""

from __future__ import annotations

import argparse
import time

from bench.drills.harness import (
    WIDE_OPEN,
    Check,
    Run,
    cluster_counts,
    core_checks,
    create_drill_posts,
    drain,
    figures,
    header,
    print_figures,
    reset_everything,
    start_clusters,
    stop_clusters,
    verdict,
)
from bench.engine import make_due, progress


def drill(args: argparse.Namespace) -> bool:
    """Posts made due second by second, then drained."""
    from django.utils import timezone

    count = cluster_counts(args, "1")[0]
    total = args.rate * args.seconds
    header(
        "steady",
        args,
        count,
        f"{args.rate} posts/s for {args.seconds} s ({total} posts) over {args.accounts} accounts",
        WIDE_OPEN,
    )
    reset_everything()
    run = Run(name="steady drain", ids=create_drill_posts(total, args.accounts, "steady"))
    try:
        start_clusters(run, count)
        started = time.monotonic()
        for second in range(args.seconds):
            make_due(run.ids[second * args.rate : (second + 1) * args.rate], timezone.now())
            progress("steady load", second + 1, args.seconds)
            time.sleep(max(0.0, started + second + 1 - time.monotonic()))
        print()
        drain(run, args)
    finally:
        stop_clusters(run)
    f = figures(run)
    print_figures(f)
    p99 = f.get("lag_p99", float("inf"))
    checks = [
        Check(
            "publish lag p99 <= 10 s",
            p99 <= 10,
            f"p50 {f.get('lag_p50', 0):.2f} s, p99 {p99:.2f} s",
        )
    ]
    return verdict(
        "steady",
        checks + core_checks(f, run),
        f"lag p50 {f.get('lag_p50', 0):.2f} s, p99 {p99:.2f} s",
    )
