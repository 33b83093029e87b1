"""Benchmark: Herald's engine against the original scheduler's loop, on the same work.

Publishes N due posts (default 5,000) to a fake platform that answers after
a fixed latency (default 50 ms), first with the original design's loop (fetch
50 due, publish 5 at a time, wait for the next tick; the tick shortened to
1 s), then with a real django-q2 cluster running Herald's engine on
PostgreSQL + Redis. Prints throughput, publish lag, SQL queries per post,
duplicates, and both ratios. A short steady-load phase then measures lag at
a constant arrival rate.

    make bench                      # or: .venv/bin/python bench/engine.py --posts 5000
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/herald_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"


# The platforms the benchmarks and drills publish to: the four their figures have always
# covered, and the four the drills' sandbox servers play. Platforms added since have their
# own end-to-end tests through the sandbox.
BENCH_PLATFORMS = ("twitter", "discord", "instagram", "youtube")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=5000)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--baseline-tick", type=float, default=1.0, help="seconds")
    parser.add_argument("--steady-rate", type=int, default=5, help="posts per second")
    parser.add_argument("--steady-seconds", type=int, default=60)
    parser.add_argument("--timeout", type=int, default=900, help="seconds to wait for a drain")
    return parser.parse_args()


def configure_environment(args: argparse.Namespace) -> None:
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("REDIS_URL", DEFAULT_REDIS_URL)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["BENCH_LATENCY_MS"] = str(args.latency_ms)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    create_database_if_missing(os.environ["DATABASE_URL"])


def create_database_if_missing(url: str) -> None:
    import psycopg

    from config.environment import database_from_url

    db = database_from_url(url)
    with psycopg.connect(
        host=db["HOST"],
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"],
        dbname="postgres",
        autocommit=True,
    ) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{db["NAME"]}"')


# --- data --------------------------------------------------------------------------


def reset_data() -> None:
    from django_q.models import OrmQ, Task
    from django_redis import get_redis_connection

    from content.models import Content
    from integrations.models import Integration
    from publishing.models import EngineHeartbeat

    Content.objects.all().delete()
    Integration.objects.all().delete()
    EngineHeartbeat.objects.all().delete()
    Task.objects.all().delete()
    OrmQ.objects.all().delete()
    get_redis_connection("default").flushdb()


def create_posts(
    count: int, accounts: int, *, prefix: str, account_fields=None, content_fields=None
) -> list[int]:
    """Create ``count`` posts far in the future; ``make_due`` brings them forward. Returns ids.

    Post ``n`` goes to account ``n % accounts``, the accounts taking ``BENCH_PLATFORMS`` in turn.
    ``account_fields(n, provider)`` and ``content_fields(n, provider)`` may return fields
    that override or add to an account's and a post's defaults.
    """
    from accounts.models import User
    from content.choices import Status
    from content.models import Content
    from integrations.models import Integration
    from publishing.models import Publication

    owner, _ = User.objects.get_or_create(username="bench")
    platforms = list(BENCH_PLATFORMS)

    def fields(extra, n: int, provider: str, **defaults) -> dict:
        return {**defaults, **(extra(n, provider) if extra else {})}

    integrations = Integration.objects.bulk_create(
        Integration(
            user=owner,
            provider=platforms[n % len(platforms)],
            **fields(
                account_fields,
                n,
                platforms[n % len(platforms)],
                external_account_id=f"{prefix}-acct-{n}",
                access_token=f"bench-token-{n}",
            ),
        )
        for n in range(accounts)
    )
    later = dt.datetime(2099, 1, 1, tzinfo=dt.UTC)
    contents = Content.objects.bulk_create(
        Content(
            owner=owner,
            scheduled_for=later,
            **fields(
                content_fields, n, integrations[n % accounts].provider, body=f"{prefix} post {n}"
            ),
        )
        for n in range(count)
    )
    publications = Publication.objects.bulk_create(
        Publication(
            content=content,
            platform=integrations[n % accounts].provider,
            integration=integrations[n % accounts],
            account_key=f"integration:{integrations[n % accounts].pk}",
            idempotency_key=f"{content.pk}-{integrations[n % accounts].provider}-{prefix}",
            status=Status.SCHEDULED,
            next_attempt_at=later,
        )
        for n, content in enumerate(contents)
    )
    return [p.pk for p in publications]


def make_due(publication_ids: list[int], when: dt.datetime) -> None:
    from content.models import Content
    from publishing.models import Publication

    Publication.objects.filter(pk__in=publication_ids).update(next_attempt_at=when)
    Content.objects.filter(publications__pk__in=publication_ids).update(scheduled_for=when)


def lag_figures(publication_ids: list[int]) -> dict:
    """Lag from scheduled time to request sent, and the drain rate."""
    from publishing.models import Publication

    rows = list(
        Publication.objects.filter(
            pk__in=publication_ids, request_sent_at__isnull=False
        ).values_list("content__scheduled_for", "request_sent_at", "published_at")
    )
    lags = sorted((sent - due).total_seconds() for due, sent, _ in rows)
    first_due = min(due for due, _, _ in rows)
    last_done = max(done or sent for _, sent, done in rows)
    drain = (last_done - first_due).total_seconds()
    return {
        "posts": len(rows),
        "drain_s": drain,
        "posts_per_s": len(rows) / drain if drain else float("inf"),
        "lag_p50": percentile(lags, 50),
        "lag_p99": percentile(lags, 99),
    }


def percentile(values: list[float], pct: int) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def duplicate_figures(publication_ids: list[int]) -> tuple[int, int]:
    """(keys sent more than once, posts never sent), from the fake's tally."""
    from django_redis import get_redis_connection

    from publishing.models import Publication

    calls = get_redis_connection("default").hgetall("herald:bench:calls")
    keys = set(
        Publication.objects.filter(pk__in=publication_ids).values_list("idempotency_key", flat=True)
    )
    counts = {k.decode(): int(v) for k, v in calls.items()}
    duplicates = sum(1 for key in keys if counts.get(key, 0) > 1)
    missing = sum(1 for key in keys if counts.get(key, 0) == 0)
    return duplicates, missing


