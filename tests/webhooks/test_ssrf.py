"""Production settings: an endpoint can never be aimed at Herald's own network."""

import socket

import pytest
from django.test import override_settings

from tests.api.conftest import client_for
from webhooks import dispatch
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from webhooks.services import create_endpoint, record_event

pytestmark = pytest.mark.django_db

PUBLIC = "93.184.215.14"
real_getaddrinfo = socket.getaddrinfo


@pytest.fixture
def dns(monkeypatch):
    """Names this test decides the addresses of; every other name resolves as usual."""
    names: dict[str, str] = {}

    def getaddrinfo(host, port, *args, **kwargs):
        if host in names:
            return real_getaddrinfo(names[host], port, *args, **kwargs)
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return names


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    settings.WEBHOOK_ALLOW_LOCAL_URLS = False
    return settings


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.1/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/hook",
        "https://127.0.0.1:8000/hook",
        "https://192.168.1.10/hook",
        "https://[fe80::1]/hook",
        "https://[::ffff:10.0.0.1]/hook",
        "https://0.0.0.0/hook",
        "https://224.0.0.1/hook",
        "https://metadata.internal.example/hook",
        "https://loopback.internal.example/hook",
    ],
)
def test_private_addresses_are_refused_at_registration(owner, production, dns, url):
    dns["metadata.internal.example"] = "169.254.169.254"
    dns["loopback.internal.example"] = "127.0.0.1"
    answer = client_for(owner).post(
        "/api/v1/webhooks/", {"url": url, "events": ["*"]}, format="json"
    )
    assert answer.status_code == 400, answer.content
    body = answer.json()
    assert body["code"] == "invalid"
    assert "Herald only calls public addresses" in body["field_errors"]["url"][0]
    assert WebhookEndpoint.objects.count() == 0


def test_http_is_refused_in_production(owner, production, dns):
    dns["hooks.example.com"] = PUBLIC
    answer = client_for(owner).post(
        "/api/v1/webhooks/", {"url": "http://hooks.example.com/in", "events": ["*"]}, format="json"
    )
    assert answer.status_code == 400
    assert answer.json()["field_errors"] == {"url": ["The URL must use https://."]}


def test_a_public_https_endpoint_is_accepted(owner, production, dns):
    dns["hooks.example.com"] = PUBLIC
    answer = client_for(owner).post(
        "/api/v1/webhooks/", {"url": "https://hooks.example.com/in", "events": ["*"]}, format="json"
    )
    assert answer.status_code == 201, answer.content


def test_a_name_that_does_not_resolve_is_refused(owner, production, dns):
    dns["nowhere.invalid"] = "not an address"
    answer = client_for(owner).post(
        "/api/v1/webhooks/", {"url": "https://nowhere.invalid/in", "events": ["*"]}, format="json"
    )
    assert answer.status_code == 400
    assert answer.json()["field_errors"]["url"] == ["The host nowhere.invalid cannot be resolved."]


def test_a_name_that_later_resolves_to_loopback_is_refused_at_delivery(
    owner, production, dns, receivers
):
    """DNS rebinding: public at registration, Herald's own machine at delivery."""
    receiver = receivers()
    port = receiver.url.split(":")[2].split("/")[0]
    dns["rebind.example.com"] = PUBLIC
    with override_settings(WEBHOOK_ALLOW_LOCAL_URLS=False):
        _endpoint, secret = create_endpoint(
            owner=owner, url=f"https://rebind.example.com:{port}/hooks", events=["*"]
        )
    receiver.secret = secret
    dns["rebind.example.com"] = "127.0.0.1"
    record_event(owner_id=owner.pk, type="entitlement.limit_reached", data={})

    report = dispatch.deliver_due(budget_seconds=5)

    assert report.failed == 1
    assert receiver.received == []
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None
    assert "private, loopback, link-local or reserved" in attempt.error
    assert WebhookDelivery.objects.get().status == "pending"  # retried: the name may change


def test_development_allows_http_to_localhost_only(owner, settings):
    settings.DEBUG = True
    settings.WEBHOOK_ALLOW_LOCAL_URLS = True
    api = client_for(owner)
    local = api.post(
        "/api/v1/webhooks/", {"url": "http://localhost:9000/in", "events": ["*"]}, format="json"
    )
    assert local.status_code == 201
    remote = api.post(
        "/api/v1/webhooks/", {"url": "http://example.com/in", "events": ["*"]}, format="json"
    )
    assert remote.status_code == 400
    assert remote.json()["field_errors"]["url"] == [
        "Use https://, or http:// only to localhost or 127.0.0.1."
    ]
