"""Connecting over the API with the values a provider asks to be typed (Bluesky's app password)."""

import logging

import pytest
import requests
import responses
from responses import matchers

from integrations.models import Integration

pytestmark = pytest.mark.django_db

PDS = "https://pds.bsky.test"
SESSION = f"{PDS}/xrpc/com.atproto.server.createSession"
PASSWORD = "abcd-efgh-ijkl-mnop"


@pytest.fixture(autouse=True)
def bluesky_host(settings):
    settings.PLATFORM_BASE_URLS = {**settings.PLATFORM_BASE_URLS, "bluesky": PDS}


@pytest.fixture
def mocked():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def connect(api, **fields):
    return api.post("/api/v1/integrations/", {"provider": "bluesky", **fields}, format="json")


def test_an_app_password_connects_bluesky_and_is_never_stored_or_shown(api, alice, mocked, caplog):
    mocked.post(
        SESSION,
        json={
            "accessJwt": "access-jwt-0123456789",
            "refreshJwt": "refresh-jwt-0123456789",
            "did": "did:plc:alice",
            "handle": "alice.bsky.social",
        },
        match=[
            matchers.json_params_matcher({"identifier": "alice.bsky.social", "password": PASSWORD})
        ],
    )
    with caplog.at_level(logging.DEBUG):
        answer = connect(api, identifier="alice.bsky.social", app_password=PASSWORD)
    assert answer.status_code == 201
    body = answer.json()
    assert (body["provider"], body["external_account_id"], body["display_name"]) == (
        "bluesky",
        "did:plc:alice",
        "@alice.bsky.social",
    )
    assert body["has_access_token"] and body["has_refresh_token"]
    assert PASSWORD not in answer.content.decode() and PASSWORD not in caplog.text
    stored = Integration.objects.get()
    assert stored.user == alice and stored.refresh_token == "refresh-jwt-0123456789"


def test_a_refused_app_password_is_a_400_that_does_not_repeat_it(api, mocked, caplog):
    mocked.post(
        SESSION,
        status=401,
        json={"error": "AuthenticationRequired", "message": f"wrong: {PASSWORD}"},
    )
    with caplog.at_level(logging.DEBUG):
        answer = connect(api, identifier="alice.bsky.social", app_password=PASSWORD)
    assert answer.status_code == 400
    assert "Bluesky refused the sign-in: wrong: [redacted]." in answer.content.decode()
    assert PASSWORD not in answer.content.decode() and PASSWORD not in caplog.text
    assert Integration.objects.count() == 0


def test_bluesky_unreachable_is_a_503(api, mocked):
    mocked.post(SESSION, body=requests.ConnectionError("refused"))
    answer = connect(api, identifier="alice.bsky.social", app_password=PASSWORD)
    assert answer.status_code == 503
    assert Integration.objects.count() == 0


def test_a_pasted_line_break_is_a_400_naming_the_field(api, mocked):
    answer = connect(api, identifier="alice.bsky.social", app_password=f"{PASSWORD}\nX: y")
    assert answer.status_code == 400
    assert list(answer.json()["field_errors"]) == ["app_password"]
    assert len(mocked.calls) == 0


def test_without_the_app_password_the_answer_says_what_is_needed(api, mocked):
    answer = connect(api, identifier="alice.bsky.social")
    assert answer.status_code == 400
    assert "Bluesky needs: App password." in answer.content.decode()


def test_asking_for_an_authorization_url_for_bluesky_is_a_400_that_says_how_to_connect(api):
    """Bluesky has no redirect flow: no state is created, the answer names the way in."""
    from integrations.models import OAuthState

    response = api.post("/api/v1/integrations/connect/", {"provider": "bluesky"}, format="json")

    assert response.status_code == 400
    assert "Bluesky has no redirect flow: connect it by hand" in str(response.json())
    assert "app password" in str(response.json())
    assert not OAuthState.objects.exists()
