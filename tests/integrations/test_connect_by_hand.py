"""Connecting by hand, from a provider's own declaration: Bluesky's app password in the admin."""

import logging

import pytest
from django.urls import reverse
from responses import matchers

from integrations.models import Integration, OAuthState
from integrations.oauth.flow import start_connect
from integrations.services import connect_by_hand, typed_fields
from platforms.oauth import OAuthError
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PDS = "https://pds.bsky.test"
SESSION = f"{PDS}/xrpc/com.atproto.server.createSession"
PASSWORD = "abcd-efgh-ijkl-mnop"
DID = "did:plc:alice"


@pytest.fixture(autouse=True)
def bluesky_host(settings):
    settings.PLATFORM_BASE_URLS = {**settings.PLATFORM_BASE_URLS, "bluesky": PDS}


def session_answer(api):
    api.post(
        SESSION,
        json={
            "accessJwt": "access-jwt-0123456789",
            "refreshJwt": "refresh-jwt-0123456789",
            "did": DID,
            "handle": "alice.bsky.social",
        },
        match=[
            matchers.json_params_matcher({"identifier": "alice.bsky.social", "password": PASSWORD})
        ],
    )


def stored_values(integration):
    return [
        integration.access_token,
        integration.refresh_token,
        integration.webhook_url,
        integration.display_name,
        integration.last_error,
        str(integration.account_options),
    ]


def test_the_service_stores_the_session_and_never_the_password(api):
    session_answer(api)
    integration, created = connect_by_hand(
        user=UserFactory(),
        provider="bluesky",
        values={"identifier": " alice.bsky.social ", "app_password": PASSWORD},
    )
    assert created
    assert (integration.external_account_id, integration.display_name) == (
        DID,
        "@alice.bsky.social",
    )
    assert (integration.access_token, integration.refresh_token) == (
        "access-jwt-0123456789",
        "refresh-jwt-0123456789",
    )
    assert integration.account_options == {"did": DID, "handle": "alice.bsky.social"}
    assert not any(PASSWORD in value for value in stored_values(integration) if value)


def test_a_refusal_quoting_the_password_is_masked_in_the_error_and_the_logs(api, caplog):
    api.post(
        SESSION,
        status=401,
        json={"error": "AuthenticationRequired", "message": f"Bad password {PASSWORD}"},
    )
    with caplog.at_level(logging.DEBUG), pytest.raises(OAuthError) as refused:
        connect_by_hand(
            user=UserFactory(),
            provider="bluesky",
            values={"identifier": "alice.bsky.social", "app_password": PASSWORD},
        )
    assert str(refused.value) == "Bluesky refused the sign-in: Bad password [redacted]."
    assert PASSWORD not in caplog.text
    assert Integration.objects.count() == 0


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"identifier": "alice.bsky.social"}, "Bluesky needs: App password."),
        (
            {"identifier": "alice.bsky.social", "app_password": f"{PASSWORD}\r\nX: y"},
            "The app password may only hold printable ASCII characters",
        ),
    ],
)
def test_missing_or_garbled_values_are_refused_before_any_call(api, values, message):
    with pytest.raises(OAuthError, match=message):
        connect_by_hand(user=UserFactory(), provider="bluesky", values=values)
    assert len(api.calls) == 0


def test_a_provider_without_a_hand_connect_is_refused():
    with pytest.raises(OAuthError, match="does not connect with values typed by hand"):
        connect_by_hand(user=UserFactory(), provider="twitter", values={})


def test_every_declared_field_is_offered_once():
    names = [f.name for f in typed_fields()]
    assert {"identifier", "app_password", "bot_token", "channel_id"} <= set(names)
    assert len(names) == len(set(names))


def test_the_connect_page_offers_an_app_password_for_bluesky_and_no_redirect(staff_client):
    page = staff_client.get(reverse("integrations:connect")).content.decode()
    assert 'href="/integrations/connect/bluesky/by-hand/">Connect with an app password</a>' in page
    assert 'value="Connect Bluesky"' not in page
    assert (
        'href="/integrations/connect/discord/by-hand/">or connect a bot token and a channel' in page
    )


def test_the_app_password_page_connects_and_never_echoes_the_password(staff_client, api):
    url = reverse("integrations:connect-by-hand", args=["bluesky"])
    form = staff_client.get(url).content.decode()
    assert 'type="password" name="app_password"' in form and 'name="identifier"' in form
    api.post(SESSION, status=401, json={"error": "AuthenticationRequired", "message": "No"})
    refused = staff_client.post(url, {"identifier": "alice.bsky.social", "app_password": PASSWORD})
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "Bluesky refused the sign-in: No." in text
    assert PASSWORD not in text and 'value="alice.bsky.social"' in text
    session_answer(api)
    done = staff_client.post(url, {"identifier": "alice.bsky.social", "app_password": PASSWORD})
    assert done.status_code == 302
    assert Integration.objects.get().external_account_id == DID


def test_a_platform_without_a_hand_connect_has_no_such_page(staff_client):
    url = reverse("integrations:connect-by-hand", args=["twitter"])
    assert staff_client.get(url).status_code == 404
    assert staff_client.get("/integrations/connect/myspace/by-hand/").status_code == 404


def test_asking_for_a_redirect_for_bluesky_is_refused_before_any_state_with_the_way_in():
    user = UserFactory()
    with pytest.raises(OAuthError, match=r"Bluesky has no redirect flow: connect it by hand"):
        start_connect(user=user, provider="bluesky")
    assert not OAuthState.objects.exists()
    assert Integration.objects.count() == 0
