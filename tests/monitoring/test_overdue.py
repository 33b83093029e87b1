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
