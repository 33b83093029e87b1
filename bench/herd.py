"""Benchmark: a backlog behind one full rate window, on a simulated clock.

100 posts come due at once for one X account limited to 10 posts a minute. The
engine runs in this process (tick, then the workers' tasks) on a clock that
jumps to the next moment something is due, until every post is out. Prints how
many times rows were handed to workers, how many holds were written, and the
audit events per publication.

    .venv/bin/python bench/herd.py                  # a throwaway SQLite file
    .venv/bin/python bench/herd.py --posts 100 --limit 10/60
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CALLS: collections.Counter = collections.Counter()


# --- the platform: answers at once, counts every call ------------------------------------


def validate(post):
    return []


def publish(post, credentials):
    from platforms.base import Published

    CALLS[post.idempotency_key] += 1
    return Published(external_id=f"herd-{post.publication_id}", permalink="")


def reconcile(post, credentials):
    return None


def refresh(credentials):
    return credentials


# --- the run ---------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=100)
    parser.add_argument("--limit", default="10/60", help="posts/seconds for the account")
    parser.add_argument("--steps", type=int, default=10_000, help="clock jumps at most")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if "DATABASE_URL" not in os.environ:
        os.environ["SQLITE_PATH"] = str(Path(tempfile.mkdtemp(prefix="herald-herd-")) / "db")
    os.environ.pop("REDIS_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    import bench.herd as platform_module
    from accounts.models import User
    from content.choices import Status
    from content.models import Content
    from integrations.models import Integration
    from publishing import engine
    from publishing.models import Publication, PublicationEvent

    call_command("migrate", verbosity=0)
    count, seconds = (int(part) for part in args.limit.split("/"))
    settings.PLATFORM_MODULES = dict.fromkeys(settings.PLATFORM_MODULES, "bench.herd")
    settings.PLATFORM_RATE_LIMITS = {**settings.PLATFORM_RATE_LIMITS, "twitter": (count, seconds)}

    clock = [dt.datetime(2030, 1, 1, 9, 0, tzinfo=dt.UTC)]
    timezone.now = lambda: clock[0]  # every timestamp Herald writes comes from here

    owner = User.objects.create(username="herd")
    account = Integration.objects.create(
        user=owner, provider="twitter", external_account_id="herd", access_token="herd-token"
    )
    contents = Content.objects.bulk_create(
        Content(owner=owner, body=f"herd post {n}", scheduled_for=clock[0])
        for n in range(args.posts)
    )
    Publication.objects.bulk_create(
        Publication(
            content=content,
            platform="twitter",
            integration=account,
            account_key=f"integration:{account.pk}",
            idempotency_key=f"herd-{content.pk}",
            status=Status.SCHEDULED,
            next_attempt_at=clock[0],
        )
        for content in contents
    )
    start = clock[0]
    handed_total = 0
    ticks = 0
    for _ in range(args.steps):
        handed: list[int] = []
        engine.tick(budget_seconds=0, enqueue=handed.append)
        ticks += 1
        handed_total += len(handed)
        if hasattr(engine, "publish_batch"):
            for first in range(0, len(handed), settings.PUBLISH_BATCH_SIZE):
                engine.publish_batch(handed[first : first + settings.PUBLISH_BATCH_SIZE])
        else:
            for pk in handed:
                engine.publish_one(pk)
        left = Publication.objects.exclude(status=Status.PUBLISHED)
        if not left.exists():
            break
        upcoming = (
            left.filter(next_attempt_at__isnull=False)
            .order_by("next_attempt_at")
            .values_list("next_attempt_at", flat=True)
            .first()
        )
        clock[0] = max(clock[0] + dt.timedelta(seconds=1), upcoming)
    events = collections.Counter(PublicationEvent.objects.values_list("publication_id", flat=True))
    holds = PublicationEvent.objects.filter(reason__startswith="held:").count()
    published = Publication.objects.filter(status=Status.PUBLISHED).count()
    sends = sum(platform_module.CALLS.values())
    print(
        f"Backlog of {args.posts} posts on one account, limit {count} per {seconds} s "
        f"(engine: {'publish_batch' if hasattr(engine, 'publish_batch') else 'publish_one'})"
    )
    print(
        f"  published {published}, platform calls {sends}, sent twice {sum(1 for n in platform_module.CALLS.values() if n > 1)}"
    )
    print(f"  drained in {(clock[0] - start).total_seconds():.0f} simulated s over {ticks} ticks")
    print(
        f"  handed to workers {handed_total} times: {handed_total - args.posts} re-dispatches, "
        f"{(handed_total - args.posts) / args.posts:.2f} per publication"
    )
    print(
        f"  audit events {sum(events.values())}: {sum(events.values()) / args.posts:.2f} per "
        f"publication, at most {max(events.values())} on one; hold events {holds}"
    )


if __name__ == "__main__":
    main()
