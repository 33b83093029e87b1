"""Deliveries reach a real receiver, signed, retried, isolated from slow endpoints."""

import datetime as dt
import time

import pytest
from django.utils import timezone

from content.choices import Status
from publishing import engine
from publishing.services import Target, schedule_content
from tests.factories import IntegrationFactory
from webhooks import dispatch
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from webhooks.signals import endpoint_disabled

pytestmark = pytest.mark.django_db


def schedule_due(owner, body="Launch day"):
    account = IntegrationFactory(user=owner, provider="twitter")
    return schedule_content(
        owner=owner,
        body=body,
        targets=[Target("twitter", integration=account)],
        scheduled_for=timezone.now() - dt.timedelta(seconds=1),
    )


def publish_everything_due(capture) -> None:
    """The engine as a worker runs it (the fake platform answers), committing each step."""
    for _ in range(5):
        handed: list[int] = []
        with capture(execute=True):
            engine.tick(budget_seconds=0, enqueue=handed.append)
        if not handed:
            return
        for pk in handed:
            with capture(execute=True):
                engine.publish_one(pk)


def make_due(delivery_ids=None) -> None:
    rows = WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING)
    if delivery_ids is not None:
        rows = rows.filter(pk__in=delivery_ids)
    rows.update(next_attempt_at=timezone.now())


def test_a_published_post_reaches_the_receiver_signed(
    owner, receivers, endpoint_at, django_capture_on_commit_callbacks
):
    receiver = receivers()
    endpoint_at(receiver, events=["publication.published"])
    content = schedule_due(owner)
    publish_everything_due(django_capture_on_commit_callbacks)
    publication = content.publications.get()
    assert publication.status == Status.PUBLISHED
    assert receiver.received == []  # publishing never delivers inline

    report = dispatch.deliver_due(budget_seconds=5)

    assert (report.sent, report.succeeded) == (1, 1)
    [delivery] = receiver.received
    assert delivery.verified and delivery.answered == 200
    assert delivery.headers["webhook-id"].startswith("msg_")
    assert delivery.headers["webhook-signature"].startswith("v1,")
    assert set(delivery.payload) == {"type", "timestamp", "data"}
    assert delivery.payload["type"] == "publication.published"
    assert delivery.payload["data"] == {
        "publication_id": publication.pk,
        "content_id": content.pk,
        "platform": "twitter",
        "integration_id": publication.integration_id,
        "status": "PUBLISHED",
        "attempts": 1,
        "permalink": f"https://fake.example/{publication.pk}",
        "external_id": f"ext-{publication.pk}",
        "published_at": publication.published_at.isoformat(),
    }
    row = WebhookDelivery.objects.get()
    assert (row.status, row.attempts, row.last_status_code) == ("succeeded", 1, 200)
    attempt = WebhookAttempt.objects.get()
    assert attempt.succeeded and attempt.status_code == 200
    assert attempt.response_body == '{"seen": 1}'


def test_a_receiver_failing_twice_gets_the_event_on_the_third_attempt_with_the_same_id(
    owner, receivers, endpoint_at
):
    receiver = receivers()
    receiver.script = [500, 500]
    endpoint_at(receiver)
    schedule_due(owner)  # content.scheduled

    first = dispatch.deliver_due(budget_seconds=5)
    delivery = WebhookDelivery.objects.get()
    assert (first.failed, delivery.status, delivery.retries) == (1, "pending", 1)
    # 5 s later, with a tenth of jitter either way
    wait = (delivery.next_attempt_at - delivery.last_attempt_at).total_seconds()
    assert 4.4 <= wait <= 5.6
    make_due()
    dispatch.deliver_due(budget_seconds=5)
    delivery.refresh_from_db()
    assert delivery.retries == 2
    # then about 5 minutes
    wait = (delivery.next_attempt_at - delivery.last_attempt_at).total_seconds()
    assert 269 <= wait <= 331
    make_due()
    dispatch.deliver_due(budget_seconds=5)

    assert [d.answered for d in receiver.received] == [500, 500, 200]
    assert all(d.verified for d in receiver.received)
    assert len({d.headers["webhook-id"] for d in receiver.received}) == 1
    assert len({d.body for d in receiver.received}) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 3)
    log = list(WebhookAttempt.objects.order_by("pk").values_list("status_code", "error"))
    assert log == [
        (500, "The endpoint answered 500."),
        (500, "The endpoint answered 500."),
        (200, ""),
    ]
    assert WebhookEndpoint.objects.get().failing_since is None


