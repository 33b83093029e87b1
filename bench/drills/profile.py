"""drill-profile: where one batch's CPU goes, in Herald's own process, against the HTTP sandbox.

With ``--profile-sandbox``, the sandbox's servers are profiled too (bench/sandbox_wsgi.py),
and their top entries are printed per post once they stop.

The burst drill's posts, handed out by the tick's own dispatcher, then published
batch by batch in this process with ``publish_batch`` (the function a worker runs),
under a profiler that counts each thread's CPU time (``time.thread_time``): the
batch's own thread and every sending thread of the pool. What is printed is CPU,
not waiting: the 50 ms the sandbox sleeps per request costs nothing here.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import threading
import time
from pathlib import Path

from bench.drills.harness import WIDE_OPEN, create_drill_posts, header, make_due, reset_everything

WARM_UP_BATCHES = 2
TOP = 10


class ThreadProfiles:
    """A CPU profile per thread that runs a wrapped function, merged at the end."""

    def __init__(self) -> None:
        self.profiles: list[cProfile.Profile] = []
        self.lock = threading.Lock()

    def wrap(self, function):
        def profiled(*args, **kwargs):
            profile = cProfile.Profile(timer=time.thread_time)
            profile.enable()
            try:
                return function(*args, **kwargs)
            finally:
                profile.disable()
                with self.lock:
                    self.profiles.append(profile)

        return profiled

    def stats(self) -> pstats.Stats:
        stats = pstats.Stats(self.profiles[0], stream=io.StringIO())
        for profile in self.profiles[1:]:
            stats.add(profile)
        return stats


def dispatched_batches() -> list[list[int]]:
    """Every due row, handed out by the tick's dispatcher in its batches."""
    from django.utils import timezone

    from publishing import engine

    batches: list[list[int]] = []
    while True:
        batch: list[int] = []
        if not engine.dispatch_due_batch(timezone.now(), enqueue=batch.append):
            return batches
        batches.append(batch)


def print_top(stats: pstats.Stats, posts: int, key: str, title: str) -> None:
    stats.sort_stats(key)
    print(f"\n  Top {TOP} by {title} (CPU ms per post; calls per post):")
    print(f"  {'self ms':>8} {'cum ms':>8} {'calls':>7}  function")
    for func in stats.fcn_list[:TOP]:
        calls, _, self_time, cumulative, _ = stats.stats[func]
        filename, line, name = func
        where = filename.split("site-packages/")[-1].split("/herald/")[-1]
        print(
            f"  {1000 * self_time / posts:>8.3f} {1000 * cumulative / posts:>8.3f} "
            f"{calls / posts:>7.2f}  {name} ({where}:{line})"
        )


def drill(args: argparse.Namespace) -> bool:
    """Profile ``publish_batch`` on the burst's batches; print the top entries."""
    from django.utils import timezone

    from publishing import engine
    from publishing.models import Publication
    from publishing.states import Status

    header("profile", args, [0], f"{args.posts} posts over {args.accounts} accounts", WIDE_OPEN)
    reset_everything()
    ids = create_drill_posts(args.posts, args.accounts, f"profile{int(time.time())}")
    make_due(ids, timezone.now())
    batches = dispatched_batches()
    for batch in batches[:WARM_UP_BATCHES]:  # connections, imports, sessions: not the batch
        engine.publish_batch(batch)
    measured = batches[WARM_UP_BATCHES:]
    sending = ThreadProfiles()
    original_run_chain = engine.run_chain
    engine.run_chain = sending.wrap(original_run_chain)
    batch_thread = cProfile.Profile(timer=time.thread_time)
    started_cpu, started = time.process_time(), time.monotonic()
    try:
        for batch in measured:
            batch_thread.enable()
            engine.publish_batch(batch)
            batch_thread.disable()
    finally:
        engine.run_chain = original_run_chain
    process_cpu, wall = time.process_time() - started_cpu, time.monotonic() - started
    posts = sum(len(batch) for batch in measured)
    published = Publication.objects.filter(pk__in=ids, status=Status.PUBLISHED).count()
    stats = sending.stats()
    stats.add(batch_thread)
    print(
        f"  {len(measured)} batches, {posts} posts after {WARM_UP_BATCHES} warm-up batches; "
        f"{published}/{len(ids)} published"
    )
    print(
        f"  process CPU {1000 * process_cpu / posts:.2f} ms per post "
        f"(profiled threads {1000 * stats.total_tt / posts:.2f} ms, with the profiler's own "
        f"cost); wall {wall:.1f} s"
    )
    if args.profile_out:
        stats.dump_stats(args.profile_out)
    print_top(stats, posts, "tottime", "own CPU")
    print_top(stats, posts, "cumulative", "CPU including callees")
    return published > 0


def print_sandbox_profile(directory: Path, posts: int) -> None:
    """The sandbox servers' merged profiles (one file per server process), per post."""
    files = sorted(directory.glob("sandbox-*.prof"))
    if not files:
        print(f"  No sandbox profile was written to {directory}.")
        return
    stats = pstats.Stats(str(files[0]), stream=io.StringIO())
    for file in files[1:]:
        stats.add(str(file))
    print(
        f"\n  The sandbox's {len(files)} servers: {1000 * stats.total_tt / posts:.2f} ms of "
        f"CPU per post inside the application (HTTP parsing and sockets not included)"
    )
    print_top(stats, posts, "tottime", "own CPU, sandbox")
    print_top(stats, posts, "cumulative", "CPU including callees, sandbox")
