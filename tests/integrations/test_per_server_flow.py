"""The connect flow for a provider with one server per account (Mastodon is the first).

The server is asked before the redirect, checked, given a client registered there
once (kept encrypted), and that client is handed to the provider's calls.
"""

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from responses import matchers

from integrations.daily_check import check_integration
from integrations.models import Integration, OAuthState, RegisteredClient
from integrations.oauth.flow import bind_browser, complete_connect, start_connect
from integrations.services import revoke_integration
from platforms.mastodon import servers
from platforms.oauth import OAuthError
from tests.factories import IntegrationFactory, UserFactory
from tests.integrations.connect_steps import callback_url, query_of
from tests.platforms.mastodon.conftest import public_resolver

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("providers")]

SERVER = "https://social.example"


@pytest.fixture(autouse=True)
def offline_dns(monkeypatch):
    """Every server name resolves to a public address: tests never reach the network."""
    monkeypatch.setattr(servers, "resolve", public_resolver("93.184.215.14"))


def registration(api, client_id="app-1", secret="app-secret-1"):
    api.post(
        f"{SERVER}/api/v1/apps",
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "client_name": "Herald",
                    "redirect_uris": callback_url("mastodon"),
                    "scopes": "read:accounts read:statuses write:statuses write:media",
                    "website": "https://herald.test",
                }
            )
        ],
        json={"id": "3", "client_id": client_id, "client_secret": secret},
    )


def test_the_first_connect_to_a_server_registers_a_client_and_keeps_it_encrypted(api):
    registration(api)
    user = UserFactory()
    start_connect(user=user, provider="mastodon", server="Social.Example")
    state = OAuthState.objects.get()
    assert state.server == SERVER
    client = RegisteredClient.objects.get()
    assert (client.provider, client.server, client.client_id) == ("mastodon", SERVER, "app-1")
    assert client.client_secret == "app-secret-1"
    with connection.cursor() as cursor:
        cursor.execute("SELECT client_secret FROM integrations_registeredclient")
        (raw,) = cursor.fetchone()
    assert "app-secret-1" not in str(raw)
    # Another person on the same server: the kept client, no second registration.
    start_connect(user=UserFactory(), provider="mastodon", server=SERVER)
    assert RegisteredClient.objects.count() == 1
    assert len(api.calls) == 1


def test_the_authorization_url_is_the_servers_with_the_registered_client(api):
    registration(api)
    user = UserFactory()
    start_connect(user=user, provider="mastodon", server=SERVER)
    state = OAuthState.objects.get()
    binding = bind_browser(provider="mastodon", value=state.state)
    assert binding.authorization_url.startswith(f"{SERVER}/oauth/authorize?")
    query = query_of(binding.authorization_url)
    assert query["client_id"] == "app-1"
    assert query["redirect_uri"] == callback_url("mastodon")
    assert query["state"] == state.state
    assert query["code_challenge_method"] == "S256"
    assert "app-secret-1" not in binding.authorization_url


def test_the_callback_exchanges_the_code_with_the_client_and_stores_the_server(api):
    registration(api)
    user = UserFactory()
    start_connect(user=user, provider="mastodon", server=SERVER)
    state = OAuthState.objects.get()
    binding = bind_browser(provider="mastodon", value=state.state)
    api.post(
        f"{SERVER}/oauth/token",
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "grant_type": "authorization_code",
                    "code": "the-code",
                    "redirect_uri": callback_url("mastodon"),
                    "client_id": "app-1",
                    "client_secret": "app-secret-1",
                    "scope": "read:accounts read:statuses write:statuses write:media",
                    "code_verifier": state.code_verifier,
                }
            )
        ],
        json={"access_token": "m-token", "token_type": "Bearer", "scope": "read", "created_at": 1},
    )
    api.get(
        f"{SERVER}/api/v1/accounts/verify_credentials",
        match=[matchers.header_matcher({"Authorization": "Bearer m-token"})],
        json={"id": "1091", "username": "herald", "acct": "herald"},
    )
    connected = complete_connect(
        provider="mastodon",
        params={"state": state.state, "code": "the-code"},
        browser_secret=binding.cookie_value,
    )
    integration = connected.integration
    assert integration.external_account_id == "1091@social.example"
    assert integration.display_name == "@herald@social.example"
    assert integration.account_options == {
        "server": SERVER,
        "account_id": "1091",
        "username": "herald",
    }
    assert integration.access_token == "m-token"
    assert integration.token_expires_at is None and not integration.refresh_token
    # Revoking sends the client's id and secret with the token, to the account's server.
    api.post(
        f"{SERVER}/oauth/revoke",
        match=[
            matchers.urlencoded_params_matcher(
                {"client_id": "app-1", "client_secret": "app-secret-1", "token": "m-token"}
            )
        ],
        json={},
    )
    revoked = revoke_integration(integration)
    assert revoked.platform_message == "Mastodon revoked the access."
    assert Integration.objects.get().status == Integration.Status.REVOKED