def test_retries_give_up_after_the_schedule(owner, receivers, endpoint_at, settings):
    settings.WEBHOOK_RETRY_SCHEDULE = [1, 1]
    receiver = receivers()
    receiver.script = [500, 500, 500, 500]
    endpoint_at(receiver)
    schedule_due(owner)
    for _ in range(3):
        dispatch.deliver_due(budget_seconds=5)
        make_due()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 3, None)
    assert len(receiver.received) == 3


def test_410_gone_disables_the_endpoint_and_says_so(owner, receivers, endpoint_at):
    receiver = receivers()
    receiver.script = [410]
    endpoint = endpoint_at(receiver)
    schedule_due(owner, body="one")
    schedule_due(owner, body="two")
    told = []

    def listen(**kwargs):
        told.append(kwargs)

    endpoint_disabled.connect(listen, weak=False)
    try:
        settings_threads = dispatch.settings.WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT
        assert settings_threads >= 1
        # One at a time: the 410 comes first, the second delivery then never goes out.
        dispatch.settings.WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT = 1
        report = dispatch.deliver_due(budget_seconds=5)
    finally:
        # Only this test's receiver: the notifications app's stays connected for later tests.
        endpoint_disabled.disconnect(listen)
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert (
        endpoint.disabled_reason == "The endpoint answered 410 Gone: Herald stopped sending to it."
    )
    assert report.disabled == [endpoint.pk]
    assert len(receiver.received) == 1
    assert sorted(WebhookDelivery.objects.values_list("status", flat=True)) == ["failed", "failed"]
    [signal] = told
    assert signal["endpoint_id"] == endpoint.pk
    assert signal["owner_id"] == owner.pk
    assert signal["url"] == receiver.url
    assert "410 Gone" in signal["reason"]


def test_an_endpoint_failing_for_five_days_is_disabled(owner, receivers, endpoint_at):
    receiver = receivers()
    receiver.script = [500, 500]
    endpoint = endpoint_at(receiver)
    schedule_due(owner)
    dispatch.deliver_due(budget_seconds=5)
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.failing_since is not None
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        failing_since=timezone.now() - dt.timedelta(days=5, minutes=1)
    )
    make_due()
    dispatch.deliver_due(budget_seconds=5)
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert endpoint.disabled_reason.startswith("Every delivery has failed for 5 days")


def test_a_slow_endpoint_never_holds_up_another(owner, receivers, endpoint_at, settings):
    settings.WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT = 2
    slow, fast = receivers(), receivers()
    slow.delay = 1.5
    endpoint_at(slow)
    endpoint_at(fast)
    for n in range(6):
        schedule_due(owner, body=f"post {n}")
    started = time.monotonic()

    report = dispatch.deliver_due(budget_seconds=20)

    assert report.succeeded == 12
    fast_done = max(d.received_at for d in fast.received) - started
    slow_done = max(d.received_at for d in slow.received) - started
    # The fast receiver had all six while the slow one was on its first two.
    assert fast_done < 1.0, fast_done
    # The slow one, two at a time: three rounds of 1.5 s.
    assert slow_done >= 3.0, slow_done
    assert all(d.verified for d in slow.received + fast.received)


def test_a_sleeping_receiver_does_not_slow_publishing(
    owner, receivers, endpoint_at, django_capture_on_commit_callbacks
):
    slow = receivers()
    slow.delay = 2
    endpoint_at(slow)
    for n in range(5):
        schedule_due(owner, body=f"post {n}")
    started = time.monotonic()
    publish_everything_due(django_capture_on_commit_callbacks)
    publishing_took = time.monotonic() - started
    assert owner.contents.filter(status=Status.PUBLISHED).count() == 5
    assert publishing_took < 1.5, publishing_took
    assert slow.received == []
    # The wake-ups went to the queue; the sleeping receiver is the dispatcher's business.
    from django_q.models import OrmQ

    assert OrmQ.objects.count() >= 5


def test_a_rotated_secret_signs_the_next_attempt(owner, receivers, endpoint_at):
    from webhooks.services import rotate_secret

    receiver = receivers()
    endpoint = endpoint_at(receiver)
    schedule_due(owner)
    receiver.secret = rotate_secret(endpoint)
    dispatch.deliver_due(budget_seconds=5)
    assert [d.verified for d in receiver.received] == [True]


def test_an_unreachable_endpoint_is_logged_and_retried(owner, endpoint_at, receivers):
    receiver = receivers()
    endpoint = endpoint_at(receiver)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url="http://127.0.0.1:9/closed")
    schedule_due(owner)
    report = dispatch.deliver_due(budget_seconds=5)
    assert report.failed == 1
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None
    assert attempt.error == "The request failed: ConnectionError."
    assert WebhookDelivery.objects.get().status == "pending"
