"""drill-burst: N posts due at once, with 1, 2 and 4 clusters: drain time, lag, copies."""

from __future__ import annotations

import argparse

from bench.drills.harness import (
    WIDE_OPEN,
    burst_run,
    cluster_counts,
    core_checks,
    figures,
    header,
    print_figures,
    verdict,
)


def drill(args: argparse.Namespace) -> bool:
    """One burst per cluster count, then a table of their figures."""
    counts = cluster_counts(args, "1,2,4")
    header(
        "burst",
        args,
        counts,
        f"{args.posts} posts due at once over {args.accounts} accounts",
        WIDE_OPEN,
    )
    results, passed = [], True
    for count in counts:
        run = burst_run("burst", args, count)
        f = figures(run)
        print_figures(f)
        print("\n".join(run.resources))
        passed &= verdict(
            f"burst ({count} cluster{'s' if count > 1 else ''})",
            core_checks(f, run),
            f"{f.get('posts_per_s', 0):.1f} posts/s, lag p99 {f.get('lag_p99', float('nan')):.1f} s",
        )
        results.append((count, f))
    print(
        f"  {'clusters':>8} {'drain s':>8} {'posts/s':>8} {'p50 s':>7} {'p99 s':>7} {'dup':>4} {'lost':>5}"
    )
    for count, f in results:
        print(
            f"  {count:>8} {f.get('drain_s', 0):>8.1f} {f.get('posts_per_s', 0):>8.1f} "
            f"{f.get('lag_p50', 0):>7.2f} {f.get('lag_p99', 0):>7.2f} {f['duplicates']:>4} "
            f"{f['lost']:>5}"
        )
    return passed
