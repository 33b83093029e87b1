"""Tokens entered by hand with characters no HTTP header can carry: refused in words, never sent."""

import logging

import pytest
from django.urls import reverse

from integrations.models import Integration
from integrations.services import connect_with_tokens
from platforms.oauth import Credentials, OAuthError
from platforms.x import oauth as twitter
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("providers")]

SECRET = "leaked-secret"


@pytest.mark.parametrize(
    ("provider", "fields", "name"),
    [
        ("twitter", {"access_token": f"token\r\nX-Leak: {SECRET}"}, "access token"),
        ("twitter", {"access_token": f"token-€-{SECRET}"}, "access token"),
        ("youtube", {"access_token": "ok", "refresh_token": f"r\n{SECRET}"}, "refresh token"),
        ("discord", {"access_token": f"bot\r\n{SECRET}", "channel_id": "345"}, "bot token"),
        ("discord", {"access_token": "bot", "channel_id": "3 45"}, "channel id"),
        (
            "discord",
            {"webhook_url": f"https://discord.test/api/webhooks/1/t\r\n{SECRET}"},
            "webhook URL",
        ),
    ],
)
def test_the_service_refuses_token_characters_naming_the_field_and_calls_nothing(
    api, caplog, provider, fields, name
):
    with caplog.at_level(logging.DEBUG), pytest.raises(OAuthError) as refused:
        connect_with_tokens(user=UserFactory(), provider=provider, **fields)
    assert str(refused.value).startswith(f"The {name} may only hold printable ASCII characters")
    assert SECRET not in str(refused.value) and SECRET not in caplog.text
    assert not refused.value.transient
    assert len(api.calls) == 0
    assert Integration.objects.count() == 0


def test_a_webhook_url_that_does_not_parse_is_refused_in_words(api):
    with pytest.raises(OAuthError, match="That is not a Discord webhook URL"):
        connect_with_tokens(
            user=UserFactory(),
            provider="discord",
            webhook_url="https://[discord.test/api/webhooks/1/t",
        )
    assert len(api.calls) == 0


def test_the_discord_bot_page_refuses_a_pasted_line_break_without_echoing_it(client, operator, api):
    client.force_login(operator)
    page = client.post(
        reverse("integrations:discord-bot"),
        {"bot_token": f"bot-token\r\n{SECRET}", "channel_id": "345"},
    )
    assert page.status_code == 400
    text = page.content.decode()
    assert "The bot token may only hold printable ASCII characters" in text
    assert SECRET not in text
    assert len(api.calls) == 0
    assert Integration.objects.count() == 0


def test_a_provider_call_that_cannot_be_built_is_an_oauth_error_not_a_crash(api, caplog):
    """Past the checks (a caller that skips them): the HTTP layer still refuses in words."""
    with caplog.at_level(logging.DEBUG), pytest.raises(OAuthError) as refused:
        twitter.fetch_account(Credentials(access_token=f"token\r\nX-Leak: {SECRET}"))
    assert str(refused.value) == (
        "The request to X for the account lookup could not be built: check that the tokens "
        "and URLs were copied whole, without spaces or line breaks."
    )
    assert not refused.value.transient
    assert SECRET not in caplog.text
    assert len(api.calls) == 0
