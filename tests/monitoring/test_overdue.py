"""/health/, /metrics and the dashboard read "overdue" from one setting, and agree."""

import datetime as dt

import pytest
from django.utils import timezone

from content.choices import Status
from publishing.models import EngineHeartbeat
from tests.factories import PublicationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_one_setting_moves_health_metrics_and_the_dashboard_together(client, settings, scrape):
    settings.PUBLISH_OVERDUE_AFTER = 120
    EngineHeartbeat.objects.create(name="tick", last_tick_at=timezone.now())
    PublicationFactory(
        status=Status.SCHEDULED, next_attempt_at=timezone.now() - dt.timedelta(minutes=3)
    )
    PublicationFactory(
        status=Status.SCHEDULED, next_attempt_at=timezone.now() - dt.timedelta(seconds=60)
    )
    health = client.get("/health/")
    assert health.status_code == 503
    assert health.json()["checks"]["overdue"]["count"] == 1
    assert health.json()["checks"]["overdue"]["limit_seconds"] == 120
    metrics = scrape()
    assert metrics.value("herald_publications_overdue") == 1
    assert "not picked up within 120 s" in metrics.text
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get("/admin/dashboard/").context["health"].overdue == 1


def test_a_row_workers_never_take_is_overdue_from_when_it_first_became_due(
    client, settings, scrape, django_capture_on_commit_callbacks
):
    """A live tick hands the row out again every 90 s; stuck workers never take it."""
    from publishing import engine

    settings.PUBLISH_OVERDUE_AFTER = 120
    now = timezone.now()
    due_at = now - dt.timedelta(seconds=200)
    row = PublicationFactory(status=Status.SCHEDULED, next_attempt_at=due_at)
    # The tick hands it out, its grace ends, the tick hands it out again, and again.
    for when in (due_at + dt.timedelta(seconds=5), due_at + dt.timedelta(seconds=100), now):
        with django_capture_on_commit_callbacks(execute=True):
            assert engine.dispatch_due_batch(when, enqueue=lambda pk: None) == 1
        row.refresh_from_db()
        assert (row.status, row.first_due_at) == (Status.QUEUED, due_at)  # kept each time
        assert row.next_attempt_at > when  # never due for long: invisible before
    EngineHeartbeat.objects.create(name="tick", last_tick_at=now)
    health = client.get("/health/")
    assert health.status_code == 503
    assert health.json()["checks"]["overdue"]["count"] == 1
    assert health.json()["checks"]["overdue"]["oldest_seconds"] >= 200
    assert scrape().value("herald_publications_overdue") == 1
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get("/admin/dashboard/").context["health"].overdue == 1


def test_a_hold_restarts_the_wait(settings):
    """A row held by a full window is not due: its wait begins again when the hold ends."""
    from publishing import selectors

    settings.PUBLISH_OVERDUE_AFTER = 120
    now = timezone.now()
    PublicationFactory(
        status=Status.QUEUED,
        hold_kind="rate_window",
        next_attempt_at=now + dt.timedelta(minutes=30),
        first_due_at=None,
    )
    assert selectors.overdue_publications_summary(now).count == 0
    later = now + dt.timedelta(minutes=31)
    assert selectors.overdue_publications_summary(later).count == 0
    assert selectors.overdue_publications_summary(later + dt.timedelta(minutes=2)).count == 1
