"""The operator's dashboard: what it counts, and in how few queries."""

import datetime as dt

import pytest
from django.utils import timezone

from content.choices import Status
from publishing import dashboard
from publishing.models import EngineHeartbeat, Publication
from publishing.services import Target, schedule_content
from publishing.states import transition
from tests.factories import ContentFactory, IntegrationFactory, PublicationFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = "/admin/dashboard/"


def post(owner, when, body="Post", platforms=("twitter",)):
    return schedule_content(
        owner=owner, body=body, targets=[Target(p) for p in platforms], scheduled_for=when
    )


def fail(publication, code, message):
    transition(publication, Status.QUEUED, reason="due")
    transition(publication, Status.PUBLISHING, reason="claimed")
    transition(publication, Status.FAILED, reason=message, last_error_code=code, last_error=message)


def publish(publication, lag_seconds):
    transition(publication, Status.QUEUED, reason="due")
    transition(publication, Status.PUBLISHING, reason="claimed")
    transition(
        publication,
        Status.PUBLISHED,
        reason="published",
        published_at=publication.content.scheduled_for + dt.timedelta(seconds=lag_seconds),
    )


def test_dashboard_shows_counts_timeline_failures_limits_and_health(
    staff_client, django_assert_max_num_queries
):
    now = timezone.now()
    owner = UserFactory(username="alice")
    account = IntegrationFactory(user=owner, provider="discord")
    for hours in (1, 5, 30):
        post(owner, now + dt.timedelta(hours=hours), body=f"In {hours} hours")
    failed = post(owner, now - dt.timedelta(minutes=10), body="Broke").publications.get()
    fail(failed, "duplicate", "X: You are not allowed to create a Tweet with duplicate content.")
    for n in range(3):
        row = PublicationFactory(
            content=ContentFactory(owner=owner, scheduled_for=now - dt.timedelta(minutes=n + 1)),
            platform="discord",
            integration=account,
            account_key=f"integration:{account.pk}",
            rate_slot_at=now - dt.timedelta(minutes=1),
        )
        publish(row, lag_seconds=2)
    EngineHeartbeat.objects.create(name="tick", last_tick_at=now, last_tick_seconds=0.4)
    with django_assert_max_num_queries(14):
        response = staff_client.get(URL)
    html = response.content.decode()
    counts = dict((status.value, n) for status, n in response.context["state_counts"])
    assert counts == {
        "SCHEDULED": 3,
        "QUEUED": 0,
        "PUBLISHING": 0,
        "PUBLISHED": 3,
        "RETRYING": 0,
        "FAILED": 1,
        "CANCELED": 0,
    }
    timeline = html.split('id="herald-upcoming"')[1].split("</section>")[0]
    assert "In 1 hours" in timeline and "In 5 hours" in timeline and "In 30 hours" not in timeline
    failures = html.split('id="herald-failures"')[1].split("</section>")[0]
    assert "duplicate content" in failures and "<code>duplicate</code>" in failures
    limits = html.split('id="herald-rate-limits"')[1].split("</section>")[0]
    assert "3 / 50" in limits and account.display_name in limits
    health = response.context["health"]
    assert (health.lag_p50, health.lag_p99, health.published_last_hour) == (2.0, 2.0, 3)
    assert "The scheduler is ticking." in html


def test_a_silent_scheduler_and_overdue_rows_are_flagged(staff_client):
    now = timezone.now()
    EngineHeartbeat.objects.create(name="tick", last_tick_at=now - dt.timedelta(minutes=10))
    post(UserFactory(), now - dt.timedelta(minutes=6))
    response = staff_client.get(URL)
    assert response.context["health"].overdue == 1
    assert "No tick in the last 3 minutes" in response.content.decode()


def test_publish_lag_percentiles_over_the_last_hour_only():
    now = timezone.now()
    owner = UserFactory()
    for lag in range(1, 101):  # 1 .. 100 seconds
        row = post(owner, now - dt.timedelta(minutes=30, seconds=lag)).publications.get()
        publish(row, lag_seconds=lag)
    old = post(owner, now - dt.timedelta(hours=3)).publications.get()
    publish(old, lag_seconds=5000)
    p50, p99, count = dashboard.publish_lag(now)
    assert count == 100
    assert p50 == pytest.approx(50.5)
    assert p99 == pytest.approx(99.01)


def test_percentile_interpolates_like_percentile_cont():
    assert dashboard.percentile([], 0.5) is None
    assert dashboard.percentile([3.0], 0.99) == 3.0
    assert dashboard.percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5


def test_the_admin_index_links_the_dashboard_and_the_switches(staff_client):
    html = staff_client.get("/admin/").content.decode()
    assert 'href="/admin/dashboard/"' in html and 'href="/admin/switches/"' in html


def test_the_dashboard_needs_a_staff_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert Publication.objects.count() == 0
