"""Pause, resume, revoke and hand-entered tokens: statuses, platform calls, held posts."""

import re

import pytest
from django.utils import timezone
from responses import matchers

from content.choices import Status
from integrations.models import Integration
from integrations.services import (
    IntegrationError,
    connect_with_tokens,
    pause_integration,
    resume_integration,
    revoke_integration,
)
from platforms.oauth import OAuthError
from publishing import holds
from tests.factories import ContentFactory, IntegrationFactory, PublicationFactory, UserFactory
from tests.integrations.hosts import DISCORD, GOOGLE_OAUTH, X_API

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("providers")]


def held_publication(integration):
    content = ContentFactory(owner=integration.user)
    return PublicationFactory(
        content=content,
        integration=integration,
        status=Status.QUEUED,
        **holds.paused_account().fields(),
        next_attempt_at=None,
    )


def test_pause_then_resume_releases_the_posts_the_pause_held():
    integration = IntegrationFactory()
    pause_integration(integration)
    assert integration.status == Integration.Status.PAUSED
    held = held_publication(integration)
    other = PublicationFactory(
        status=Status.QUEUED, **holds.paused_account().fields(), next_attempt_at=None
    )
    before = timezone.now()
    resume_integration(integration)
    integration.refresh_from_db()
    assert integration.status == Integration.Status.ACTIVE
    held.refresh_from_db()
    assert held.next_attempt_at >= before  # due again: the next poll dispatches it
    other.refresh_from_db()
    assert other.next_attempt_at is None  # another account's hold is untouched


@pytest.mark.parametrize("status", ["revoked", "needs_reauth", "paused"])
def test_only_an_active_account_can_be_paused(status):
    integration = IntegrationFactory(status=status)
    with pytest.raises(IntegrationError, match="Only an active account can be paused"):
        pause_integration(integration)
    integration.refresh_from_db()
    assert integration.status == status


def test_only_a_paused_account_can_be_resumed():
    integration = IntegrationFactory(status=Integration.Status.REVOKED)
    with pytest.raises(IntegrationError, match=r"Only a paused account can be resumed; .* revoked"):
        resume_integration(integration)


def test_revoke_calls_the_platform_and_forgets_the_tokens(api):
    integration = IntegrationFactory(provider="twitter", refresh_token="x-refresh-token-123")
    api.post(
        f"{X_API}/2/oauth2/revoke",
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "token": "x-refresh-token-123",
                    "token_type_hint": "refresh_token",
                    "client_id": "x-client",
                }
            )
        ],
        json={"revoked": True},
    )
    result = revoke_integration(integration)
    assert result.platform_message == "X revoked the access."
    integration.refresh_from_db()
    assert integration.status == Integration.Status.REVOKED
    assert (integration.access_token, integration.refresh_token) == (None, None)
    assert integration.last_error == ""


def test_revoke_deletes_a_discord_webhook_and_revokes_its_token(api):
    webhook = f"{DISCORD}/api/webhooks/1200/tok"
    integration = IntegrationFactory(
        provider="discord", access_token="d-access-token-0000000", webhook_url=webhook
    )
    api.delete(webhook, status=204)
    api.post(
        f"{DISCORD}/api/v10/oauth2/token/revoke",
        match=[
            matchers.urlencoded_params_matcher(
                {"token": "d-access-token-0000000", "token_type_hint": "access_token"}
            )
        ],
        json={},
    )
    revoke_integration(integration)
    integration.refresh_from_db()
    assert integration.webhook_url is None
    assert integration.status == Integration.Status.REVOKED


def test_a_failed_platform_revoke_still_revokes_in_herald_and_says_so(api):
    integration = IntegrationFactory(provider="youtube")
    api.post(f"{GOOGLE_OAUTH}/revoke", status=400, json={"error": "invalid_token"})
    result = revoke_integration(integration)
    integration.refresh_from_db()
    assert integration.status == Integration.Status.REVOKED
    assert integration.access_token is None
    assert integration.last_error == (
        "Revoked in Herald, but YouTube refused the revocation: invalid_token "
        "Remove Herald in the account's settings."
    )
    assert integration.last_error_at is not None
    assert result.platform_message == integration.last_error


def test_instagram_has_no_revoke_endpoint_and_the_message_says_so():
    integration = IntegrationFactory(provider="instagram")
    result = revoke_integration(integration)
    assert "Instagram has no revocation endpoint" in result.platform_message
    integration.refresh_from_db()
    assert integration.status == Integration.Status.REVOKED


def test_revoking_releases_held_posts_so_they_fail_saying_why():
    integration = IntegrationFactory(provider="instagram", status=Integration.Status.PAUSED)
    held = held_publication(integration)
    revoke_integration(integration)
    held.refresh_from_db()
    assert held.next_attempt_at is not None


def test_revoking_twice_is_refused():
    integration = IntegrationFactory(status=Integration.Status.REVOKED)
    with pytest.raises(IntegrationError, match="already revoked"):
        revoke_integration(integration)


def test_a_discord_bot_token_is_checked_against_the_channel(api):
    user = UserFactory()
    api.get(
        f"{DISCORD}/api/v10/channels/345",
        match=[matchers.header_matcher({"Authorization": "Bot bot-token-0123456789"})],
        json={"id": "345", "guild_id": "678", "name": "announcements", "type": 0},
    )
    integration, created = connect_with_tokens(
        user=user, provider="discord", access_token="bot-token-0123456789", channel_id="345"
    )
    assert created
    assert integration.display_name == "#announcements"
    assert integration.account_options == {"channel_id": "345", "guild_id": "678"}
    assert integration.access_token == "bot-token-0123456789"


def test_a_bot_token_discord_refuses_is_not_saved(api):
    api.get(
        f"{DISCORD}/api/v10/channels/345",
        status=401,
        json={"message": "401: Unauthorized", "code": 0},
    )
    with pytest.raises(OAuthError) as refused:
        connect_with_tokens(
            user=UserFactory(), provider="discord", access_token="wrong", channel_id="345"
        )
    assert str(refused.value) == "Discord refused the channel lookup: 401: Unauthorized"
    assert Integration.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"access_token": "bot"}, "Discord needs a webhook URL, or a bot token and a channel id."),
        ({"access_token": "bot", "channel_id": "general"}, "A Discord channel id is a number"),
        ({"webhook_url": "https://example.com/hook"}, "That is not a Discord webhook URL"),
    ],
)
def test_hand_entered_discord_details_are_checked_before_any_call(fields, message, api):
    with pytest.raises(OAuthError, match=re.escape(message)):
        connect_with_tokens(user=UserFactory(), provider="discord", **fields)
    assert len(api.calls) == 0