class QueryCounter:
    """Counts SQL statements on every connection it is installed on."""

    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()

    def __call__(self, execute, sql, params, many, context):
        with self.lock:
            self.count += 1
        return execute(sql, params, many, context)


# --- the original design ---------------------------------------------------------------


def run_baseline(args: argparse.Namespace) -> dict:
    """The Node.js scheduler's loop: 50 due per tick, 5 at a time, then wait for the tick."""
    from django.db import connection, connections
    from django.utils import timezone

    from bench import fake_platform
    from content.choices import Status
    from platforms.base import Post
    from publishing.models import Publication

    ids = create_posts(args.posts, args.accounts, prefix="baseline")
    counter = QueryCounter()

    def publish(row) -> None:
        pk, key, body = row
        with connection.execute_wrapper(counter):
            Publication.objects.filter(pk=pk).update(status=Status.PUBLISHING)
            sent_at = timezone.now()
            result = fake_platform.publish(Post(pk, key, body), None)
            Publication.objects.filter(pk=pk).update(
                status=Status.PUBLISHED,
                request_sent_at=sent_at,
                published_at=timezone.now(),
                external_id=result.external_id,
            )
        connections.close_all()

    start = timezone.now()
    make_due(ids, start)
    ticks = 0
    work_seconds = 0.0
    with ThreadPoolExecutor(max_workers=5) as pool:
        while True:
            ticks += 1
            began = time.monotonic()
            with connection.execute_wrapper(counter):
                due = list(
                    Publication.objects.filter(
                        status=Status.SCHEDULED, next_attempt_at__lte=timezone.now()
                    )
                    .order_by("next_attempt_at", "pk")
                    .values_list("pk", "idempotency_key", "content__body")[:50]
                )
            if not due:
                break
            list(pool.map(publish, due))
            work_seconds += time.monotonic() - began
            progress("baseline", ticks * 50, args.posts)
            time.sleep(args.baseline_tick)
    print()
    figures = lag_figures(ids)
    figures["queries_per_post"] = counter.count / len(ids)
    figures["ticks"] = ticks - 1
    # The same loop with its real one-minute tick: each tick's work, then the wait.
    figures["real_tick_drain_s"] = (ticks - 1) * 60 + work_seconds / max(ticks - 1, 1)
    figures["duplicates"], figures["missing"] = duplicate_figures(ids)
    return figures


