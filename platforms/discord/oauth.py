"""Discord: the ``webhook.incoming`` scope; the user picks the channel on Discord's page."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from django.conf import settings

from platforms.base import Credentials
from platforms.discord.client import webhook_url as rebased_webhook_url
from platforms.oauth import (
    ConnectByHand,
    ConnectedAccount,
    OAuthError,
    TypedField,
    call,
    grant_from,
)

NAME = "Discord"
USES_PKCE = False
# What the access token is when connecting by hand: a bot's.
ACCESS_TOKEN_NAME = "bot token"
SCOPES = "webhook.incoming"
API = "/api/v10"


def api_url(path: str) -> str:
    return f"{settings.PLATFORM_BASE_URLS['discord']}{path}"


def client_auth() -> tuple[str, str]:
    return (settings.DISCORD_CLIENT_ID, settings.DISCORD_CLIENT_SECRET)


def authorization_url(*, state: str, redirect_uri: str, code_challenge: str) -> str:
    query = {
        "response_type": "code",
        "client_id": settings.DISCORD_CLIENT_ID,
        "redirect_uri": redirect_uri,
        "scope": SCOPES,
        "state": state,
    }
    return f"{settings.OAUTH_AUTHORIZE_URLS['discord']}?{urlencode(query)}"


def exchange_code(*, code: str, redirect_uri: str, code_verifier: str) -> Credentials:
    answer = call(
        NAME,
        "the authorization code",
        "POST",
        api_url(f"{API}/oauth2/token"),
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri},
        auth=client_auth(),
    )
    webhook = answer.get("webhook") or {}
    if not webhook.get("url"):
        raise OAuthError(f"{NAME} answered without a webhook; choose a channel and try again.")
    return grant_from(answer, webhook_url=webhook["url"])


def webhook_endpoint(url: str) -> str:
    """The stored webhook URL on the configured Discord host, as the publisher calls it."""
    return rebased_webhook_url(Credentials(webhook_url=url))


def fetch_account(grant: Credentials) -> ConnectedAccount:
    """The webhook itself names its channel and guild (GET with its token needs no auth)."""
    webhook = call(NAME, "the webhook lookup", "GET", webhook_endpoint(grant.webhook_url))
    if not webhook.get("id"):
        raise OAuthError(f"{NAME} answered without the webhook's id; try connecting again.")
    name = webhook.get("name") or "Discord webhook"
    # Each authorization creates a new webhook; the channel is what stays the same, so a
    # reconnect to the same channel updates the same Integration.
    channel_id = str(webhook.get("channel_id") or webhook["id"])
    return ConnectedAccount(
        external_account_id=f"webhook-channel-{channel_id}",
        display_name=name,
        account_options={
            "guild_id": str(webhook.get("guild_id") or ""),
            "webhook_channel_id": str(webhook.get("channel_id") or ""),
        },
    )


def revoke(grant: Credentials) -> None:
    """Delete the webhook (the token alone would leave it posting), then revoke the token."""
    if grant.webhook_url:
        call(NAME, "the webhook deletion", "DELETE", webhook_endpoint(grant.webhook_url))
    if grant.access_token:
        call(
            NAME,
            "the revocation",
            "POST",
            api_url(f"{API}/oauth2/token/revoke"),
            data={"token": grant.access_token, "token_type_hint": "access_token"},
            auth=client_auth(),
        )


def fetch_bot_channel(bot_token: str, channel_id: str) -> ConnectedAccount:
    """For a bot token entered by hand: the channel it will post to, checked with that token."""
    if not channel_id.isdigit():
        raise OAuthError("A Discord channel id is a number (Developer Mode → Copy Channel ID).")
    channel = call(
        NAME,
        "the channel lookup",
        "GET",
        api_url(f"{API}/channels/{channel_id}"),
        headers={"Authorization": f"Bot {bot_token}"},
    )
    name = channel.get("name") or channel_id
    return ConnectedAccount(
        external_account_id=f"channel-{channel_id}",
        display_name=f"#{name}",
        account_options={"channel_id": channel_id, "guild_id": str(channel.get("guild_id") or "")},
    )


def can_refresh(grant: Credentials, now) -> bool:
    """Bot tokens and webhooks do not expire, so there is nothing to refresh."""
    return False


def verify(grant: Credentials, account_options: dict) -> ConnectedAccount:
    """One identity call with the stored token: the bot's channel, else the webhook."""
    channel_id = account_options.get("channel_id", "")
    if channel_id and grant.access_token:
        return fetch_bot_channel(grant.access_token, channel_id)
    return fetch_account(grant)


def account_from_tokens(grant: Credentials, *, channel_id: str = "") -> ConnectedAccount:
    """Connecting by hand: a webhook URL, or a bot token and a channel id."""
    if not grant.webhook_url:
        if not (grant.access_token and channel_id):
            raise OAuthError("Discord needs a webhook URL, or a bot token and a channel id.")
        return fetch_bot_channel(grant.access_token, channel_id)
    check_webhook_url(grant.webhook_url)
    return fetch_account(grant)


def check_webhook_url(url: str) -> None:
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed "[" in the host
        parts = None
    if parts is None or parts.scheme not in ("https", "http") or "/api/webhooks/" not in parts.path:
        raise OAuthError(
            "That is not a Discord webhook URL (it looks like "
            "https://discord.com/api/webhooks/<id>/<token>)."
        )


def connect_bot(values: dict[str, str]) -> tuple[Credentials, ConnectedAccount]:
    """A bot token and the channel it posts in, checked by reading the channel with it."""
    grant = Credentials(access_token=values["bot_token"])
    return grant, fetch_bot_channel(grant.access_token, values["channel_id"])


CONNECT_BY_HAND = ConnectByHand(
    title="Connect a bot token and a channel",
    explanation=(
        "Herald checks the token by reading the channel with it, so the bot must already be "
        "in the server and allowed to see and write in that channel. The token is stored "
        "encrypted and never shown again."
    ),
    fields=(
        TypedField("bot_token", "Bot token", secret=True, max_length=4096),
        TypedField(
            "channel_id",
            "Channel id",
            max_length=25,
            help_text="Discord with a bot token: the channel to post in.",
        ),
    ),
    connect=connect_bot,
)
