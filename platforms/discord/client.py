"""Discord: a channel message as a bot (safe to resend thanks to ``enforce_nonce``) or a webhook."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from contextlib import ExitStack
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings

from platforms.base import (
    UNKNOWN,
    AuthError,
    Credentials,
    Measure,
    PermanentError,
    Post,
    Published,
    RateLimited,
)
from platforms.discord import DISCORD
from platforms.http import json_body, send

LABEL = "Discord"
API = "/api/v10"
MAX_CONTENT = DISCORD.limits.max_text
MAX_FILES = DISCORD.limits.max_media
# The most messages one read returns (Discord's maximum).
RECENT_MESSAGES = 100
# Unknown Channel / Unknown Webhook: the target is gone, the token is fine.
GONE_CODES = {10003, 10015}


def base_url() -> str:
    return settings.PLATFORM_BASE_URLS["discord"]


def nonce_for(post: Post) -> str:
    """The same 25-character nonce for every attempt of one publication."""
    return hashlib.sha256(post.idempotency_key.encode()).hexdigest()[:25]


def measure(post: Post) -> list[Measure]:
    return [
        Measure("Message", len(post.body), MAX_CONTENT, "characters"),
        Measure("Attachments", len(post.media), MAX_FILES, "files"),
    ]


def bot_channel(post: Post, credentials: Credentials) -> str:
    """The channel a bot account posts in: the post's ``channel_id`` option, or the account's."""
    return post.options.get("channel_id") or credentials.account.get("channel_id") or ""


def validate(post: Post) -> list[str]:
    problems = []
    if len(post.body) > MAX_CONTENT:
        problems.append(
            f"Discord: the message is {len(post.body)} characters; the limit is {MAX_CONTENT}."
        )
    if not post.body.strip() and not post.media:
        problems.append("Discord: a message needs text or an attachment.")
    if len(post.media) > MAX_FILES:
        problems.append(f"Discord: at most {MAX_FILES} attachments per message.")
    return problems


def webhook_url(credentials: Credentials) -> str:
    """The stored webhook URL, re-pointed at the configured Discord host (the sandbox in dev)."""
    stored = urlsplit(credentials.webhook_url)
    base = urlsplit(base_url())
    path = base.path.rstrip("/") + stored.path
    return urlunsplit((base.scheme, base.netloc, path, "", ""))


def raise_for_error(response) -> None:
    if response.status_code < 400:
        return
    body = json_body(response)
    message = f"Discord answered {response.status_code}: {body.get('message') or response.reason}"
    if response.status_code == 429:
        seconds = float(body.get("retry_after") or response.headers.get("Retry-After") or 1)
        raise RateLimited(message, until=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds))
    if response.status_code in (401, 403):
        raise AuthError(message)
    if body.get("code") in GONE_CODES:
        raise PermanentError(message, code="target_gone")
    raise PermanentError(message, code=f"discord_{body.get('code', response.status_code)}")


def publish(post: Post, credentials: Credentials) -> Published:
    payload: dict = {"content": post.body}
    if post.options.get("channel_id") and not credentials.access_token:
        raise PermanentError(
            "Discord: a webhook posts only to its own channel; choosing another channel "
            "needs a bot account.",
            code="channel_needs_bot",
        )
    if credentials.access_token and bot_channel(post, credentials):
        channel_id = bot_channel(post, credentials)
        url = f"{base_url()}{API}/channels/{channel_id}/messages"
        headers = {"Authorization": f"Bot {credentials.access_token}"}
        payload.update(nonce=nonce_for(post), enforce_nonce=True)
        params = None
    elif credentials.webhook_url:
        url, headers, params = webhook_url(credentials), {}, {"wait": "true"}
    else:
        raise AuthError("Discord: the account has neither a bot token and channel nor a webhook.")
    with ExitStack() as files:
        if post.media:
            attachments = {
                f"files[{n}]": (
                    media.path.rsplit("/", 1)[-1],
                    files.enter_context(open(media.path, "rb")),
                    media.mime_type,
                )
                for n, media in enumerate(post.media)
            }
            request = {"data": {"payload_json": json.dumps(payload)}, "files": attachments}
        else:
            request = {"json": payload}
        response = send(LABEL, "POST", url, headers=headers, params=params, **request)
    raise_for_error(response)
    message = json_body(response)
    post.checkpoint({"message_id": message["id"], "channel_id": message.get("channel_id")})
    return Published(str(message["id"]), permalink(credentials, message))


def permalink(credentials: Credentials, message: dict) -> str:
    guild_id = credentials.account.get("guild_id") or message.get("guild_id")
    if not guild_id:
        return ""
    return f"{settings.PLATFORM_PERMALINK_BASES['discord']}/channels/{guild_id}/{message['channel_id']}/{message['id']}"


def reconcile(post: Post, credentials: Credentials):
    """Find the message: by its saved id, or among the channel's recent bot messages.

    A bot resend within a few minutes would be deduplicated by the enforced
    nonce, but a recovered lease can come later than Discord remembers nonces.
    """
    message_id = post.platform_state.get("message_id")
    if credentials.access_token and bot_channel(post, credentials):
        channel_url = f"{base_url()}{API}/channels/{bot_channel(post, credentials)}/messages"
        headers = {"Authorization": f"Bot {credentials.access_token}"}
        if message_id:
            response = send(LABEL, "GET", f"{channel_url}/{message_id}", headers=headers)
            raise_for_error(response)
            return Published(str(message_id), permalink(credentials, json_body(response)))
        response = send(
            LABEL, "GET", channel_url, headers=headers, params={"limit": RECENT_MESSAGES}
        )
        raise_for_error(response)
        recent = json_body(response).get("data") or []
        for message in recent:
            if message.get("content") == post.body and (message.get("author") or {}).get("bot"):
                return Published(str(message["id"]), permalink(credentials, message))
        # A full page left older messages unread, and a lease recovered late can
        # outlast Discord's nonce memory: a resend could post twice.
        return UNKNOWN if len(recent) >= RECENT_MESSAGES else None
    if not message_id:
        return UNKNOWN  # a webhook has no nonce, and its answer was lost
    response = send(LABEL, "GET", f"{webhook_url(credentials)}/messages/{message_id}")
    if response.status_code == 404:
        return None
    raise_for_error(response)
    message = json_body(response)
    return Published(str(message["id"]), permalink(credentials, message))


def refresh(credentials: Credentials) -> Credentials:
    """Bot tokens and webhooks do not expire."""
    return credentials
