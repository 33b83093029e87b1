"""What every fault drill shares: the private servers, the seeded posts, the clusters,
and the figures and checks read from Herald's database and the sandbox's.

A drill module builds on ``burst_run`` (reset, seed, start the clusters, make the posts
due, drain, stop) and judges the run with ``figures``, ``core_checks`` and ``verdict``.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench import servers
from bench.drills.resources import Sampler
from bench.engine import (
    BENCH_PLATFORMS,
    create_database_if_missing,
    create_posts,
    lag_figures,
    make_due,
    reset_data,
    start_cluster,
    stop_cluster,
    wait_for_polling_tick,
    wait_until_final,
)

# Engine settings for every drill: retries come back quickly, and a killed worker's
# rows within two minutes. They keep the settings' rules: the tick's budget below the
# task timeout, the task timeout below the broker's retry and the lease.
ENGINE_ENVIRONMENT = {
    "PUBLISH_RETRY_DELAY": "5",
    "Q_TIMEOUT": "100",
    "Q_RETRY": "130",
    "PUBLISH_LEASE_SECONDS": "120",
    "TICK_BUDGET_SECONDS": "75",
    # The daily prune's budget must end 30 s before the task timeout above.
    "HISTORY_PRUNE_BUDGET_SECONDS": "60",
}
WIDE_OPEN = "1000000/3600"
PLATFORMS = BENCH_PLATFORMS
# Instagram fetches media by URL (the sandbox only records it); YouTube uploads the file.
IMAGE_NAME = "drills/photo.jpg"
VIDEO_NAME = "drills/clip.mp4"
MEDIA_BYTES = 1024


# --- environment and servers ---------------------------------------------------------


def drill_environment(args: argparse.Namespace, rate_limits: str) -> dict[str, str]:
    media_root = servers.STATE_DIR / "media"
    return {
        "DJANGO_SETTINGS_MODULE": "bench.drill_settings",
        "DATABASE_URL": servers.database_url(servers.HERALD_PG),
        "REDIS_URL": servers.redis_url(),
        "DRILL_SANDBOX_DATABASE_URL": servers.database_url(servers.SANDBOX_PG),
        "SANDBOX_ENABLED": "1",
        "SANDBOX_LATENCY_MS": str(args.latency_ms),
        "SANDBOX_FAILURE_RATE": str(args.failure_rate),
        "MEDIA_ROOT": str(media_root),
        "PUBLIC_MEDIA_BASE_URL": f"http://127.0.0.1:{servers.SANDBOX_PORTS['instagram']}/media",
        "SITE_URL": f"http://127.0.0.1:{servers.SANDBOX_PORTS['twitter']}",
        "Q_WORKERS": str(args.workers),
        "PLATFORM_RATE_LIMITS": ",".join(f"{p}={rate_limits}" for p in PLATFORMS),
        "LOG_LEVEL": "WARNING",
        **ENGINE_ENVIRONMENT,
        **servers.sandbox_base_urls(),
    }


def sandbox_environment() -> dict[str, str]:
    """The sandbox servers: their own database, no Redis (their cache is local), and
    lighter settings (bench/sandbox_settings.py)."""
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env["DJANGO_SETTINGS_MODULE"] = "bench.sandbox_settings"
    env["DATABASE_URL"] = servers.database_url(servers.SANDBOX_PG)
    env["LOG_LEVEL"] = "WARNING"
    return env


def prepare_servers() -> None:
    servers.require_tools()
    for server in (servers.HERALD_PG, servers.SANDBOX_PG):
        servers.ensure_postgres(server)
        create_database_if_missing(servers.database_url(server))
    servers.ensure_redis()


def setup_django(args: argparse.Namespace, rate_limits: str) -> None:
    os.environ.update(drill_environment(args, rate_limits))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("migrate", database="sandbox", verbosity=0)
    media = Path(os.environ["MEDIA_ROOT"])
    for name in (IMAGE_NAME, VIDEO_NAME):
        (media / name).parent.mkdir(parents=True, exist_ok=True)
        (media / name).write_bytes(b"\x89" * MEDIA_BYTES)


def operator():
    from accounts.models import User

    user, _ = User.objects.get_or_create(
        username="drill-operator", defaults={"is_staff": True, "is_superuser": True}
    )
    return user


def reset_everything() -> None:
    """Herald's data, the broker and the rate windows, the sandbox's posts; switches on."""
    from django.db import connections

    from flags.services import set_switch
    from flags.switches import ALL_SWITCH_NAMES
    from sandbox import models as sandbox

    reset_data()
    tables = [
        model._meta.db_table
        for model in (
            sandbox.SandboxContainer,
            sandbox.SandboxUpload,
            sandbox.SandboxPost,
            sandbox.SandboxRateWindow,
        )
    ]
    with connections["sandbox"].cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)}")
    for name in ALL_SWITCH_NAMES:
        set_switch(name, True, user=operator(), note="fault drill: start with every switch on")


# --- posts ---------------------------------------------------------------------------------


def account_fields(prefix: str):
    """Each account its own sandbox token, so the sandbox's ``account`` names it."""

    def fields(n: int, provider: str) -> dict:
        token = f"sandbox-{prefix}-acct-{n}"
        if provider == "twitter":
            return {"access_token": token, "account_options": {"username": f"drill{n}"}}
        if provider == "discord":
            return {
                "access_token": token,
                "account_options": {
                    "channel_id": str(1_100_000_000_000_000_000 + n),
                    "guild_id": "99",
                },
            }
        if provider == "instagram":
            return {"access_token": token, "external_account_id": str(17_841_400_000_000_000 + n)}
        return {"access_token": token}

    return fields


