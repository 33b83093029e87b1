"""Fault drills: Herald's real engine, real clusters and the HTTP sandbox, under faults.

Each drill publishes to the four platforms of the sandbox (50 ms latency, 1% random
transient failures by default) with real ``manage.py qcluster`` processes on a
private PostgreSQL and Redis (see bench/servers.py), then checks from Herald's
database and from what landed in the sandbox that every post went out exactly once.

    burst     N posts due at once, with 1, 2 and 4 clusters: drain time, lag, copies
    steady    R posts/s for S seconds: publish lag p50/p99 (target p99 <= 10 s)
    kill      kill -9 of one cluster mid-burst
    redis     Redis stopped and started mid-burst, with rate limits that bind
    postgres  PostgreSQL stopped and started mid-burst
    switch    automation_enabled off for 30 s mid-burst
    all       every drill, one after the other
    profile   not a drill: one batch's CPU in Herald's process, top entries

    make drill-burst DRILL_ARGS="--posts 500 --accounts 20 --clusters 1,2"
    .venv/bin/python -m bench.drills kill --posts 600 --accounts 20
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from bench import servers
from bench.drills import burst, kill, postgres_outage, profile, redis_outage, steady, switch
from bench.drills.harness import (
    PLATFORMS,
    WIDE_OPEN,
    prepare_servers,
    sandbox_environment,
    setup_django,
)

# In the order ``all`` runs them.
DRILLS = {
    "burst": burst.drill,
    "steady": steady.drill,
    "kill": kill.drill,
    "redis": redis_outage.drill,
    "postgres": postgres_outage.drill,
    "switch": switch.drill,
}
# Not a drill (``all`` leaves it out): where one batch's CPU goes, in this process.
PROFILE = {"profile": profile.drill}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.drills",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("drill", choices=(*DRILLS, *PROFILE, "all"))
    parser.add_argument("--posts", type=int, default=10_000, help="posts in a burst")
    parser.add_argument("--accounts", type=int, default=200, help="over the four platforms")
    parser.add_argument(
        "--clusters",
        default=None,
        help="clusters: a list for burst (default 1,2,4), one number for the others "
        "(default 1 for steady, 2 for the fault drills)",
    )
    parser.add_argument("--rate", type=int, default=10, help="steady: posts per second")
    parser.add_argument("--seconds", type=int, default=300, help="steady: seconds of load")
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--failure-rate", type=float, default=0.01)
    parser.add_argument(
        "--workers", type=int, default=4, help="Q_WORKERS per cluster (Herald's default: 4)"
    )
    parser.add_argument("--fault-at", type=float, default=1 / 3, help="share final, then fault")
    parser.add_argument("--outage", type=int, default=5, help="seconds Redis/PostgreSQL are down")
    parser.add_argument("--switch-off", type=int, default=30, help="seconds the switch is off")
    parser.add_argument(
        "--rate-limit", default="10/30", help="redis drill: posts/seconds per account"
    )
    parser.add_argument(
        "--rate-slack",
        type=float,
        default=1.0,
        help="redis drill: seconds of network jitter allowed when windows are counted "
        "from the sandbox's arrival times",
    )
    parser.add_argument("--timeout", type=int, default=1800, help="seconds for one drain")
    parser.add_argument(
        "--profile-out", default="", help="profile: also write the merged stats to this file"
    )
    parser.add_argument(
        "--profile-sandbox",
        action="store_true",
        help="profile: also profile the sandbox's servers and print their top entries",
    )
    return parser.parse_args()


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # figures show up at once, even in a log file
    args = parse_args()
    rate_limits = args.rate_limit if args.drill == "redis" else WIDE_OPEN
    prepare_servers()
    setup_django(args, rate_limits)
    logs = Path(tempfile.mkdtemp(prefix="herald-drill-logs-"))
    sandbox_env = sandbox_environment()
    profiles = logs / "sandbox-profiles"
    if args.profile_sandbox:
        sandbox_env["SANDBOX_PROFILE_DIR"] = str(profiles)
    sandbox = servers.start_sandbox(sandbox_env, logs)
    chosen = DRILLS if args.drill == "all" else (args.drill,)
    results = {}
    try:
        for name in chosen:
            if args.drill == "all" and name == "redis":
                # The rate limits are read when a cluster starts: the clusters get the
                # Redis drill's binding limits from their environment.
                os.environ["PLATFORM_RATE_LIMITS"] = ",".join(
                    f"{p}={args.rate_limit}" for p in PLATFORMS
                )
            results[name] = {**DRILLS, **PROFILE}[name](args)
            os.environ["PLATFORM_RATE_LIMITS"] = ",".join(f"{p}={WIDE_OPEN}" for p in PLATFORMS)
    finally:
        servers.stop_processes(sandbox)
    if args.profile_sandbox:
        profile.print_sandbox_profile(profiles, args.posts)
    print(f"Sandbox logs: {logs}")
    print(
        "Summary: "
        + ", ".join(f"{name} {'PASS' if ok else 'FAIL'}" for name, ok in results.items())
    )
    sys.exit(0 if all(results.values()) else 1)


if __name__ == "__main__":
    main()
