"""Instagram's OAuth provider through the connect flow, against mocked hosts."""

import datetime as dt

import pytest
from django.utils import timezone
from responses import matchers

from integrations.models import Integration
from integrations.oauth.flow import complete_connect
from tests.factories import UserFactory
from tests.integrations.conftest import providers  # noqa: F401 - every provider on mocked hosts
from tests.integrations.connect_steps import begin, callback_url
from tests.integrations.hosts import GRAPH, INSTAGRAM_LOGIN

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("providers")]


def test_instagram_exchanges_the_short_lived_token_for_a_long_lived_one(api):
    state, browser = begin(user=UserFactory(), provider="instagram")
    api.post(
        f"{INSTAGRAM_LOGIN}/oauth/access_token",
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "client_id": "ig-client",
                    "client_secret": "ig-secret",
                    "grant_type": "authorization_code",
                    "redirect_uri": callback_url("instagram"),
                    "code": "ig-code",
                }
            )
        ],
        json={
            "data": [
                {
                    "access_token": "short-lived",
                    "user_id": "17841400000000009",
                    "permissions": "instagram_business_basic,instagram_business_content_publish",
                }
            ]
        },
    )
    api.get(
        f"{GRAPH}/access_token",
        match=[
            matchers.query_param_matcher(
                {
                    "grant_type": "ig_exchange_token",
                    "client_secret": "ig-secret",
                    "access_token": "short-lived",
                }
            )
        ],
        json={"access_token": "long-lived", "token_type": "bearer", "expires_in": 5183944},
    )
    api.get(
        f"{GRAPH}/me",
        match=[
            matchers.query_param_matcher(
                {"fields": "user_id,username", "access_token": "long-lived"}
            )
        ],
        json={"user_id": "17841400000000009", "username": "herald.hq"},
    )
    complete_connect(
        provider="instagram",
        params={"state": state.state, "code": "ig-code"},
        browser_secret=browser.cookie_value,
    )
    integration = Integration.objects.get()
    assert integration.access_token == "long-lived"
    assert integration.external_account_id == "17841400000000009"
    assert integration.display_name == "@herald.hq"
    assert integration.scopes == "instagram_business_basic,instagram_business_content_publish"
    assert integration.token_expires_at > timezone.now() + dt.timedelta(days=59)