def create_drill_posts(count: int, accounts: int, prefix: str) -> list[int]:
    """Posts over ``accounts`` accounts of the four platforms, with media where needed."""
    from content.models import Content, ContentMedia

    def fields(n: int, provider: str) -> dict:
        # The body is unique per post; YouTube's title too (the sandbox keeps it as the text).
        return {"title": f"{prefix} post {n}"} if provider == "youtube" else {}

    ids = create_posts(
        count, accounts, prefix=prefix, account_fields=account_fields(prefix), content_fields=fields
    )
    media = []
    for content_id, platform in Content.objects.filter(
        publications__pk__in=ids, publications__platform__in=("instagram", "youtube")
    ).values_list("pk", "publications__platform"):
        image = platform == "instagram"
        media.append(
            ContentMedia(
                content_id=content_id,
                file=IMAGE_NAME if image else VIDEO_NAME,
                kind="image" if image else "video",
                mime_type="image/jpeg" if image else "video/mp4",
                size_bytes=MEDIA_BYTES,
            )
        )
    ContentMedia.objects.bulk_create(media, batch_size=1000)
    return ids


# --- the clusters ---------------------------------------------------------------------------


@dataclass
class Run:
    """One drill run: its posts, clusters and what happened on the way."""

    name: str
    ids: list[int]
    clusters: list = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    killed: list = field(default_factory=list)
    drained: bool = False
    marks: dict = field(default_factory=dict)
    resources: list[str] = field(default_factory=list)  # the CPU split and memory, printed

    def note(self, text: str) -> None:
        stamp = dt.datetime.now(dt.UTC).strftime("%H:%M:%S")
        print(f"\n  [{stamp}] {text}")
        self.notes.append(text)


def start_clusters(run: Run, count: int) -> None:
    run.clusters = [start_cluster() for _ in range(count)]
    wait_for_polling_tick(timeout=120)


def stop_clusters(run: Run) -> None:
    for cluster in run.clusters:
        if cluster.poll() is None:
            os.killpg(cluster.pid, signal.SIGTERM)  # all at once; stop_cluster then waits
    for cluster in run.clusters:
        alive = cluster.poll() is None
        if not alive and cluster not in run.killed:
            run.note(f"cluster {cluster.pid} had exited by itself (code {cluster.returncode})")
            run.marks["crashed"] = run.marks.get("crashed", 0) + 1
        run.errors += stop_cluster(cluster, report=False)


def once(share: float, total: int, action):
    """A ``during`` hook for wait_until_final: run ``action`` once ``share`` of the posts are final."""
    fired = []

    def during(done: int) -> None:
        if not fired and done >= share * total:
            fired.append(True)
            action()

    return during


def drain(run: Run, args: argparse.Namespace, *, during=None) -> None:
    run.drained = wait_until_final(
        run.ids, run.name, args.timeout, during=during, exit_on_timeout=False
    )
    if not run.drained:
        run.note(f"TIMEOUT: not drained after {args.timeout} s; stopping the clusters")


# --- figures and checks -----------------------------------------------------------------------


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