# --- Herald -----------------------------------------------------------------------------


def start_cluster() -> subprocess.Popen:
    log = tempfile.TemporaryFile()  # noqa: SIM115 - read and closed by stop_cluster
    cluster = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    cluster.log = log
    return cluster


def cluster_errors(cluster: subprocess.Popen) -> list[str]:
    """The lines of the cluster's log so far that report an error."""
    cluster.log.seek(0)
    lines = cluster.log.read().decode(errors="replace").splitlines()
    cluster.log.seek(0, os.SEEK_END)
    return [line for line in lines if "ERROR" in line or "CRITICAL" in line]


def stop_cluster(cluster: subprocess.Popen, *, report: bool = True) -> list[str]:
    """Stop the cluster (SIGTERM, then SIGKILL after 60 s); returns the errors it logged."""
    try:
        os.killpg(cluster.pid, signal.SIGTERM)
        cluster.wait(timeout=60)
    except ProcessLookupError:
        pass  # already gone (killed by a drill)
    except subprocess.TimeoutExpired:
        os.killpg(cluster.pid, signal.SIGKILL)
    cluster.wait()
    errors = cluster_errors(cluster)
    cluster.log.close()
    if errors and report:
        print(f"The cluster logged {len(errors)} errors; the last: {errors[-1]}")
    return errors


def wait_for_polling_tick(timeout: float) -> None:
    """The cluster's scheduler fires the tick within about 15 s of start."""
    from django.utils import timezone

    from publishing.models import EngineHeartbeat

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        beat = EngineHeartbeat.objects.filter(name="tick").first()
        if (
            beat
            and beat.last_tick_at
            and beat.last_tick_at > timezone.now() - dt.timedelta(seconds=3)
        ):
            return
        time.sleep(0.5)
    raise SystemExit("The cluster's tick did not start; is the cluster running?")


def wait_until_final(
    ids: list[int], label: str, timeout: float, *, during=None, exit_on_timeout: bool = True
) -> bool:
    """Wait, with a progress bar, until every row is final. False on timeout (or exit).

    ``during(done)`` is called on every poll with the number of final rows, and
    may act (a drill's fault); a database error while polling is waited out.
    """
    from django.db import DatabaseError, connections

    from content.choices import FINAL_STATUSES
    from publishing.models import Publication

    deadline = time.monotonic() + timeout
    done = 0
    while time.monotonic() < deadline:
        try:
            done = len(ids) - (
                Publication.objects.filter(pk__in=ids).exclude(status__in=FINAL_STATUSES).count()
            )
        except DatabaseError:
            connections.close_all()  # the database is down; count again once it is back
        progress(label, done, len(ids))
        if done == len(ids):
            print()
            return True
        if during is not None:
            during(done)
        time.sleep(1)
    print()
    if exit_on_timeout:
        raise SystemExit(f"{label}: not drained after {timeout} s")
    return False


def queries_per_publication(args: argparse.Namespace) -> float:
    """SQL statements per post for the tick's dispatch + publish_batch, measured in this
    process on 200 posts over 20 accounts (batches of PUBLISH_BATCH_SIZE, as a cluster
    runs them). The sends run in this thread (PUBLISH_CONCURRENCY=1), so the statements
    of every step are counted on this connection."""
    from django.db import connection
    from django.test.utils import override_settings
    from django.utils import timezone

    from publishing import engine

    ids = create_posts(200, 20, prefix="queries")
    make_due(ids, timezone.now())
    counter = QueryCounter()
    with (
        override_settings(TICK_BUDGET_SECONDS=0, PUBLISH_CONCURRENCY=1),
        connection.execute_wrapper(counter),
    ):
        while True:
            batch: list[int] = []
            if not engine.dispatch_due_batch(timezone.now(), enqueue=batch.append):
                break
            engine.publish_batch(batch)
    return counter.count / len(ids)


