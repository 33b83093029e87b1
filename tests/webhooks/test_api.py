"""The webhooks API: the secret once, the delivery log, resend and replay, and isolation."""

import datetime as dt

import pytest
from standardwebhooks import Webhook

from publishing.services import Target, schedule_content
from tests.api.conftest import client_for
from tests.factories import UserFactory
from webhooks import dispatch
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

pytestmark = pytest.mark.django_db

LATER = dt.datetime(2031, 5, 1, 9, 30, tzinfo=dt.UTC)


def schedule(owner, body="Hello"):
    return schedule_content(
        owner=owner, body=body, targets=[Target("twitter")], scheduled_for=LATER
    )


@pytest.fixture
def api(owner):
    return client_for(owner)


@pytest.fixture
def registered(api, receivers):
    receiver = receivers()
    answer = api.post(
        "/api/v1/webhooks/",
        {"url": receiver.url, "events": ["content.scheduled"], "description": "my app"},
        format="json",
    )
    assert answer.status_code == 201, answer.content
    receiver.secret = answer.json()["secret"]
    return receiver, answer.json()


def test_create_shows_the_secret_once(api, registered, owner):
    _receiver, created = registered
    assert created["secret"].startswith("whsec_")
    assert created["events"] == ["content.scheduled"]
    assert created["is_active"] is True
    detail = api.get(f"/api/v1/webhooks/{created['id']}/").json()
    listed = api.get("/api/v1/webhooks/").json()["results"]
    assert "secret" not in detail and "secret" not in listed[0]
    assert created["secret"] not in str(detail) + str(listed)
    # stored encrypted: the column holds no plaintext
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM webhooks_webhookendpoint")
        [(stored,)] = cursor.fetchall()
    assert created["secret"] not in str(stored)


def test_rotate_secret_answers_a_new_one_that_signs_from_then_on(api, registered, owner):
    receiver, created = registered
    rotated = api.post(f"/api/v1/webhooks/{created['id']}/rotate-secret/").json()
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != created["secret"]
    schedule(owner)
    receiver.secret = rotated["secret"]
    dispatch.deliver_due(budget_seconds=5)
    assert [d.verified for d in receiver.received] == [True]


def test_the_test_event_and_the_delivery_log(api, registered):
    receiver, created = registered
    queued = api.post(f"/api/v1/webhooks/{created['id']}/test/")
    assert queued.status_code == 202
    assert queued.json()["event_type"] == "webhook.test"
    assert queued.json()["status"] == "pending"
    dispatch.deliver_due(budget_seconds=5)
    log = api.get(f"/api/v1/webhooks/{created['id']}/deliveries/").json()
    [delivery] = log["results"]
    assert delivery["status"] == "succeeded"
    assert delivery["webhook_id"] == receiver.received[0].headers["webhook-id"]
    assert delivery["payload"] == receiver.received[0].payload
    [attempt] = delivery["attempt_log"]
    assert attempt["status_code"] == 200
    assert attempt["response_body"] == '{"seen": 1}'
    assert attempt["error"] == ""
    assert attempt["duration_ms"] >= 0
    filtered = api.get(f"/api/v1/webhooks/{created['id']}/deliveries/", {"status": "failed"})
    assert filtered.json()["results"] == []
    bad = api.get(f"/api/v1/webhooks/{created['id']}/deliveries/", {"status": "lost"})
    assert bad.status_code == 400


def test_resend_sends_the_same_message_again(api, registered, owner):
    receiver, created = registered
    schedule(owner)
    dispatch.deliver_due(budget_seconds=5)
    delivery = WebhookDelivery.objects.get()
    answer = api.post(
        f"/api/v1/webhooks/{created['id']}/resend/", {"delivery": delivery.pk}, format="json"
    )
    assert answer.status_code == 202
    assert answer.json()["status"] == "pending"
    dispatch.deliver_due(budget_seconds=5)
    assert len(receiver.received) == 2
    assert len({d.headers["webhook-id"] for d in receiver.received}) == 1
    assert all(d.verified for d in receiver.received)


