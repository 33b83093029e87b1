"""Connect flows against mocked providers: what is sent, what is stored, what the user reads."""

import base64
import datetime as dt
import hashlib

import pytest
from django.db import connection
from django.utils import timezone
from responses import matchers

from integrations.models import Integration, OAuthState
from integrations.oauth.flow import (
    StateRefused,
    bind_browser,
    complete_connect,
    start_connect,
)
from platforms.oauth import OAuthError, ProviderNotConfigured
from tests.factories import IntegrationFactory, UserFactory
from tests.integrations.connect_steps import begin, callback_url, query_of
from tests.integrations.hosts import (
    SITE,
    X_API,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("providers")]


def x_token_exchange(api, *, state: OAuthState, refresh_token="x-refresh-1"):
    api.post(
        f"{X_API}/2/oauth2/token",
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "grant_type": "authorization_code",
                    "code": "the-code",
                    "redirect_uri": callback_url("twitter"),
                    "code_verifier": state.code_verifier,
                    "client_id": "x-client",
                }
            )
        ],
        json={
            "token_type": "bearer",
            "expires_in": 7200,
            "access_token": "x-access-1",
            "scope": "tweet.read tweet.write users.read media.write offline.access",
            **({"refresh_token": refresh_token} if refresh_token else {}),
        },
    )
    api.get(
        f"{X_API}/2/users/me",
        match=[matchers.header_matcher({"Authorization": "Bearer x-access-1"})],
        json={"data": {"id": "2244994945", "name": "Herald", "username": "heraldhq"}},
    )


# --- X ----------------------------------------------------------------------------------


