"""Discord's OAuth provider through the connect flow, against mocked hosts."""

import base64

import pytest
from responses import matchers

from integrations.models import Integration
from integrations.oauth.flow import complete_connect
from tests.factories import UserFactory
from tests.integrations.conftest import providers  # noqa: F401 - every provider on mocked hosts
from tests.integrations.connect_steps import begin, callback_url
from tests.integrations.hosts import DISCORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("providers")]


def test_discord_webhook_incoming_stores_the_webhook_url(api):
    state, browser = begin(user=UserFactory(), provider="discord")
    webhook_url = f"{DISCORD}/api/webhooks/1200/webhook-token"
    api.post(
        f"{DISCORD}/api/v10/oauth2/token",
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "grant_type": "authorization_code",
                    "code": "d-code",
                    "redirect_uri": callback_url("discord"),
                }
            ),
            matchers.header_matcher(
                {"Authorization": "Basic " + base64.b64encode(b"d-client:d-secret").decode()}
            ),
        ],
        json={
            "access_token": "d-access",
            "token_type": "Bearer",
            "expires_in": 604800,
            "refresh_token": "d-refresh",
            "scope": "webhook.incoming",
            "webhook": {"id": "1200", "token": "webhook-token", "url": webhook_url},
        },
    )
    api.get(
        webhook_url,
        json={"id": "1200", "name": "Herald #news", "channel_id": "345", "guild_id": "678"},
    )
    complete_connect(
        provider="discord",
        params={"state": state.state, "code": "d-code"},
        browser_secret=browser.cookie_value,
    )
    integration = Integration.objects.get()
    assert integration.webhook_url == webhook_url
    assert integration.display_name == "Herald #news"
    assert integration.account_options == {"guild_id": "678", "webhook_channel_id": "345"}