def figures(run: Run) -> dict:
    """Everything the checks need, from Herald's database and the sandbox's."""
    from content.choices import FINAL_STATUSES, Status
    from integrations.models import Integration
    from publishing.models import Publication, PublicationEvent
    from sandbox.models import SandboxPost
    from sandbox.views.shared import account_for_token

    rows = list(
        Publication.objects.filter(pk__in=run.ids).values(
            "pk",
            "status",
            "platform",
            "last_error_code",
            "last_error",
            "integration_id",
            "content__body",
        )
    )
    accounts = {
        integration.pk: account_for_token(integration.access_token)
        for integration in Integration.objects.filter(
            pk__in={row["integration_id"] for row in rows}
        )
    }
    copies = collections.Counter(
        SandboxPost.objects.using("sandbox").values_list("text", flat=True).iterator()
    )
    landed_per_account = collections.Counter(
        SandboxPost.objects.using("sandbox").values_list("account", flat=True).iterator()
    )
    sent_per_account = collections.Counter(
        accounts[row["integration_id"]] for row in rows if row["status"] == Status.PUBLISHED
    )
    # A post surfaced as in_doubt may or may not be out: it counts at most once.
    doubt_per_account = collections.Counter(
        accounts[row["integration_id"]] for row in rows if row["last_error_code"] == "in_doubt"
    )
    per_post = [copies.get(row["content__body"], 0) for row in rows]
    statuses = collections.Counter(row["status"] for row in rows)
    in_doubt = [row for row in rows if row["last_error_code"] == "in_doubt"]
    failed_other = [
        row
        for row in rows
        if row["status"] == Status.FAILED and row["last_error_code"] != "in_doubt"
    ]
    events = PublicationEvent.objects.filter(publication_id__in=run.ids)
    known_texts = {row["content__body"] for row in rows}
    result = {
        "posts": len(rows),
        "statuses": dict(statuses),
        "not_final": sum(1 for row in rows if row["status"] not in FINAL_STATUSES),
        "published": statuses.get(Status.PUBLISHED, 0),
        "copies_min": min(per_post, default=0),
        "copies_max": max(per_post, default=0),
        "duplicates": sum(1 for n in per_post if n > 1),
        "lost": sum(
            1
            for row, n in zip(rows, per_post, strict=True)
            if n == 0 and row["status"] != Status.FAILED
        ),
        "published_not_landed": sum(
            1
            for row, n in zip(rows, per_post, strict=True)
            if n == 0 and row["status"] == Status.PUBLISHED
        ),
        "in_doubt": len(in_doubt),
        "in_doubt_landed": sum(1 for row in in_doubt if copies.get(row["content__body"], 0)),
        "in_doubt_platforms": dict(collections.Counter(row["platform"] for row in in_doubt)),
        "in_doubt_reasons": list(dict.fromkeys(row["last_error"] for row in in_doubt))[:3],
        "failed_other": len(failed_other),
        "failed_codes": collections.Counter(row["last_error_code"] for row in failed_other),
        "reconcile_events": events.filter(reason__icontains="reconcile").count(),
        "found_by_reconcile": events.filter(reason="found on the platform by reconcile").count(),
        "recovered_leases": events.filter(reason__startswith="the worker's lease expired").count(),
        "accounts": len(set(accounts.values())),
        "accounts_matching": sum(
            1
            for account in set(accounts.values())
            if sent_per_account[account]
            <= landed_per_account[account]
            <= sent_per_account[account] + doubt_per_account[account]
        ),
        "strangers": sum(n for text, n in copies.items() if text not in known_texts),
        "errors": len(run.errors),
        "last_errors": list(dict.fromkeys(reversed(run.errors)))[:3],
    }
    if result["published"]:
        result.update(lag_figures(run.ids))
    return result


def landed_posts():
    """What reached the platforms: the sandbox's posts, read from its own database."""
    from sandbox.models import SandboxPost

    return SandboxPost.objects.using("sandbox")


def core_checks(f: dict, run: Run) -> list[Check]:
    return [
        Check("drained before the timeout", run.drained, f"not final: {f['not_final']}"),
        Check("posts not final", f["not_final"] == 0, str(f["not_final"])),
        Check(
            "copies per post in the sandbox",
            f["duplicates"] == 0,
            f"min {f['copies_min']}, max {f['copies_max']}; posts with more than one: "
            f"{f['duplicates']}",
        ),
        Check(
            "lost (no copy and not surfaced as FAILED)",
            f["lost"] == 0,
            f"{f['lost']} (PUBLISHED in Herald but absent from the sandbox: "
            f"{f['published_not_landed']})",
        ),
        Check(
            "each account's sandbox count = posts Herald published to it (+ its in_doubt)",
            f["accounts_matching"] == f["accounts"],
            f"{f['accounts_matching']}/{f['accounts']} accounts",
        ),
        Check(
            "failed for a reason other than in_doubt",
            f["failed_other"] == 0,
            f"{f['failed_other']} {dict(f['failed_codes']) or ''}".strip(),
        ),
        Check("sandbox posts matching no Herald post", f["strangers"] == 0, str(f["strangers"])),
        Check(
            "clusters that died by themselves",
            not run.marks.get("crashed"),
            str(run.marks.get("crashed", 0)),
        ),
    ]


