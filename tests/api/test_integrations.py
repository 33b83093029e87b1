"""Integrations over the API: listing without tokens, connecting, the lifecycle, isolation."""

import json
import logging
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from responses import matchers

from api.models import IdempotencyRecord
from integrations.models import Integration, OAuthState
from tests.factories import IntegrationFactory

pytestmark = pytest.mark.django_db

X_API = "https://api.x.test"


@pytest.fixture(autouse=True)
def providers(settings):
    settings.PLATFORM_BASE_URLS = {**settings.PLATFORM_BASE_URLS, "twitter": X_API}
    settings.OAUTH_AUTHORIZE_URLS = {
        **settings.OAUTH_AUTHORIZE_URLS,
        "twitter": "https://x.test/i/oauth2/authorize",
    }
    settings.X_CLIENT_ID, settings.X_CLIENT_SECRET = "x-client", ""


@pytest.fixture
def mocked():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def test_the_list_shows_accounts_and_never_a_token(api, alice, bob):
    mine = IntegrationFactory(user=alice, provider="twitter", display_name="@alice")
    IntegrationFactory(user=bob)
    answer = api.get("/api/v1/integrations/")
    assert answer.status_code == 200
    rows = answer.json()["results"]
    assert [row["id"] for row in rows] == [mine.pk]
    assert rows[0]["display_name"] == "@alice"
    assert rows[0]["has_access_token"] is True and rows[0]["has_refresh_token"] is True
    text = json.dumps(answer.json())
    assert mine.access_token not in text and mine.refresh_token not in text
    assert 'access_token"' not in text.replace('has_access_token"', "")


def test_connect_returns_heralds_start_url_with_a_state_for_this_user(api, alice, settings):
    settings.SITE_URL = "https://herald.test"
    answer = api.post("/api/v1/integrations/connect/", {"provider": "twitter"}, format="json")
    assert answer.status_code == 200
    url = answer.json()["authorization_url"]
    assert url.startswith("https://herald.test/integrations/oauth/twitter/start/?")
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    state = OAuthState.objects.get()
    assert state.user == alice and query == {"state": state.state}
    assert answer.json()["expires_in"] == 900
    # The API answer binds no browser: the first one to open the URL does.
    assert not answer.cookies
    assert state.browser_binding == ""


def test_connecting_an_unconfigured_provider_says_what_to_set(api, settings):
    settings.DISCORD_CLIENT_ID = ""
    answer = api.post("/api/v1/integrations/connect/", {"provider": "discord"}, format="json")
    assert answer.status_code == 400
    assert answer.json()["message"] == (
        "Discord is not configured: set DISCORD_CLIENT_ID and DISCORD_CLIENT_SECRET in the "
        "environment."
    )


def test_an_unknown_provider_is_a_field_error(api):
    answer = api.post("/api/v1/integrations/connect/", {"provider": "myspace"}, format="json")
    assert answer.status_code == 400
    assert answer.json()["field_errors"] == {"provider": ['"myspace" is not a valid choice.']}


def test_providers_say_which_are_configured(api, settings):
    settings.GOOGLE_CLIENT_ID = ""
    answer = api.get("/api/v1/integrations/providers/")
    by_name = {row["provider"]: row for row in answer.json()}
    assert by_name["twitter"]["configured"] is True
    assert by_name["youtube"] == {
        "provider": "youtube",
        "name": "YouTube",
        "configured": False,
        "missing_settings": ["GOOGLE_CLIENT_ID"],
        "asks_for_server": False,
    }


def test_entered_tokens_are_checked_with_the_platform_and_never_echoed(api, alice, mocked):
    mocked.get(
        f"{X_API}/2/users/me",
        match=[matchers.header_matcher({"Authorization": "Bearer entered-access-token"})],
        json={"data": {"id": "42", "username": "alice_x", "name": "Alice"}},
    )
    answer = api.post(
        "/api/v1/integrations/",
        {"provider": "twitter", "access_token": "entered-access-token"},
        format="json",
    )
    assert answer.status_code == 201
    assert "entered-access-token" not in answer.content.decode()
    integration = Integration.objects.get(user=alice)
    assert integration.display_name == "@alice_x"
    assert integration.access_token == "entered-access-token"


def test_tokens_the_platform_refuses_are_a_400_in_words(api, mocked):
    mocked.get(
        f"{X_API}/2/users/me", status=401, json={"title": "Unauthorized", "detail": "Unauthorized"}
    )
    answer = api.post(
        "/api/v1/integrations/", {"provider": "twitter", "access_token": "bad"}, format="json"
    )
    assert answer.status_code == 400
    assert answer.json()["message"] == "X refused the account lookup: Unauthorized"
    assert Integration.objects.count() == 0


def test_pause_resume_and_a_refused_move(api, alice):
    integration = IntegrationFactory(user=alice)
    answer = api.post(f"/api/v1/integrations/{integration.pk}/pause/")
    assert answer.status_code == 200 and answer.json()["status"] == "paused"
    answer = api.post(f"/api/v1/integrations/{integration.pk}/pause/")
    assert answer.status_code == 409
    assert answer.json()["message"].startswith("Only an active account can be paused;")
    answer = api.post(f"/api/v1/integrations/{integration.pk}/resume/")
    assert answer.json()["status"] == "active"