def test_x_authorization_url_carries_pkce_offline_access_and_a_stored_state():
    user = UserFactory()
    state, browser = begin(user=user, provider="twitter")
    url = browser.authorization_url
    assert url.startswith("https://x.test/i/oauth2/authorize?")
    query = query_of(url)
    assert query["state"] == state.state and state.user == user
    assert query["response_type"] == "code"
    assert query["client_id"] == "x-client"
    assert query["redirect_uri"] == callback_url("twitter")
    assert "offline.access" in query["scope"].split()
    assert query["code_challenge_method"] == "S256"
    digest = hashlib.sha256(state.code_verifier.encode()).digest()
    assert query["code_challenge"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert state.code_verifier not in url
    # The verifier is a secret: stored encrypted.
    with connection.cursor() as cursor:
        cursor.execute("SELECT code_verifier FROM integrations_oauthstate")
        (raw,) = cursor.fetchone()
    raw = bytes(raw).decode()
    assert raw.startswith("gAAAAA") and state.code_verifier not in raw


def test_x_callback_exchanges_the_code_with_the_pkce_verifier_and_stores_the_account(api):
    user = UserFactory()
    state, browser = begin(user=user, provider="twitter")
    x_token_exchange(api, state=state)
    connected = complete_connect(
        provider="twitter",
        params={"state": state.state, "code": "the-code"},
        browser_secret=browser.cookie_value,
    )
    integration = Integration.objects.get()
    assert connected.integration == integration and connected.created
    assert (integration.user, integration.provider) == (user, "twitter")
    assert integration.external_account_id == "2244994945"
    assert integration.display_name == "@heraldhq"
    assert integration.account_options == {"username": "heraldhq"}
    assert integration.access_token == "x-access-1"
    assert integration.refresh_token == "x-refresh-1"
    assert integration.status == Integration.Status.ACTIVE
    assert integration.token_expires_at > timezone.now() + dt.timedelta(minutes=119)
    assert OAuthState.objects.get().used_at is not None


def test_confidential_x_client_authenticates_with_basic_auth(api, settings):
    settings.X_CLIENT_SECRET = "x-secret"
    state, browser = begin(user=UserFactory(), provider="twitter")
    x_token_exchange(api, state=state)
    complete_connect(
        provider="twitter",
        params={"state": state.state, "code": "the-code"},
        browser_secret=browser.cookie_value,
    )
    sent = api.calls[0].request.headers["Authorization"]
    assert sent == "Basic " + base64.b64encode(b"x-client:x-secret").decode()


def test_reconnecting_updates_the_same_integration_and_keeps_the_refresh_token(api):
    user = UserFactory()
    existing = IntegrationFactory(
        user=user,
        provider="twitter",
        external_account_id="2244994945",
        refresh_token="kept-refresh-token",
        status=Integration.Status.NEEDS_REAUTH,
        last_error="X refused the refresh token",
    )
    state, browser = begin(user=user, provider="twitter")
    x_token_exchange(api, state=state, refresh_token=None)
    connected = complete_connect(
        provider="twitter",
        params={"state": state.state, "code": "the-code"},
        browser_secret=browser.cookie_value,
    )
    assert not connected.created
    assert Integration.objects.count() == 1
    existing.refresh_from_db()
    assert existing.access_token == "x-access-1"
    assert existing.refresh_token == "kept-refresh-token"
    assert existing.status == Integration.Status.ACTIVE
    assert existing.last_error == ""


@pytest.mark.parametrize(
    "case",
    [
        "unknown",
        "reused",
        "expired",
        "other provider",
        "other browser user",
        "missing",
        "no cookie",
        "another browser's cookie",
        "never opened in a browser",
    ],
)
def test_a_state_that_does_not_match_is_refused_and_nothing_is_called(case, api, settings):
    user = UserFactory()
    state, browser = begin(user=user, provider="twitter")
    params = {"state": state.state, "code": "the-code"}
    provider, browser_user, secret = "twitter", None, browser.cookie_value
    if case == "unknown":
        params["state"] = "forged-state"
    elif case == "reused":
        state.used_at = timezone.now()
        state.save()
    elif case == "expired":
        OAuthState.objects.update(
            created_at=timezone.now() - dt.timedelta(seconds=settings.OAUTH_STATE_MAX_AGE + 1)
        )
    elif case == "other provider":
        provider = "youtube"
    elif case == "other browser user":
        browser_user = UserFactory()
    elif case == "no cookie":
        secret = ""
    elif case == "another browser's cookie":
        start_connect(user=user, provider="twitter")
        other = OAuthState.objects.exclude(pk=state.pk).get()
        secret = bind_browser(provider="twitter", value=other.state).cookie_value
    elif case == "never opened in a browser":
        OAuthState.objects.update(browser_binding="")
    else:
        del params["state"]
    with pytest.raises(OAuthError, match="could not be verified"):
        complete_connect(
            provider=provider, params=params, browser_user=browser_user, browser_secret=secret
        )
    assert Integration.objects.count() == 0
    assert len(api.calls) == 0


def test_the_api_gets_heralds_start_url_and_the_first_browser_to_open_it_binds_the_flow():
    user = UserFactory()
    url = start_connect(user=user, provider="twitter")
    state = OAuthState.objects.get()
    assert url == f"{SITE}/integrations/oauth/twitter/start/?state={state.state}"
    assert state.browser_binding == ""
    first = bind_browser(provider="twitter", value=state.state)
    state.refresh_from_db()
    # The row keeps a hash, never the browser's secret itself.
    assert state.browser_binding == hashlib.sha256(first.cookie_value.encode()).hexdigest()
    assert first.cookie_value not in state.browser_binding
    assert first.authorization_url.startswith("https://x.test/i/oauth2/authorize?")
    assert first.cookie_path == "/integrations/oauth/twitter/"
    # The same browser may open it again (a reload); any other browser is refused.
    again = bind_browser(provider="twitter", value=state.state, browser_secret=first.cookie_value)
    assert again.cookie_value == first.cookie_value
    with pytest.raises(StateRefused, match="could not be verified"):
        bind_browser(provider="twitter", value=state.state)
    with pytest.raises(StateRefused):
        bind_browser(provider="twitter", value=state.state, browser_secret="guessed")
    state.refresh_from_db()
    assert state.browser_binding == hashlib.sha256(first.cookie_value.encode()).hexdigest()


def test_a_browser_logged_in_as_someone_else_cannot_open_the_start_url():
    state, _ = begin(user=UserFactory(), provider="twitter")
    OAuthState.objects.update(browser_binding="")
    with pytest.raises(StateRefused):
        bind_browser(provider="twitter", value=state.state, browser_user=UserFactory())
    assert OAuthState.objects.get().browser_binding == ""


def test_a_refused_browser_does_not_use_up_the_state_of_the_browser_that_runs_the_flow(api):
    user = UserFactory()
    state, browser = begin(user=user, provider="twitter")
    with pytest.raises(StateRefused):
        complete_connect(provider="twitter", params={"state": state.state, "code": "the-code"})
    x_token_exchange(api, state=state)
    complete_connect(
        provider="twitter",
        params={"state": state.state, "code": "the-code"},
        browser_secret=browser.cookie_value,
    )
    assert Integration.objects.get().user == user


def test_a_denied_consent_is_said_in_words():
    state, browser = begin(user=UserFactory(), provider="twitter")
    with pytest.raises(OAuthError) as refused:
        complete_connect(
            provider="twitter",
            params={"state": state.state, "error": "access_denied"},
            browser_secret=browser.cookie_value,
        )
    assert str(refused.value) == "Access was denied on X, so no account was connected."
    assert Integration.objects.count() == 0


def test_a_refused_code_exchange_shows_the_platform_words(api):
    state, browser = begin(user=UserFactory(), provider="twitter")
    api.post(
        f"{X_API}/2/oauth2/token",
        status=400,
        json={
            "error": "invalid_request",
            "error_description": "Value passed for the authorization code was invalid.",
        },
    )
    with pytest.raises(OAuthError) as refused:
        complete_connect(
            provider="twitter",
            params={"state": state.state, "code": "stale"},
            browser_secret=browser.cookie_value,
        )
    assert str(refused.value) == (
        "X refused the authorization code: Value passed for the authorization code was invalid."
    )
    assert Integration.objects.count() == 0


def test_an_unconfigured_provider_is_refused_with_the_settings_to_set(settings):
    settings.GOOGLE_CLIENT_SECRET = ""
    with pytest.raises(ProviderNotConfigured) as refused:
        start_connect(user=UserFactory(), provider="youtube")
    assert str(refused.value) == (
        "YouTube is not configured: set GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET in the "
        "environment."
    )
    assert OAuthState.objects.count() == 0


def test_an_unknown_provider_is_refused():
    with pytest.raises(OAuthError, match="Unknown provider 'myspace'"):
        start_connect(user=UserFactory(), provider="myspace")