def run_herald(args: argparse.Namespace) -> dict:
    from django.utils import timezone

    from content.choices import Status
    from publishing.models import Publication

    burst = create_posts(args.posts, args.accounts, prefix="herald")
    steady = create_posts(args.steady_rate * args.steady_seconds, args.accounts, prefix="steady")
    cluster = start_cluster()
    try:
        wait_for_polling_tick(timeout=90)
        make_due(burst, timezone.now())
        wait_until_final(burst, "herald burst", args.timeout)
        figures = lag_figures(burst)
        figures["duplicates"], figures["missing"] = duplicate_figures(burst)
        figures["not_published"] = (
            Publication.objects.filter(pk__in=burst).exclude(status=Status.PUBLISHED).count()
        )
        # Steady load: a few posts come due every second.
        for second in range(args.steady_seconds):
            chunk = steady[second * args.steady_rate : (second + 1) * args.steady_rate]
            make_due(chunk, timezone.now())
            progress("steady load", second + 1, args.steady_seconds)
            time.sleep(1)
        print()
        wait_until_final(steady, "steady drain", args.timeout)
        steady_figures = lag_figures(steady)
        figures["steady_lag_p50"] = steady_figures["lag_p50"]
        figures["steady_lag_p99"] = steady_figures["lag_p99"]
    finally:
        stop_cluster(cluster)
    figures["queries_per_post"] = queries_per_publication(args)
    return figures


def progress(label: str, done: int, total: int) -> None:
    done = min(done, total)
    bar = "#" * int(30 * done / total)
    print(f"\r  {label:<14} [{bar:<30}] {done}/{total}", end="", flush=True)


def main() -> None:
    args = parse_args()
    configure_environment(args)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    print(
        f"Herald engine benchmark: {args.posts} posts over {args.accounts} accounts, "
        f"fake platform latency {args.latency_ms} ms, PostgreSQL + Redis\n"
    )
    reset_data()
    baseline = run_baseline(args)
    reset_data()
    herald = run_herald(args)

    rows = [
        ("posts/s", "posts_per_s", "{:.1f}"),
        ("drain time (s)", "drain_s", "{:.1f}"),
        ("lag p50 (s)", "lag_p50", "{:.2f}"),
        ("lag p99 (s)", "lag_p99", "{:.2f}"),
        ("SQL queries per post", "queries_per_post", "{:.1f}"),
        ("posts sent twice", "duplicates", "{}"),
        ("posts never sent", "missing", "{}"),
    ]
    print(f"\n{'':<24}{'original loop (1 s tick)':>26}{'Herald (1 cluster)':>22}")
    for label, key, fmt in rows:
        print(f"{label:<24}{fmt.format(baseline[key]):>26}{fmt.format(herald[key]):>22}")
    print(
        f"\nOriginal loop with its real 1-minute tick: {baseline['ticks']} ticks, "
        f"about {baseline['real_tick_drain_s'] / 60:.0f} min to drain "
        f"({args.posts / baseline['real_tick_drain_s']:.2f} posts/s)."
    )
    print(
        f"Herald vs original (1 s tick): {herald['posts_per_s'] / baseline['posts_per_s']:.1f}x "
        f"the throughput; vs original (1 min tick): "
        f"{herald['posts_per_s'] / (args.posts / baseline['real_tick_drain_s']):.0f}x."
    )
    print(
        "Targets: Herald at least 300 posts/s, burst lag p99 at most 20 s, at most 4 SQL "
        f"queries per post (PUBLISH_CONCURRENCY={settings.PUBLISH_CONCURRENCY}, "
        f"PUBLISH_BATCH_SIZE={settings.PUBLISH_BATCH_SIZE}, Q_WORKERS={settings.Q_CLUSTER['workers']})."
    )
    print(
        f"Herald steady load ({args.steady_rate} posts/s for {args.steady_seconds} s): "
        f"lag p50 {herald['steady_lag_p50']:.2f} s, p99 {herald['steady_lag_p99']:.2f} s "
        f"(target: p99 <= 10 s). Posts not PUBLISHED after the burst: {herald['not_published']}."
    )


if __name__ == "__main__":
    main()
