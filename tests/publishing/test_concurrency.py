"""Four workers at once over 500 due publications: each platform call happens exactly once."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from content.choices import FINAL_STATUSES, Status
from publishing import engine
from publishing.models import Publication
from publishing.services import Target, schedule_content
from tests.factories import IntegrationFactory, UserFactory

WORKERS = 4
POSTS = 500


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_four_workers_publish_each_due_row_exactly_once(fake_platform, settings):
    settings.PUBLISH_BATCH_SIZE = 25
    # Generous limits: this test is about claims, not rate limits.
    settings.PLATFORM_RATE_LIMITS = dict.fromkeys(settings.PLATFORM_RATE_LIMITS, (10_000, 3600))
    due = timezone.now() - dt.timedelta(seconds=5)
    owners = [UserFactory() for _ in range(10)]
    for n in range(POSTS):
        owner = owners[n % len(owners)]
        platform = ("twitter", "discord", "instagram", "youtube")[n % 4]
        account = IntegrationFactory(user=owner, provider=platform)
        schedule_content(
            owner=owner, body=f"post {n}", targets=[Target(platform, account)], scheduled_for=due
        )
    errors: list[BaseException] = []
    start = threading.Barrier(WORKERS)

    def worker():
        try:
            start.wait()
            for _ in range(200):
                handed: list[int] = []
                engine.tick(budget_seconds=0, enqueue=handed.append)
                # Every worker also tries its neighbours' rows: duplicates must be refused.
                for pk in handed + handed[:5]:
                    engine.publish_one(pk)
                if (
                    not handed
                    and not Publication.objects.exclude(status__in=FINAL_STATUSES).exists()
                ):
                    break
        except BaseException as error:  # reported below, with the test's own assertion
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert errors == []
    assert len(fake_platform.calls) == POSTS
    assert max(fake_platform.per_key.values()) == 1
    assert Publication.objects.filter(status=Status.PUBLISHED).count() == POSTS
    assert not Publication.objects.exclude(status__in=FINAL_STATUSES).exists()
