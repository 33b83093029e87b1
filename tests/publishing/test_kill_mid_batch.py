"""A worker killed (SIGKILL) in the middle of a batch: nothing lost, nothing sent twice."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from content.choices import Status
from platforms import registry
from publishing import engine
from publishing.models import Publication, PublicationEvent
from publishing.services import Target, schedule_content
from tests.factories import IntegrationFactory, UserFactory
from tests.publishing import kill_platform

ROOT = Path(__file__).resolve().parents[2]
POSTS = 20
ANSWERED = 6
CONCURRENCY = 4


def wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(
    settings, tmp_path, monkeypatch
):
    log = tmp_path / "platform.log"
    monkeypatch.setenv("KILL_PLATFORM_LOG", str(log))
    settings.PLATFORM_MODULES = dict.fromkeys(registry.values(), "tests.publishing.kill_platform")
    settings.PUBLISH_CONCURRENCY = CONCURRENCY
    due = timezone.now() - dt.timedelta(seconds=5)
    for n in range(POSTS):
        owner = UserFactory()
        account = IntegrationFactory(user=owner, provider="discord")
        schedule_content(
            owner=owner,
            body=f"post {n}",
            targets=[Target("discord", account)],
            scheduled_for=due + dt.timedelta(milliseconds=n),
        )
    handed: list[int] = []
    engine.tick(budget_seconds=0, enqueue=handed.append)
    assert len(handed) == POSTS

    # The worker: 4 sending threads; the platform answers 6 calls, then hangs.
    database = connection.settings_dict
    environment = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}"
        f"/{database['NAME']}",
        "PUBLISH_CONCURRENCY": str(CONCURRENCY),
        "KILL_PLATFORM_ANSWER": str(ANSWERED),
        "DATABASE_POOL": "0",
    }
    environment.pop("REDIS_URL", None)
    worker = subprocess.Popen(
        [sys.executable, "-m", "tests.publishing.kill_worker", *map(str, handed)],
        cwd=ROOT,
        env=environment,
        start_new_session=True,
    )
    try:
        # Six answered and recorded; four more out, their answers never coming.
        wait_for(lambda: len(kill_platform.landed()) >= ANSWERED + CONCURRENCY, 60, "the sends")
        wait_for(
            lambda: Publication.objects.filter(status=Status.PUBLISHED).count() >= ANSWERED,
            30,
            "the answered posts to be recorded",
        )
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
    landed_before = kill_platform.landed()
    assert len(landed_before) == ANSWERED + CONCURRENCY
    statuses = dict(Publication.objects.values_list("status").annotate(n=Count("pk")).order_by())
    assert statuses == {Status.PUBLISHED: ANSWERED, Status.PUBLISHING: POSTS - ANSWERED}
    # Every claimed row had its request_sent_at before any request left.
    assert not Publication.objects.filter(request_sent_at__isnull=True).exists()

    # The leases expire; the next tick returns the rows, a new worker reconciles them.
    Publication.objects.filter(status=Status.PUBLISHING).update(
        lease_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    monkeypatch.setenv("KILL_PLATFORM_ANSWER", "0")
    for _ in range(5):
        handed = []
        engine.tick(budget_seconds=0, enqueue=handed.append)
        if not handed:
            break
        engine.publish_batch(handed)
    assert Publication.objects.filter(status=Status.PUBLISHED).count() == POSTS
    landed = kill_platform.landed()
    keys = set(Publication.objects.values_list("idempotency_key", flat=True))
    assert set(landed) == keys  # nothing lost
    assert len(landed) == len(keys) == POSTS  # nothing sent twice
    found = PublicationEvent.objects.filter(reason="found on the platform by reconcile")
    assert found.count() == CONCURRENCY  # the four whose answers never came
    resent = PublicationEvent.objects.filter(reason__startswith="the worker's lease expired")
    assert resent.count() == POSTS - ANSWERED
