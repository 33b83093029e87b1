"""The webhooks admin: endpoints for any user without their secret, resend and replay, each
behind its own permission."""

import datetime as dt

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from tests.factories import UserFactory
from tests.operators import grant, messages_of
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services import create_endpoint, record_event

pytestmark = pytest.mark.django_db

DELIVERIES = reverse("admin:webhooks_webhookdelivery_changelist")
ENDPOINTS = reverse("admin:webhooks_webhookendpoint_changelist")


@pytest.fixture
def failed_delivery(owner, receivers):
    _endpoint, secret = create_endpoint(owner=owner, url=receivers().url, events=["*"])
    record_event(owner_id=owner.pk, type="entitlement.limit_reached", data={"limit": "posts"})
    WebhookDelivery.objects.update(status="failed", retries=7, next_attempt_at=None)
    return WebhookDelivery.objects.get(), secret


def staff(client, *codenames):
    user = UserFactory(username="staff-" + "-".join(codenames or ("none",)), is_staff=True)
    for codename in codenames:
        grant(user, codename)
    client.force_login(user)
    return user


def send_again(client, delivery):
    return client.post(
        DELIVERIES,
        {"action": "send_again", ACTION_CHECKBOX_NAME: [delivery.pk]},
        follow=True,
    )


def test_an_operator_adds_an_endpoint_for_a_user_and_never_sees_its_secret(
    staff_client, owner, receivers
):
    url = receivers().url
    answer = staff_client.post(
        reverse("admin:webhooks_webhookendpoint_add"),
        {
            "owner": owner.pk,
            "url": url,
            "events": ["publication.failed"],
            "description": "",
            "is_active": "on",
        },
        follow=True,
    )
    assert answer.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret.startswith("whsec_")
    assert (endpoint.owner, endpoint.url, endpoint.events) == (owner, url, ["publication.failed"])
    assert any("rotate-secret" in m for m in messages_of(answer))
    page = staff_client.get(reverse("admin:webhooks_webhookendpoint_change", args=[endpoint.pk]))
    assert page.status_code == 200
    assert endpoint.secret not in page.content.decode()
    listing = staff_client.get(ENDPOINTS)
    assert endpoint.secret not in listing.content.decode()


def test_the_admin_refuses_a_private_address_in_production(staff_client, owner, settings):
    settings.WEBHOOK_ALLOW_LOCAL_URLS = False
    answer = staff_client.post(
        reverse("admin:webhooks_webhookendpoint_add"),
        {"owner": owner.pk, "url": "https://10.0.0.1/in", "events": ["*"], "is_active": "on"},
    )
    assert answer.status_code == 200
    assert "Herald only calls public addresses" in answer.content.decode()
    assert WebhookEndpoint.objects.count() == 0


def test_the_secret_cannot_be_filtered_for(staff_client, failed_delivery):
    _, _secret = failed_delivery
    answer = staff_client.get(ENDPOINTS, {"secret__startswith": "whsec_"})
    assert answer.status_code == 400


def test_send_again_needs_its_permission(client, failed_delivery):
    delivery, _ = failed_delivery
    staff(client, "view_webhookdelivery")
    page = client.get(DELIVERIES)
    assert page.status_code == 200
    assert "send_again" not in page.content.decode()
    send_again(client, delivery)
    delivery.refresh_from_db()
    assert delivery.status == "failed"

    client.logout()
    staff(client, "view_webhookdelivery", "resend_webhookdelivery")
    answer = send_again(client, delivery)
    assert messages_of(answer) == ["1 deliveries queued again."]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.retries) == ("pending", 0)


def test_replay_needs_its_permission(client, failed_delivery):
    delivery, _ = failed_delivery
    endpoint = delivery.endpoint
    staff(client, "view_webhookendpoint")
    denied = client.post(
        ENDPOINTS,
        {
            "action": "replay",
            ACTION_CHECKBOX_NAME: [endpoint.pk],
            "apply": "1",
            "since": "2020-01-01 00:00:00",
        },
        follow=True,
    )
    assert denied.status_code == 200
    delivery.refresh_from_db()
    assert delivery.status == "failed"

    client.logout()
    staff(client, "view_webhookendpoint", "replay_webhookendpoint")
    form = client.post(ENDPOINTS, {"action": "replay", ACTION_CHECKBOX_NAME: [endpoint.pk]})
    assert form.status_code == 200
    assert "Replay events since" in form.content.decode()
    since = (delivery.event.created_at - dt.timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S")
    done = client.post(
        ENDPOINTS,
        {"action": "replay", ACTION_CHECKBOX_NAME: [endpoint.pk], "apply": "1", "since": since},
        follow=True,
    )
    assert messages_of(done) == ["1 deliveries queued again."]
    delivery.refresh_from_db()
    assert delivery.status == "pending"


@pytest.mark.parametrize("url", [DELIVERIES, ENDPOINTS])
def test_staff_without_permissions_and_anonymous_visitors_are_refused(client, url, failed_delivery):
    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert anonymous.url.startswith(reverse("admin:login"))
    staff(client)
    assert client.get(url).status_code == 403
    delivery, _ = failed_delivery
    assert (
        client.post(
            DELIVERIES, {"action": "send_again", ACTION_CHECKBOX_NAME: [delivery.pk]}
        ).status_code
        == 403
    )
    delivery.refresh_from_db()
    assert delivery.status == "failed"


def test_the_delivery_page_shows_every_attempt(staff_client, owner, receivers):
    from webhooks import dispatch

    receiver = receivers()
    _endpoint, receiver.secret = create_endpoint(owner=owner, url=receiver.url, events=["*"])
    receiver.script = [503]
    record_event(owner_id=owner.pk, type="entitlement.limit_reached", data={})
    dispatch.deliver_due(budget_seconds=5)
    delivery = WebhookDelivery.objects.get()
    page = staff_client.get(reverse("admin:webhooks_webhookdelivery_change", args=[delivery.pk]))
    text = page.content.decode()
    assert "The endpoint answered 503." in text
    assert delivery.event.message_id in text