@pytest.mark.parametrize(
    ("server", "message"),
    [
        ("", "Give the address of your Mastodon server"),
        ("http://social.example", "over https only"),
        ("https://10.0.0.1", "not an IP address"),
        ("https://social.example:8080", "standard https port"),
    ],
)
def test_a_server_herald_will_not_call_is_refused_before_any_request(api, server, message):
    with pytest.raises(OAuthError, match=message):
        start_connect(user=UserFactory(), provider="mastodon", server=server)
    assert not OAuthState.objects.exists()
    assert not RegisteredClient.objects.exists()


def test_a_server_that_cannot_register_a_client_says_so(api):
    api.post(f"{SERVER}/api/v1/apps", status=422, json={"error": "Validation failed"})
    with pytest.raises(OAuthError, match="Mastodon refused registering Herald"):
        start_connect(user=UserFactory(), provider="mastodon", server=SERVER)
    assert not RegisteredClient.objects.exists()


def test_other_providers_ignore_a_server(api):
    start_connect(user=UserFactory(), provider="twitter", server="https://social.example")
    assert OAuthState.objects.get().server == ""
    assert not api.calls


def test_the_api_takes_the_server_and_answers_400_for_a_bad_one(api, client):
    user = UserFactory()
    client.force_login(user)
    answer = client.post(
        "/api/v1/integrations/connect/",
        {"provider": "mastodon", "server": "https://127.0.0.1"},
        content_type="application/json",
    )
    assert answer.status_code == 400
    assert "not an IP address" in str(answer.json())
    registration(api)
    answer = client.post(
        "/api/v1/integrations/connect/",
        {"provider": "mastodon", "server": SERVER},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    assert OAuthState.objects.get().server == SERVER
    providers = {
        row["provider"]: row for row in client.get("/api/v1/integrations/providers/").json()
    }
    assert providers["mastodon"]["asks_for_server"] is True
    assert providers["mastodon"]["configured"] is True
    assert providers["twitter"]["asks_for_server"] is False


def test_the_admin_connect_page_asks_for_the_server_and_refuses_a_bad_one(api, admin_client):
    page = admin_client.get(reverse("integrations:connect"))
    assert page.status_code == 200
    assert b'name="server"' in page.content
    assert b'placeholder="https://mastodon.social" value=""' in page.content  # none to offer
    refused = admin_client.post(
        reverse("integrations:connect-start", args=["mastodon"]), {"server": "localhost"}
    )
    assert refused.status_code == 302
    assert refused.headers["Location"] == reverse("integrations:connect")
    follow = admin_client.get(refused.headers["Location"])
    assert "not the public name of a server" in follow.content.decode()
    registration(api)
    started = admin_client.post(
        reverse("integrations:connect-start", args=["mastodon"]), {"server": SERVER}
    )
    assert started.status_code == 302
    assert started.headers["Location"].startswith(f"{SERVER}/oauth/authorize?")


def test_the_daily_check_asks_the_accounts_own_server(api):
    kept = IntegrationFactory(
        provider="mastodon",
        access_token="m-token",
        refresh_token="",
        account_options={"server": SERVER, "account_id": "1"},
    )
    api.get(
        f"{SERVER}/api/v1/accounts/verify_credentials",
        match=[matchers.header_matcher({"Authorization": "Bearer m-token"})],
        json={"id": "1", "username": "herald"},
    )
    assert check_integration(kept, now=timezone.now()) == "ok"
    api.get(
        f"{SERVER}/api/v1/accounts/verify_credentials",
        status=401,
        json={"error": "The access token was revoked"},
    )
    assert check_integration(kept, now=timezone.now()) == "needs_reauth"
    kept.refresh_from_db()
    assert kept.status == Integration.Status.NEEDS_REAUTH
    assert "The access token was revoked" in kept.last_error
    # A stored server Herald would not call is the owner's to fix, not an outage.
    moved = IntegrationFactory(provider="mastodon", account_options={"server": "http://10.1.1.1"})
    assert check_integration(moved, now=timezone.now()) == "needs_reauth"