def test_revoke_calls_the_platform_and_reports_it(api, alice, mocked):
    integration = IntegrationFactory(user=alice, provider="twitter")
    mocked.post(f"{X_API}/2/oauth2/revoke", json={"revoked": True})
    answer = api.post(f"/api/v1/integrations/{integration.pk}/revoke/")
    assert answer.status_code == 200
    assert answer.json()["platform_message"] == "X revoked the access."
    assert answer.json()["integration"]["status"] == "revoked"
    assert answer.json()["integration"]["has_access_token"] is False


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("get", ""), ("post", "pause/"), ("post", "resume/"), ("post", "revoke/")],
)
def test_another_users_integration_is_not_found(api, bob, method, suffix):
    theirs = IntegrationFactory(user=bob)
    answer = getattr(api, method)(f"/api/v1/integrations/{theirs.pk}/{suffix}")
    assert answer.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Integration.Status.ACTIVE and theirs.access_token


def test_integrations_cannot_be_edited_or_deleted_directly(api, alice):
    integration = IntegrationFactory(user=alice)
    assert api.delete(f"/api/v1/integrations/{integration.pk}/").status_code == 405
    assert api.patch(f"/api/v1/integrations/{integration.pk}/", {}).status_code == 405


# --- Hostile tokens ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        (
            {"provider": "twitter", "access_token": "entered\r\nX-Leak: leaked-secret"},
            "access_token",
        ),
        ({"provider": "twitter", "access_token": "entered-€-leaked-secret"}, "access_token"),
        ({"provider": "twitter", "access_token": "entered\u2028leaked-secret"}, "access_token"),
        (
            {"provider": "twitter", "access_token": "entered", "refresh_token": "r\nleaked-secret"},
            "refresh_token",
        ),
        (
            {
                "provider": "discord",
                "webhook_url": "https://discord.test/api/webhooks/1/t\r\nleaked-secret",
            },
            "webhook_url",
        ),
        ({"provider": "discord", "access_token": "bot", "channel_id": "١٢٣"}, "channel_id"),
    ],
)
def test_tokens_with_line_breaks_or_non_ascii_characters_are_a_400_naming_the_field(
    api, mocked, caplog, fields, field
):
    with caplog.at_level(logging.DEBUG):
        answer = api.post("/api/v1/integrations/", fields, format="json")
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "invalid"
    assert list(body["field_errors"]) == [field]
    assert body["field_errors"][field][0].startswith("Use printable ASCII characters only")
    assert "leaked-secret" not in answer.content.decode()
    assert "leaked-secret" not in caplog.text
    assert Integration.objects.count() == 0
    assert len(mocked.calls) == 0


# --- Platform outages ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "outage",
    [
        {"status": 503, "json": {"title": "Service Unavailable"}},
        {"body": requests.ConnectionError("connection refused")},
        {"body": requests.ReadTimeout("read timed out")},
    ],
    ids=["platform 503", "connection refused", "read timeout"],
)
def test_a_platform_outage_is_a_503_that_frees_the_idempotency_key(api, alice, outage):
    def post():
        return api.post(
            "/api/v1/integrations/",
            {"provider": "twitter", "access_token": "entered-access-token"},
            format="json",
            HTTP_IDEMPOTENCY_KEY="connect-x-1",
        )

    with responses.RequestsMock(assert_all_requests_are_fired=True) as platform:
        platform.get(f"{X_API}/2/users/me", **outage)
        answer = post()
    assert answer.status_code == 503
    assert answer["Retry-After"] == "60"
    body = answer.json()
    assert body["code"] == "platform_unavailable"
    assert (
        body["message"] == "X could not be reached for the account lookup. Try again in a minute."
    )
    assert "entered-access-token" not in answer.content.decode()
    assert Integration.objects.count() == 0
    assert IdempotencyRecord.objects.count() == 0
    # The platform is back: the same key is not a replay of the outage.
    with responses.RequestsMock(assert_all_requests_are_fired=True) as platform:
        platform.get(f"{X_API}/2/users/me", json={"data": {"id": "42", "username": "alice_x"}})
        answer = post()
    assert answer.status_code == 201, answer.content
    assert "Idempotent-Replayed" not in answer
    assert Integration.objects.get(user=alice).display_name == "@alice_x"
    assert IdempotencyRecord.objects.get().response_status == 201


def test_a_platform_rate_limiting_the_check_is_a_503_too(api):
    with responses.RequestsMock(assert_all_requests_are_fired=True) as platform:
        platform.get(f"{X_API}/2/users/me", status=429, json={"title": "Too Many Requests"})
        answer = api.post(
            "/api/v1/integrations/",
            {"provider": "twitter", "access_token": "entered-access-token"},
            format="json",
        )
    assert answer.status_code == 503
    assert answer.json()["code"] == "platform_unavailable"
    assert answer.json()["message"] == (
        "X is rate limiting the account lookup. Try again in a few minutes."
    )
    assert answer["Retry-After"] == "300"
    assert Integration.objects.count() == 0
