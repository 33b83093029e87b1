import pytest
from responses import matchers

from platforms.base import Credentials
from platforms.mastodon import oauth
from platforms.oauth import OAuthError, ServerClient
from tests.platforms.mastodon.conftest import SERVER

CLIENT = ServerClient(server=SERVER, client_id="app-1", client_secret="app-secret-1")


def test_registration_names_herald_its_callback_and_the_scopes(api, settings):
    settings.SITE_URL = "https://herald.test"
    api.post(
        f"{SERVER}/api/v1/apps",
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "client_name": "Herald",
                    "redirect_uris": "https://herald.test/cb",
                    "scopes": "read:accounts read:statuses write:statuses write:media",
                    "website": "https://herald.test",
                }
            )
        ],
        json={"id": "1", "client_id": "app-1", "client_secret": "app-secret-1"},
    )
    assert oauth.register_client(server=SERVER, redirect_uri="https://herald.test/cb") == CLIENT


def test_a_registration_without_a_secret_is_refused(api):
    api.post(f"{SERVER}/api/v1/apps", json={"id": "1", "client_id": "app-1"})
    with pytest.raises(OAuthError, match="no client id and secret"):
        oauth.register_client(server=SERVER, redirect_uri="https://herald.test/cb")


def test_the_client_secret_never_shows_in_its_repr():
    assert "app-secret-1" not in repr(CLIENT)


def test_the_authorization_url_is_on_the_server():
    url = oauth.authorization_url(
        state="st", redirect_uri="https://herald.test/cb", code_challenge="", client=CLIENT
    )
    assert url == (
        f"{SERVER}/oauth/authorize?response_type=code&client_id=app-1&redirect_uri="
        "https%3A%2F%2Fherald.test%2Fcb&scope=read%3Aaccounts+read%3Astatuses+write%3Astatuses"
        "+write%3Amedia&state=st"
    )


def test_a_refused_code_is_explained(api):
    api.post(
        f"{SERVER}/oauth/token",
        status=400,
        json={"error": "invalid_grant", "error_description": "The grant is invalid."},
    )
    with pytest.raises(OAuthError, match="Mastodon refused the authorization code: The grant"):
        oauth.exchange_code(code="c", redirect_uri="r", code_verifier="", client=CLIENT)


def test_the_grant_has_no_expiry_and_carries_the_server(api):
    api.post(
        f"{SERVER}/oauth/token",
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "grant_type": "authorization_code",
                    "code": "c",
                    "redirect_uri": "r",
                    "client_id": "app-1",
                    "client_secret": "app-secret-1",
                    "scope": oauth.SCOPES,
                }
            )
        ],
        json={"access_token": "tok", "token_type": "Bearer", "scope": "read", "created_at": 1},
    )
    grant = oauth.exchange_code(code="c", redirect_uri="r", code_verifier="", client=CLIENT)
    assert grant.access_token == "tok"
    assert grant.expires_at is None and grant.refresh_token == ""
    assert grant.account == {"server": SERVER}
    assert oauth.can_refresh(grant, None) is False


def test_verify_asks_the_accounts_own_server(api):
    api.get(
        f"{SERVER}/api/v1/accounts/verify_credentials",
        match=[matchers.header_matcher({"Authorization": "Bearer tok"})],
        json={"id": "5", "username": "h"},
    )
    account = oauth.verify(Credentials(access_token="tok"), {"server": SERVER})
    assert account.external_account_id == "5@social.example"


def test_verify_refuses_a_stored_server_that_is_not_allowed(api):
    with pytest.raises(OAuthError, match="not usable"):
        oauth.verify(Credentials(access_token="tok"), {"server": "https://127.0.0.1"})


def test_a_revoked_token_is_refused_in_words(api):
    api.get(
        f"{SERVER}/api/v1/accounts/verify_credentials",
        status=401,
        json={"error": "The access token was revoked"},
    )
    with pytest.raises(OAuthError, match="The access token was revoked"):
        oauth.fetch_account(Credentials(access_token="tok", account={"server": SERVER}))


def test_server_from_input_is_a_400_for_a_bad_address():
    with pytest.raises(OAuthError) as raised:
        oauth.server_from_input("https://localhost")
    assert raised.value.status_code == 400 and not raised.value.transient


def test_a_redirected_registration_is_not_followed(api):
    api.post(f"{SERVER}/api/v1/apps", status=307, headers={"Location": "http://127.0.0.1/apps"})
    with pytest.raises(OAuthError, match="no client id and secret"):
        oauth.register_client(server=SERVER, redirect_uri="https://herald.test/cb")
    assert len(api.calls) == 1


def test_the_sandbox_server_is_suggested_only_while_the_sandbox_is_on(settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    settings.PLATFORM_BASE_URLS = {"mastodon": "http://127.0.0.1:8000/sandbox/mastodon"}
    settings.SANDBOX_ENABLED = True
    assert oauth.suggested_server() == "http://127.0.0.1:8000/sandbox/mastodon"
    settings.SANDBOX_ENABLED = False
    assert oauth.suggested_server() == ""
