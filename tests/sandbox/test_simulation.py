"""Simulated latency and outages: every platform answers its transient error, storing nothing."""

import pytest
from django.test import Client

from sandbox.models import SandboxContainer, SandboxPost, SandboxUpload

pytestmark = pytest.mark.django_db


@pytest.fixture
def always_failing(settings):
    settings.SANDBOX_FAILURE_RATE = 1.0


def test_x_outage_is_503_with_rate_headers(client, always_failing):
    response = client.post(
        "/sandbox/x/2/tweets",
        {"text": "lost"},
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer sandbox-x-alice",
    )

    assert response.status_code == 503
    assert response.json()["title"] == "Service Unavailable"
    assert "x-rate-limit-reset" in response
    assert not SandboxPost.objects.exists()


def test_discord_outage_is_503(client, always_failing):
    response = client.post(
        "/sandbox/discord/api/v10/channels/1/messages",
        {"content": "lost"},
        content_type="application/json",
        HTTP_AUTHORIZATION="Bot sandbox-discord-bot",
    )

    assert response.status_code == 503
    assert response.json()["code"] == 0
    assert not SandboxPost.objects.exists()


def test_instagram_outage_is_a_transient_graph_error(client, always_failing):
    response = client.post(
        "/sandbox/instagram/v23.0/1/media",
        {"access_token": "sandbox-ig-alice", "image_url": "https://cdn.example.com/a.jpg"},
    )

    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == 2
    assert error["is_transient"] is True
    assert not SandboxContainer.objects.exists()


def test_youtube_outage_is_backend_error(client, always_failing):
    response = client.post(
        "/sandbox/youtube/upload/youtube/v3/videos?uploadType=resumable&part=snippet",
        {"snippet": {"title": "lost"}},
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer sandbox-yt-alice",
    )

    assert response.status_code == 503
    assert response.json()["error"]["errors"][0]["reason"] == "backendError"
    assert not SandboxUpload.objects.exists()


def test_no_failures_at_rate_zero(client, settings):
    settings.SANDBOX_FAILURE_RATE = 0.0

    statuses = {
        client.get("/sandbox/x/2/users/me", HTTP_AUTHORIZATION="Bearer sandbox-x-alice").status_code
        for _ in range(20)
    }

    assert statuses == {200}


def test_latency_sleeps_before_answering(client, settings, monkeypatch):
    settings.SANDBOX_LATENCY_MS = 250
    slept = []
    monkeypatch.setattr("sandbox.views.shared.sleep", slept.append)

    response = client.get("/sandbox/x/2/users/me", HTTP_AUTHORIZATION="Bearer sandbox-x-alice")

    assert response.status_code == 200
    assert slept == [0.25]


def test_api_endpoints_need_no_csrf_token():
    csrf_client = Client(enforce_csrf_checks=True)

    response = csrf_client.post(
        "/sandbox/x/2/tweets",
        {"text": "no csrf needed"},
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer sandbox-x-alice",
    )

    assert response.status_code == 201
