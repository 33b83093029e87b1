"""Benchmark: the analytics collector on 100,000 published posts over 1,000 accounts.

Every HTTP call goes through Herald's real platform modules (``platforms/<name>/metrics.py``
and ``platforms.http.send``) and is answered in-process: ``responses`` routes each
request to the sandbox's own number generator (``sandbox.metrics``: numbers that
grow with time, deterministic per post), with the real APIs' answer shapes, batch
sizes (refused above them) and per-account windows (429 above them). No server, no
sandbox database: the figures are Herald's.

The posts were published over the last 35 days, so each is due for one snapshot
(the last age it reached). The collector runs every 5 simulated minutes, as its
Schedule does, until nothing is due; 0.5 % of the posts were deleted on their
platform and 10 accounts need reconnecting. Prints calls per platform, database
queries and time, per run and in all.

    make bench-analytics            # or: .venv/bin/python -m bench.analytics --posts 100000

Embedded SQLite in a throwaway file; ``DATABASE_URL`` for PostgreSQL.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import os
import re
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

PLATFORMS = ("twitter", "discord", "instagram", "youtube")
RUN_EVERY = dt.timedelta(minutes=5)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--accounts", type=int, default=1_000)
    parser.add_argument("--max-runs", type=int, default=200)
    return parser.parse_args()


def configure_environment(workdir: str) -> str:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # A run of the collector may take as long as it needs here (below Q_TIMEOUT).
    os.environ.setdefault("Q_TIMEOUT", "590")
    os.environ.setdefault("Q_RETRY", "600")
    os.environ.setdefault("PUBLISH_LEASE_SECONDS", "900")
    os.environ.setdefault("ANALYTICS_RUN_BUDGET_SECONDS", "580")
    if os.environ.get("DATABASE_URL"):
        from bench.engine import create_database_if_missing
        from config.environment import database_from_url

        create_database_if_missing(os.environ["DATABASE_URL"])
        return f"PostgreSQL ({database_from_url(os.environ['DATABASE_URL'])['NAME']})"
    os.environ["SQLITE_PATH"] = str(Path(workdir) / "analytics-bench.sqlite3")
    return "SQLite (a throwaway file)"


# --- The data ------------------------------------------------------------------------------


def create_data(posts: int, accounts: int, now: dt.datetime) -> dict[str, tuple]:
    """Accounts, contents and PUBLISHED publications in bulk; returns what the platforms hold.

    ``held[external_id] = (platform, account token, created_at)``; deleted posts are left out.
    """
    from accounts.models import User
    from content.choices import Status
    from content.models import Content
    from integrations.models import Integration
    from publishing.models import Publication

    owner, _ = User.objects.get_or_create(username="analytics-bench")
    integrations = Integration.objects.bulk_create(
        Integration(
            user=owner,
            provider=PLATFORMS[n % 4],
            external_account_id=f"acct-{n}",
            display_name=f"Account {n}",
            access_token=f"bench-token-{n}",
            account_options={"channel_id": str(10_000 + n)},
            status=(Integration.Status.NEEDS_REAUTH if n < 10 else Integration.Status.ACTIVE),
        )
        for n in range(accounts)
    )
    by_platform = {p: [i for i in integrations if i.provider == p] for p in PLATFORMS}
    span = dt.timedelta(days=35).total_seconds()
    contents = Content.objects.bulk_create(
        (
            Content(
                owner=owner,
                title=f"Post {n}",
                body=f"Post {n}",
                scheduled_for=now - dt.timedelta(seconds=span * (n + 1) / posts * 4),
                status=Status.PUBLISHED,
            )
            for n in range(posts // 4)
        ),
        batch_size=5000,
    )
    held = {}
    rows = []
    for n in range(posts):
        content = contents[n // 4]
        platform = PLATFORMS[n % 4]
        accounts_here = by_platform[platform]
        integration = accounts_here[(n // 4) % len(accounts_here)]
        external_id = str(1_000_000_000 + n)
        published_at = content.scheduled_for + dt.timedelta(seconds=n % 4)
        rows.append(
            Publication(
                content=content,
                platform=platform,
                integration=integration,
                account_key=f"integration:{integration.pk}",
                status=Status.PUBLISHED,
                idempotency_key=f"bench-{n}",
                external_id=external_id,
                published_at=published_at,
                platform_state={"channel_id": str(10_000 + integrations.index(integration))}
                if platform == "discord"
                else {},
            )
        )
        if n % 199 != 0:  # 0.5 % deleted on the platform
            held[external_id] = (platform, integration.access_token, published_at)
    Publication.objects.bulk_create(rows, batch_size=5000)
    return held


# --- The platforms, in-process --------------------------------------------------------------


class Platforms:
    """Answers the four metrics endpoints from ``sandbox.metrics``, with limits enforced."""

    LIMITS = {  # calls per window per token (YouTube: per app), as the real APIs
        "twitter": (5000, 900),
        "discord": (60, 60),
        "instagram": (200, 3600),
        "youtube": (10_000, 86400),
    }
    BATCH = {"twitter": 100, "youtube": 50, "instagram": 1, "discord": 1}

    def __init__(self, held: dict[str, tuple]):
        self.held = held
        self.now = dt.datetime.now(dt.UTC)
        self.calls: collections.Counter = collections.Counter()
        self.refused: collections.Counter = collections.Counter()
        self.windows: dict[tuple, int] = collections.Counter()

    def over_limit(self, platform: str, token: str) -> bool:
        count, seconds = self.LIMITS[platform]
        window = int(self.now.timestamp()) // seconds
        key = (platform, "app" if platform == "youtube" else token, window)
        self.windows[key] += 1
        return self.windows[key] > count

    def answer(self, request):
        from sandbox import metrics

        parts = urlsplit(request.url)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        auth = request.headers.get("Authorization", "")
        token = auth.split(" ", 1)[-1] or query.get("access_token", "")
        platform = next(p for p, pattern in self.routes if pattern.search(parts.path))
        self.calls[platform] += 1
        if self.over_limit(platform, token):
            self.refused[(platform, "429")] += 1
            return 429, {"Retry-After": "60"}, json.dumps({"message": "rate limited"})
        if platform == "twitter":
            ids = query["ids"].split(",")
            if len(ids) > self.BATCH["twitter"]:
                self.refused[(platform, "batch")] += 1
                return 400, {}, json.dumps({"errors": [{"message": "too many ids"}]})
            data = [
                {
                    "id": i,
                    "text": "",
                    "public_metrics": metrics.x_public_metrics(i, self.held[i][2], self.now),
                }
                for i in ids
                if i in self.held
            ]
            return 200, {}, json.dumps({"data": data})
        if platform == "youtube":
            ids = query["id"].split(",")
            if len(ids) > self.BATCH["youtube"]:
                self.refused[(platform, "batch")] += 1
                return 400, {}, json.dumps({"error": {"code": 400, "errors": [{"reason": "x"}]}})
            items = [
                {"id": i, "statistics": metrics.youtube_statistics(i, self.held[i][2], self.now)}
                for i in ids
                if i in self.held
            ]
            return 200, {}, json.dumps({"items": items})
        media_id = re.findall(r"\d{10}", parts.path)[-1]
        if media_id not in self.held:
            if platform == "instagram":
                body = {"error": {"code": 100, "error_subcode": 33, "message": "does not exist"}}
                return 400, {}, json.dumps(body)
            return 404, {}, json.dumps({"message": "Unknown Message", "code": 10008})
        created = self.held[media_id][2]
        if platform == "instagram":
            names = query["metric"].split(",")
            return (
                200,
                {},
                json.dumps(
                    {"data": metrics.instagram_insights(media_id, names, created, self.now)}
                ),
            )
        return (
            200,
            {},
            json.dumps(
                {
                    "id": media_id,
                    "reactions": metrics.discord_reactions(media_id, created, self.now),
                }
            ),
        )

    def install(self, mock) -> None:
        from django.conf import settings

        bases = settings.PLATFORM_BASE_URLS
        self.routes = [
            ("twitter", re.compile(r"/2/tweets$")),
            ("youtube", re.compile(r"/youtube/v3/videos$")),
            ("instagram", re.compile(r"/insights$")),
            ("discord", re.compile(r"/messages/\d+$")),
        ]
        for key in ("twitter", "youtube", "instagram", "discord"):
            mock.add_callback(
                "GET", re.compile(re.escape(bases[key]) + r"/.*"), callback=self.answer
            )


# --- The runs ---------------------------------------------------------------------------------


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        database = configure_environment(workdir)
        import django

        django.setup()
        import responses
        from django.core.management import call_command
        from django.db import connection

        from analytics.models import CollectorState, MetricsSnapshot
        from analytics.services import collect_due

        call_command("migrate", verbosity=0)
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        started = time.monotonic()
        held = create_data(args.posts, args.accounts, now)
        print(
            f"Analytics collector: {args.posts:,} published posts over {args.accounts:,} accounts "
            f"({database}); data created in {time.monotonic() - started:.1f} s"
        )
        print("Platforms answered in-process by responses + sandbox.metrics (real client code).")
        platforms = Platforms(held)
        queries = [0]
        store_writes = [0]

        def count(execute, sql, params, many, context):
            # The request-duration histogram (monitoring) writes once per HTTP call to the
            # database when there is no Redis: counted apart, it is not the collector's.
            if "metrics_metricvalue" in sql:
                store_writes[0] += 1
            else:
                queries[0] += 1
            return execute(sql, params, many, context)

        totals = collections.Counter()
        print(
            f"\n{'run':>4} {'sim. time':>10} {'X':>6} {'Discord':>8} {'Instagram':>10} "
            f"{'YouTube':>8} {'snapshots':>10} {'queries':>8} {'seconds':>8}"
        )
        clock = now
        runs = 0
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            platforms.install(mock)
            with connection.execute_wrapper(count):
                for runs in range(1, args.max_runs + 1):
                    platforms.now = clock
                    before_calls = platforms.calls.copy()
                    before_queries = queries[0]
                    tick = time.monotonic()
                    report = collect_due(now=clock)
                    seconds = time.monotonic() - tick
                    calls = platforms.calls - before_calls
                    totals["snapshots"] += report.snapshots
                    totals["gone"] += report.gone
                    totals["seconds"] += seconds
                    totals["skipped"] = sum(report.skipped.values())
                    if report.snapshots or report.gone or runs == 1:
                        print(
                            f"{runs:>4} {'+' + str(clock - now)[:-3]:>10} {calls['twitter']:>6} "
                            f"{calls['discord']:>8} {calls['instagram']:>10} {calls['youtube']:>8} "
                            f"{report.snapshots:>10,} {queries[0] - before_queries:>8} {seconds:>8.2f}"
                        )
                    due = CollectorState.objects.filter(
                        next_due_at__lte=clock, gone_at__isnull=True
                    ).exclude(integration__status="needs_reauth")
                    if not due.exists():
                        break
                    clock += RUN_EVERY
        print(
            f"\nIn all: {runs} runs over {clock - now} of simulated time, "
            f"{totals['seconds']:.1f} s of collector time, {queries[0]:,} queries "
            f"({queries[0] / max(args.posts, 1):.4f} per post), besides {store_writes[0]:,} "
            "writes of the per-request metrics store (Redis takes them when configured)."
        )
        print(
            "Calls per platform: "
            + ", ".join(
                f"{name} {platforms.calls[key]:,}"
                for key, name in (
                    ("twitter", "X"),
                    ("discord", "Discord"),
                    ("instagram", "Instagram"),
                    ("youtube", "YouTube"),
                )
            )
        )
        print(
            f"Snapshots {MetricsSnapshot.objects.count():,}; gone {totals['gone']:,}; accounts "
            f"skipped (need reconnecting) {totals['skipped']} per run; answers refused by the "
            f"platforms (429 or batch too large): {sum(platforms.refused.values())}."
        )


if __name__ == "__main__":
    main()
