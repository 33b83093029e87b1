"""YouTube's OAuth provider through the connect flow, against mocked hosts."""

import pytest
from responses import matchers

from integrations.models import Integration
from integrations.oauth.flow import complete_connect
from platforms.oauth import OAuthError
from tests.factories import UserFactory
from tests.integrations.conftest import providers  # noqa: F401 - every provider on mocked hosts
from tests.integrations.connect_steps import begin, callback_url, query_of
from tests.integrations.hosts import GOOGLE_OAUTH, YOUTUBE_API

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("providers")]


def test_youtube_asks_for_offline_access_and_stores_the_channel(api):
    state, browser = begin(user=UserFactory(), provider="youtube")
    query = query_of(browser.authorization_url)
    assert query["access_type"] == "offline"
    assert query["prompt"] == "consent"
    assert "youtube.upload" in query["scope"]
    api.post(
        f"{GOOGLE_OAUTH}/token",
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "grant_type": "authorization_code",
                    "code": "g-code",
                    "redirect_uri": callback_url("youtube"),
                    "code_verifier": state.code_verifier,
                    "client_id": "g-client",
                    "client_secret": "g-secret",
                }
            )
        ],
        json={
            "access_token": "ya29.access",
            "expires_in": 3599,
            "refresh_token": "1//refresh",
            "scope": "https://www.googleapis.com/auth/youtube.upload",
            "token_type": "Bearer",
        },
    )
    api.get(
        f"{YOUTUBE_API}/youtube/v3/channels",
        match=[
            matchers.query_param_matcher({"part": "snippet", "mine": "true"}),
            matchers.header_matcher({"Authorization": "Bearer ya29.access"}),
        ],
        json={"items": [{"id": "UCabc", "snippet": {"title": "Herald Channel"}}]},
    )
    complete_connect(
        provider="youtube",
        params={"state": state.state, "code": "g-code"},
        browser_secret=browser.cookie_value,
    )
    integration = Integration.objects.get()
    assert (integration.external_account_id, integration.display_name) == (
        "UCabc",
        "Herald Channel",
    )
    assert integration.refresh_token == "1//refresh"


def test_a_google_account_without_a_channel_is_refused_in_words(api):
    state, browser = begin(user=UserFactory(), provider="youtube")
    api.post(f"{GOOGLE_OAUTH}/token", json={"access_token": "ya29", "expires_in": 3599})
    api.get(f"{YOUTUBE_API}/youtube/v3/channels", json={"items": []})
    with pytest.raises(OAuthError, match="has no YouTube channel"):
        complete_connect(
            provider="youtube",
            params={"state": state.state, "code": "c"},
            browser_secret=browser.cookie_value,
        )
    assert Integration.objects.count() == 0