def test_replay_since_sends_again_everything_after_a_time(api, registered, owner):
    receiver, created = registered
    schedule(owner, body="old")
    schedule(owner, body="new")
    dispatch.deliver_due(budget_seconds=5)
    old, new = WebhookEvent.objects.order_by("pk")
    WebhookEvent.objects.filter(pk=old.pk).update(created_at=old.created_at - dt.timedelta(hours=2))
    since = (new.created_at - dt.timedelta(hours=1)).isoformat()
    answer = api.post(f"/api/v1/webhooks/{created['id']}/replay/", {"since": since}, format="json")
    assert answer.status_code == 202
    assert answer.json() == {"queued": 1}
    dispatch.deliver_due(budget_seconds=5)
    ids = [d.headers["webhook-id"] for d in receiver.received]
    assert ids == [old.message_id, new.message_id, new.message_id] or ids == [
        new.message_id,
        old.message_id,
        new.message_id,
    ]


def test_update_validates_and_turning_on_forgets_failures(api, registered):
    _, created = registered
    url = f"/api/v1/webhooks/{created['id']}/"
    WebhookEndpoint.objects.filter(pk=created["id"]).update(
        is_active=False, disabled_reason="The endpoint answered 410 Gone."
    )
    answer = api.patch(url, {"is_active": True, "events": ["*"]}, format="json")
    assert answer.status_code == 200
    assert (answer.json()["is_active"], answer.json()["disabled_reason"]) == (True, "")
    assert answer.json()["events"] == ["*"]
    unknown = api.patch(url, {"events": ["publication.exploded"]}, format="json")
    assert unknown.status_code == 400
    assert "events.0" in unknown.json()["field_errors"]
    empty = api.patch(url, {"events": []}, format="json")
    assert empty.status_code == 400


def test_delete_removes_the_endpoint(api, registered):
    _, created = registered
    assert api.delete(f"/api/v1/webhooks/{created['id']}/").status_code == 204
    assert WebhookEndpoint.objects.count() == 0


@pytest.mark.parametrize(
    ("method", "suffix", "data"),
    [
        ("get", "", None),
        ("patch", "", {"description": "mine now"}),
        ("put", "", {"url": "http://127.0.0.1:1/x", "events": ["*"]}),
        ("delete", "", None),
        ("post", "rotate-secret/", None),
        ("post", "test/", None),
        ("get", "deliveries/", None),
        ("post", "resend/", {"delivery": 1}),
        ("post", "replay/", {"since": "2020-01-01T00:00:00Z"}),
    ],
)
def test_another_users_endpoint_is_not_found(receivers, method, suffix, data):
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    receiver = receivers()
    from webhooks.services import create_endpoint

    theirs, secret = create_endpoint(owner=bob, url=receiver.url, events=["*"])
    answer = getattr(client_for(alice), method)(
        f"/api/v1/webhooks/{theirs.pk}/{suffix}", data, format="json"
    )
    assert answer.status_code == 404
    assert answer.json()["code"] == "not_found"
    theirs.refresh_from_db()
    assert (theirs.description, theirs.secret, theirs.is_active) == ("", secret, True)
    assert WebhookDelivery.objects.count() == 0
    assert client_for(alice).get("/api/v1/webhooks/").json()["results"] == []


def test_a_delivery_of_another_endpoint_cannot_be_resent(api, registered, owner, receivers):
    _, created = registered
    from webhooks.services import create_endpoint

    other_user = UserFactory(username="other")
    other, _ = create_endpoint(owner=other_user, url=receivers().url, events=["*"])
    schedule(other_user)
    theirs = WebhookDelivery.objects.get(endpoint=other)
    answer = api.post(
        f"/api/v1/webhooks/{created['id']}/resend/", {"delivery": theirs.pk}, format="json"
    )
    assert answer.status_code == 404


def test_the_readme_example_verifies_a_delivery(registered, owner):
    """The receiver code the README shows, run against a real delivery."""
    receiver, created = registered
    schedule(owner)
    dispatch.deliver_due(budget_seconds=5)
    [delivery] = receiver.received
    wh = Webhook(created["secret"])
    event = wh.verify(delivery.body, delivery.headers)
    assert event["type"] == "content.scheduled"
