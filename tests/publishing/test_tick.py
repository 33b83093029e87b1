"""The tick is installed by migration, polls within its budget, and records its pulse."""

import datetime as dt

import pytest
from django.utils import timezone
from django_q import signing
from django_q.brokers import get_broker
from django_q.models import Schedule

from publishing import engine, tasks
from publishing.models import EngineHeartbeat
from tests.factories import PublicationFactory

pytestmark = pytest.mark.django_db


def test_migration_installs_the_tick_schedule():
    schedule = Schedule.objects.get(name="publishing tick")
    assert (schedule.func, schedule.schedule_type, schedule.minutes, schedule.repeats) == (
        "publishing.tasks.tick",
        Schedule.MINUTES,
        1,
        -1,
    )


def test_tick_keeps_polling_until_its_budget_is_spent(settings, django_capture_on_commit_callbacks):
    settings.TICK_POLL_SECONDS = 1
    handed: list[int] = []
    with django_capture_on_commit_callbacks(execute=True):
        report = engine.tick(budget_seconds=2.5, enqueue=handed.append)
    assert 2 <= report.passes <= 3  # one pass a second, however slow the machine
    heartbeat = EngineHeartbeat.objects.get(name="tick")
    assert heartbeat.last_tick_at > timezone.now() - dt.timedelta(seconds=5)
    assert heartbeat.last_tick_seconds >= 2


def test_task_entry_point_reports_what_it_did(settings, monkeypatch):
    settings.TICK_BUDGET_SECONDS = 0
    PublicationFactory.create_batch(3)
    monkeypatch.setattr(engine, "enqueue_publication", lambda pk: None)
    assert tasks.tick().startswith("passes=1 dispatched=3 ")


def test_enqueue_publication_puts_a_task_on_the_configured_broker():
    broker = get_broker()
    broker.purge_queue()
    engine.enqueue_publication(12345)
    assert broker.queue_size() == 1
    task = signing.SignedPackage.loads(broker.dequeue()[0][1])
    assert (task["func"], task["args"], task["group"]) == (
        "publishing.tasks.publish_one",
        (12345,),
        "publish",
    )
    broker.purge_queue()