def print_figures(f: dict) -> None:
    if f["published"]:
        print(
            f"  drained {f['posts']} posts in {f['drain_s']:.1f} s = {f['posts_per_s']:.1f} "
            f"posts/s; lag p50 {f['lag_p50']:.2f} s, p99 {f['lag_p99']:.2f} s"
        )
    print(f"  statuses: {f['statuses']}")
    print(
        f"  copies per post in the sandbox: min {f['copies_min']}, max {f['copies_max']}; "
        f"duplicates {f['duplicates']}; lost {f['lost']}; not final {f['not_final']}"
    )
    print(
        f"  accounts whose sandbox count equals Herald's published count (up to its in_doubt): "
        f"{f['accounts_matching']}/{f['accounts']}"
    )
    print(
        f"  in_doubt surfaced: {f['in_doubt']} (already on the platform: {f['in_doubt_landed']}); "
        f"reconcile events: {f['reconcile_events']} (found by reconcile: "
        f"{f['found_by_reconcile']}, leases recovered: {f['recovered_leases']})"
    )
    if f["in_doubt"]:
        print(f"  in_doubt by platform: {f['in_doubt_platforms']}")
        for reason in f["in_doubt_reasons"]:
            print(f"    {reason[:220]}")
    print(f"  cluster log errors: {f['errors']}")
    for line in f["last_errors"]:
        print(f"    {line[:220]}")


def verdict(name: str, checks: list[Check], summary: str) -> bool:
    print()
    for check in checks:
        print(f"  {'PASS' if check.ok else 'FAIL'}  {check.name}: {check.detail}")
    passed = all(check.ok for check in checks)
    failed = sum(1 for check in checks if not check.ok)
    outcome = "PASS" if passed else f"FAIL ({failed} of {len(checks)} checks)"
    print(f"\ndrill-{name}: {outcome} - {summary}\n")
    return passed


# --- what the drills share -------------------------------------------------------------------


def header(name: str, args: argparse.Namespace, clusters, what: str, rate_limits: str) -> None:
    engine = " ".join(f"{k}={v}" for k, v in ENGINE_ENVIRONMENT.items())
    print(f"\n=== drill-{name}: {what}")
    print(
        f"    sandbox: {args.latency_ms} ms latency, {args.failure_rate:.0%} transient failures, "
        f"one server per platform on 127.0.0.1:{min(servers.SANDBOX_PORTS.values())}-"
        f"{max(servers.SANDBOX_PORTS.values())}"
    )
    print(
        f"    engine: {engine} Q_WORKERS={args.workers}; rate limits {rate_limits} per account; "
        f"clusters: {clusters}"
    )
    print(
        f"    PostgreSQL 127.0.0.1:{servers.HERALD_PG[1]} (sandbox's: {servers.SANDBOX_PG[1]}), "
        f"Redis 127.0.0.1:{servers.REDIS_PORT}\n"
    )


def burst_run(name: str, args: argparse.Namespace, clusters: int, *, during_factory=None) -> Run:
    """Reset, create the burst, start the clusters, make it due, drain, stop."""
    from django.utils import timezone

    reset_everything()
    prefix = f"{name}{int(time.time())}"
    run = Run(name=f"{name} x{clusters}", ids=create_drill_posts(args.posts, args.accounts, prefix))
    sampler = None
    try:
        start_clusters(run, clusters)
        sampler = Sampler(run.clusters).start()
        make_due(run.ids, timezone.now())
        run.marks["due_at"] = timezone.now()
        drain(run, args, during=during_factory(run) if during_factory else None)
    finally:
        if sampler is not None:
            sampler.stop()
            run.resources = sampler.report()
        stop_clusters(run)
    return run


def cluster_counts(args: argparse.Namespace, default: str) -> list[int]:
    return [int(n) for n in (args.clusters or default).split(",")]


def outage(run: Run, args: argparse.Namespace, what: str, stop, start):
    """A ``during`` hook: ``stop`` once ``--fault-at`` of the posts are final, then ``start``
    again ``--outage`` seconds later."""

    def action() -> None:
        run.note(f"stopping {what}")
        stop()
        run.marks["down_at"] = dt.datetime.now(dt.UTC)
        time.sleep(args.outage)
        start()
        run.marks["up_at"] = dt.datetime.now(dt.UTC)
        run.note(f"{what} is back after {args.outage} s")

    return once(args.fault_at, len(run.ids), action)
