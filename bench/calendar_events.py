"""Benchmark: the calendar's events endpoint over a month of 5,000 posts.

Creates (``bulk_create``) a month of N posts (default 5,000) spread over its days,
each with one to three targets on 40 accounts, a quarter of them published; a month
of N/10 posts; and an empty month. Then asks ``/admin/calendar/events/`` for each
month view's six weeks, as a view-only operator in Europe/Paris, through Django's
test client (the whole request: middleware, session, permissions, the selector, the
JSON). Prints, for each month, the number of queries and the best and median time of
a few requests: the empty month is the baseline (what any request costs).

    .venv/bin/python -m bench.calendar_events              # SQLite, a new file in a temp dir
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/herald_calendar \\
        .venv/bin/python -m bench.calendar_events          # PostgreSQL (its posts are removed after)

Times are taken with ``settings.DEBUG`` off (no query log); queries are counted in a
separate request.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OWNER = "calendar-bench-owner"
OPERATOR = "calendar-bench-operator"
MONTHS = {  # the first of the month, and the six weeks its month view shows
    "March 2031": ("2031-03-01", "2031-02-24", "2031-04-07"),
    "April 2031": ("2031-04-01", "2031-03-31", "2031-05-12"),
    "May 2031": ("2031-05-01", "2031-04-28", "2031-06-09"),
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=5000, help="posts in the busy month")
    parser.add_argument("--runs", type=int, default=5, help="timed requests per month")
    return parser.parse_args()


def configure() -> tempfile.TemporaryDirectory | None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    scratch = None
    if os.environ.get("DATABASE_URL"):
        from bench.engine import create_database_if_missing

        create_database_if_missing(os.environ["DATABASE_URL"])
    else:
        scratch = tempfile.TemporaryDirectory(prefix="herald-calendar-bench-")
        os.environ["SQLITE_PATH"] = str(Path(scratch.name) / "bench.sqlite3")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return scratch


def remove_bench_data() -> None:
    from accounts.models import User

    # Content, publications, events and accounts go with their owner.
    User.objects.filter(username__in=[OWNER, OPERATOR]).delete()


def create_month(owner, accounts, first_day: dt.date, count: int) -> None:
    """``count`` posts over the days of the month of ``first_day``, 09:00 to 20:59 UTC."""
    from content.choices import Status
    from content.models import Content
    from publishing.models import Publication

    days = ((first_day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - first_day).days
    start = dt.datetime.combine(first_day, dt.time(9), tzinfo=dt.UTC)
    contents = Content.objects.bulk_create(
        Content(
            owner=owner,
            body=f"Post {n} of the calendar benchmark: a few words about the launch, "
            "the weekly digest, and what comes next for everyone following along.",
            scheduled_for=start + dt.timedelta(days=n % days, minutes=(n * 7) % 720),
            status=Status.PUBLISHED if n % 4 == 0 else Status.SCHEDULED,
        )
        for n in range(count)
    )
    Publication.objects.bulk_create(
        Publication(
            content=content,
            platform=account.provider,
            integration=account,
            account_key=f"integration:{account.pk}",
            idempotency_key=f"{content.pk}-{account.provider}-{account.pk}",
            status=content.status,
            next_attempt_at=content.scheduled_for,
        )
        for n, content in enumerate(contents)
        for account in {accounts[(n + k * 7) % len(accounts)] for k in range(1 + n % 3)}
    )


def create_data(posts: int):
    from django.contrib.auth.models import Permission

    from accounts.models import User
    from content.choices import Platform
    from integrations.models import Integration

    remove_bench_data()
    owner = User.objects.create(username=OWNER)
    platforms = [Platform.TWITTER, Platform.DISCORD, Platform.INSTAGRAM, Platform.YOUTUBE]
    accounts = Integration.objects.bulk_create(
        Integration(
            user=owner,
            provider=platforms[n % len(platforms)],
            external_account_id=f"calendar-bench-{n}",
            display_name=f"Account {n}",
            access_token=f"calendar-bench-token-{n}",
        )
        for n in range(40)
    )
    for name, count in zip(MONTHS, (posts, posts // 10, 0), strict=True):
        create_month(owner, accounts, dt.date.fromisoformat(MONTHS[name][0]), count)
    operator = User.objects.create(username=OPERATOR, is_staff=True, timezone="Europe/Paris")
    operator.user_permissions.add(
        *Permission.objects.filter(codename__in=("view_content", "view_publication"))
    )
    return operator


def measure(client, start: str, end: str, runs: int) -> dict:
    from django.conf import settings
    from django.db import connection

    url = f"/admin/calendar/events/?start={start}&end={end}"
    queries = []
    # Counted as they run: the request clears the debug query log when it starts.
    with connection.execute_wrapper(
        lambda execute, sql, *rest: queries.append(sql) or execute(sql, *rest)
    ):
        response = client.get(url, secure=True)
    assert response.status_code == 200, response.content[:300]
    events = len(response.json()["events"])
    settings.DEBUG = False
    try:
        times = []
        for _ in range(runs):
            began = time.perf_counter()
            response = client.get(url, secure=True)
            times.append(time.perf_counter() - began)
            assert response.status_code == 200
    finally:
        settings.DEBUG = True
    return {
        "events": events,
        "queries": len(queries),
        "best": min(times),
        "median": statistics.median(times),
        "kib": len(response.content) / 1024,
    }


def main() -> None:
    args = parse_args()
    scratch = configure()
    from django.db import connection
    from django.test import Client

    began = time.perf_counter()
    operator = create_data(args.posts)
    print(
        f"Calendar events benchmark on {connection.vendor} "
        f"({args.posts} posts in March 2031, created in {time.perf_counter() - began:.1f} s)"
    )
    client = Client()
    client.force_login(operator)
    try:
        print(
            f"{'month view':<12} {'events':>7} {'queries':>8} {'best':>9} {'median':>9} {'JSON':>9}"
        )
        for name, (_, start, end) in MONTHS.items():
            figures = measure(client, start, end, args.runs)
            print(
                f"{name:<12} {figures['events']:>7} {figures['queries']:>8} "
                f"{figures['best'] * 1000:>7.0f} ms {figures['median'] * 1000:>6.0f} ms "
                f"{figures['kib']:>6.0f} KiB"
            )
    finally:
        remove_bench_data()
        if scratch is not None:
            connection.close()
            scratch.cleanup()


if __name__ == "__main__":
    main()
