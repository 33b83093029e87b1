"""LinkedIn's OAuth provider through the connect flow, against mocked hosts."""

import datetime as dt

import pytest
from django.utils import timezone
from responses import matchers

from integrations.models import Integration
from integrations.oauth.flow import complete_connect
from platforms.base import Credentials
from platforms.linkedin import oauth as linkedin_oauth
from platforms.oauth import OAuthError
from tests.factories import UserFactory
from tests.integrations.conftest import providers  # noqa: F401 - every provider on mocked hosts
from tests.integrations.connect_steps import begin, callback_url, query_of
from tests.platforms.linkedin.conftest import API, WWW

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("providers", "linkedin_hosts")]


@pytest.fixture
def linkedin_hosts(providers, settings):  # noqa: F811 - the fixture, used by name
    settings.PLATFORM_BASE_URLS = {
        **settings.PLATFORM_BASE_URLS,
        "linkedin": API,
        "linkedin_oauth": WWW,
    }
    settings.OAUTH_AUTHORIZE_URLS = {
        **settings.OAUTH_AUTHORIZE_URLS,
        "linkedin": f"{WWW}/oauth/v2/authorization",
    }
    settings.LINKEDIN_CLIENT_ID = "li-client"
    settings.LINKEDIN_CLIENT_SECRET = "li-secret"


def token_exchange(api, answer, status=200):
    api.post(
        f"{WWW}/oauth/v2/accessToken",
        status=status,
        json=answer,
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "grant_type": "authorization_code",
                    "code": "li-code",
                    "redirect_uri": callback_url("linkedin"),
                    "client_id": "li-client",
                    "client_secret": "li-secret",
                }
            )
        ],
    )


def test_connecting_stores_the_member_from_userinfo(api):
    state, browser = begin(user=UserFactory(), provider="linkedin")
    assert browser.authorization_url.startswith(f"{WWW}/oauth/v2/authorization?")
    assert query_of(browser.authorization_url) == {
        "response_type": "code",
        "client_id": "li-client",
        "redirect_uri": callback_url("linkedin"),
        "state": state.state,
        "scope": "openid profile w_member_social",
    }
    assert state.code_verifier == ""  # a web app authenticates with its secret
    token_exchange(
        api,
        {
            "access_token": "AQX-access",
            "expires_in": 5184000,
            "refresh_token": "AQX-refresh",
            "refresh_token_expires_in": 31536000,
            "scope": "openid,profile,w_member_social",
        },
    )
    api.get(
        f"{API}/v2/userinfo",
        match=[matchers.header_matcher({"Authorization": "Bearer AQX-access"})],
        json={"sub": "782bbtaQ", "name": "Ada Lovelace", "given_name": "Ada"},
    )
    complete_connect(
        provider="linkedin",
        params={"state": state.state, "code": "li-code"},
        browser_secret=browser.cookie_value,
    )
    integration = Integration.objects.get()
    assert (integration.external_account_id, integration.display_name) == (
        "782bbtaQ",
        "Ada Lovelace",
    )
    assert (integration.access_token, integration.refresh_token) == ("AQX-access", "AQX-refresh")
    lifetime = integration.token_expires_at - timezone.now()
    assert dt.timedelta(days=59) < lifetime <= dt.timedelta(days=60)


def test_linkedin_scopes_replaces_the_default_scopes(settings):
    settings.LINKEDIN_SCOPES = "openid profile w_member_social w_organization_social"
    _, browser = begin(user=UserFactory(), provider="linkedin")
    assert query_of(browser.authorization_url)["scope"] == settings.LINKEDIN_SCOPES


def test_a_userinfo_without_sub_is_refused_in_words(api):
    api.get(f"{API}/v2/userinfo", json={"name": "Nobody"})
    with pytest.raises(OAuthError) as error:
        linkedin_oauth.fetch_account(Credentials(access_token="t"))
    assert str(error.value) == "LinkedIn answered without the member's id; try connecting again."


def test_a_refused_code_is_shown_with_linkedins_words(api):
    token_exchange(
        api,
        {"error": "invalid_request", "error_description": "Unable to retrieve access token"},
        status=400,
    )
    with pytest.raises(OAuthError) as error:
        linkedin_oauth.exchange_code(
            code="li-code", redirect_uri=callback_url("linkedin"), code_verifier=""
        )
    assert str(error.value) == (
        "LinkedIn refused the authorization code: Unable to retrieve access token"
    )
    assert error.value.status_code == 400


def test_revoke_sends_the_token_with_the_client_credentials(api):
    api.post(
        f"{WWW}/oauth/v2/revoke",
        match=[
            matchers.urlencoded_params_matcher(
                {"token": "AQX-access", "client_id": "li-client", "client_secret": "li-secret"}
            )
        ],
    )
    linkedin_oauth.revoke(Credentials(access_token="AQX-access", refresh_token="AQX-refresh"))


def test_only_a_grant_with_a_refresh_token_can_be_refreshed():
    now = timezone.now()
    assert linkedin_oauth.can_refresh(Credentials(access_token="a", refresh_token="r"), now)
    assert not linkedin_oauth.can_refresh(Credentials(access_token="a"), now)
