"""drill-redis: Redis stopped and started mid-burst, with rate limits that bind.

Named ``redis_outage``, not ``redis``: a module named ``redis`` here would stand in for the
client library whenever this folder is on the import path.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt

from bench import servers
from bench.drills.harness import (
    Check,
    burst_run,
    cluster_counts,
    core_checks,
    figures,
    header,
    landed_posts,
    outage,
    print_figures,
    verdict,
)


def max_in_window(times: list[dt.datetime], seconds: float) -> int:
    """The most events any sliding window of ``seconds`` holds."""
    best, start = 0, 0
    for end, moment in enumerate(times):
        while (moment - times[start]).total_seconds() >= seconds:
            start += 1
        best = max(best, end - start + 1)
    return best


def drill(args: argparse.Namespace) -> bool:
    """The burst under Herald's rate limits; no account goes over them, Redis down or not."""
    count = cluster_counts(args, "2")[0]
    limit, window = (int(part) for part in args.rate_limit.split("/"))
    header(
        "redis",
        args,
        count,
        f"Redis stopped for {args.outage} s mid-burst, {args.posts} posts",
        args.rate_limit,
    )
    run = burst_run(
        "redis",
        args,
        count,
        during_factory=lambda run: outage(
            run, args, "Redis", servers.stop_redis, servers.start_redis
        ),
    )
    f = figures(run)
    print_figures(f)
    arrivals = collections.defaultdict(list)
    for account, created in (
        landed_posts().order_by("created_at").values_list("account", "created_at")
    ):
        arrivals[account].append(created)
    counted = window - args.rate_slack
    worst = max((max_in_window(times, counted) for times in arrivals.values()), default=0)
    worst_full = max((max_in_window(times, window) for times in arrivals.values()), default=0)
    print(
        f"  rate limit {limit} per {window} s per account: at most {worst} posts in any "
        f"{counted:g} s window of arrivals at the sandbox ({worst_full} in a full {window} s "
        f"window, which network jitter can stretch)"
    )
    checks = [
        Check("Redis was restarted mid-burst", "up_at" in run.marks, run.marks.get("up_at", "no")),
        Check(
            f"no account over {limit} posts in a sliding {window} s window",
            worst <= limit,
            f"worst {worst} (windows of {counted:g} s: {args.rate_slack:g} s allowed for jitter)",
        ),
    ]
    return verdict(
        "redis", checks + core_checks(f, run), f"worst window {worst}/{limit}, errors {f['errors']}"
    )
