"""Mastodon: statuses, media and reconcile, on the account's own server.

Checked against Mastodon's documentation (Dec 2026):
- ``POST /api/v1/statuses`` (https://docs.joinmastodon.org/methods/statuses/#create):
  ``status``, ``media_ids[]``, ``visibility`` (public, unlisted, private, direct),
  ``spoiler_text``, ``sensitive``, ``language``; the ``Idempotency-Key`` header makes
  a repeated request answer the status already created. Keys are kept for 1 hour.
  Answer: a Status (https://docs.joinmastodon.org/entities/Status/) with ``id`` and
  ``url``. A refused status is a 422 ``{"error": "Validation failed: ..."}``.
- ``POST /api/v2/media`` (https://docs.joinmastodon.org/methods/media/#v2): multipart
  ``file`` and ``description`` (the alt text); 200 when processed, 202 with
  ``url: null`` while the server still processes it; ``GET /api/v1/media/:id``
  answers 206 while processing and 200 with ``url`` once done.
- ``GET /api/v2/instance`` (https://docs.joinmastodon.org/methods/instance/#v2):
  ``configuration.statuses.max_characters``, ``max_media_attachments`` and
  ``characters_reserved_per_url`` (https://docs.joinmastodon.org/entities/Instance/).
- ``GET /api/v1/accounts/:id/statuses`` (https://docs.joinmastodon.org/methods/accounts/#statuses):
  the account's statuses, newest first, ``limit`` 20 by default and 40 at most.
- Rate limits (https://docs.joinmastodon.org/api/rate-limits/): 300 requests per
  5 minutes per account, media uploads 30 per 30 minutes; every answer carries
  ``X-RateLimit-Limit``, ``X-RateLimit-Remaining`` and ``X-RateLimit-Reset`` (an ISO
  8601 time), and a 429 means waiting until that reset.
- Tokens (https://docs.joinmastodon.org/methods/oauth/#token): Mastodon's access
  tokens do not expire and there is no refresh token; a revoked one answers 401.

Raw HTTP through ``platforms/http.py``, not Mastodon.py: Herald's client needs its
timeouts, its request metrics and its error classes (a message never quotes a
token), and the four calls it makes are plain JSON and multipart requests.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import time
import unicodedata

from django.core.cache import cache
from django.utils import timezone

from platforms.base import (
    UNKNOWN,
    AuthError,
    Credentials,
    Measure,
    MediaFile,
    PermanentError,
    PlatformError,
    Post,
    Published,
    RateLimited,
)
from platforms.http import json_body, send
from platforms.mastodon import MASTODON
from platforms.mastodon.servers import BadServer, checked_server

LABEL = "Mastodon"
DEFAULT_MAX_CHARACTERS = MASTODON.limits.max_text
DEFAULT_MAX_MEDIA = MASTODON.limits.max_media
DEFAULT_URL_LENGTH = 23
# How long a server's limits are kept before asking again.
INSTANCE_CACHE_SECONDS = 3600
UNREADABLE_CACHE_SECONDS = 300
# How long a server keeps an Idempotency-Key, less a margin for clocks and queues.
IDEMPOTENCY_WINDOW = dt.timedelta(hours=1)
IDEMPOTENCY_MARGIN = dt.timedelta(minutes=5)
RECENT_STATUSES = 40  # the most GET /api/v1/accounts/:id/statuses returns at once
MAX_MEDIA_POLLS = 30
MEDIA_POLL_SECONDS = 1
DEFAULT_WAIT = dt.timedelta(minutes=5)  # a 429 without a usable reset: one window
URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
# Patched in tests; the pause between media polls.
sleep = time.sleep


# --- The account's server --------------------------------------------------------------


def server_of(account: dict) -> str:
    """The account's server, checked; a missing or bad one fails the post for good."""
    try:
        return checked_server(account)
    except BadServer as error:
        raise PermanentError(
            f"Mastodon: the account's server is not usable ({error}) Connect the account again.",
            code="bad_server",
        ) from None


def request(method: str, url: str, **kwargs):
    """One request to a server; its redirects are never followed.

    A server is checked when it is connected (platforms/mastodon/servers.py); a
    redirect could send Herald anywhere else, so a 3xx is an answer, not a hop.
    """
    return send(LABEL, method, url, allow_redirects=False, **kwargs)


def auth_headers(credentials: Credentials) -> dict[str, str]:
    return {"Authorization": f"Bearer {credentials.access_token}"}


def instance_limits(server: str) -> dict[str, int]:
    """The server's status limits from ``GET /api/v2/instance``, kept an hour per server.

    Unreadable (down, not Mastodon, a strange answer): Mastodon's defaults, kept
    only a few minutes, so that a server back up is read soon and a server down
    does not slow every check of the composer by a timeout.
    """
    key = f"mastodon:instance-limits:{server}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    defaults = instance_limits_default()
    try:
        response = request("GET", f"{server}/api/v2/instance")
    except PlatformError:
        response = None
    if response is None or response.status_code != 200:
        cache.set(key, defaults, UNREADABLE_CACHE_SECONDS)
        return defaults
    statuses = (json_body(response).get("configuration") or {}).get("statuses") or {}
    limits = {name: positive(statuses.get(name), default) for name, default in defaults.items()}
    cache.set(key, limits, INSTANCE_CACHE_SECONDS)
    return limits


def positive(value, default: int) -> int:
    return (
        value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else default
    )


def limits_for(post: Post) -> dict[str, int]:
    """The limits of the post's account's server; Mastodon's defaults when it has none yet."""
    try:
        server = checked_server(post.account)
    except BadServer:  # no account chosen yet (the composer), or none connected
        return instance_limits_default()
    return instance_limits(server)


def instance_limits_default() -> dict[str, int]:
    return {
        "max_characters": DEFAULT_MAX_CHARACTERS,
        "max_media_attachments": DEFAULT_MAX_MEDIA,
        "characters_reserved_per_url": DEFAULT_URL_LENGTH,
    }


# --- Validation ----------------------------------------------------------------------


def character_count(text: str, url_length: int = DEFAULT_URL_LENGTH) -> int:
    """The length Mastodon counts: every URL is ``url_length``, the rest by character.

    Mastodon counts grapheme clusters; without a segmentation library the closest
    is to skip what joins or modifies the character before it (combining marks,
    zero-width joiners and the character they join, variation selectors).
    """
    text = unicodedata.normalize("NFC", text)
    urls = URL.findall(text)
    rest = URL.sub("", text)
    count, joined = 0, False
    for character in rest:
        if joined:
            joined = False
            continue
        if character == "\u200d":
            joined = True
            continue
        if unicodedata.combining(character) or "\ufe00" <= character <= "\ufe0f":
            continue
        count += 1
    return count + len(urls) * url_length


def status_text(post: Post) -> str:
    return post.body


def measure(post: Post) -> list[Measure]:
    """The status with its content warning (Mastodon counts both), and the media count."""
    limits = limits_for(post)
    used = character_count(status_text(post), limits["characters_reserved_per_url"])
    used += character_count(
        post.options.get("spoiler_text", ""), limits["characters_reserved_per_url"]
    )
    return [
        Measure("Status", used, limits["max_characters"], "characters"),
        Measure("Media", len(post.media), limits["max_media_attachments"], "files"),
    ]


def validate(post: Post) -> list[str]:
    problems = []
    text_measure, media_measure = measure(post)
    if text_measure.over:
        problems.append(
            f"Mastodon: the status and its content warning are {text_measure.used} characters; "
            f"the server's limit is {text_measure.limit}."
        )
    if not post.body.strip() and not post.media:
        problems.append("Mastodon: a status needs text or media.")
    videos = [m for m in post.media if m.kind == "video"]
    if videos and len(post.media) > 1:
        problems.append("Mastodon: a video must be the only media of a status.")
    elif media_measure.over:
        problems.append(
            f"Mastodon: at most {media_measure.limit} media per status "
            f"({media_measure.used} given)."
        )
    return problems


# --- Errors ---------------------------------------------------------------------------


def reset_time(headers) -> dt.datetime:
    """``X-RateLimit-Reset`` (ISO 8601), capped at a day; one window when absent or garbled."""
    now = timezone.now()
    value = headers.get("X-RateLimit-Reset", "")
    try:
        reset = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return now + DEFAULT_WAIT
    if reset.tzinfo is None:
        reset = reset.replace(tzinfo=dt.UTC)
    return min(max(reset, now), now + dt.timedelta(days=1))


def raise_for_error(response) -> None:
    """Map a Mastodon error answer to the engine's errors (5xx already raised by send)."""
    if response.status_code < 400 and not response.is_redirect:
        return
    said = json_body(response).get("error") or response.reason or ""
    message = f"Mastodon answered {response.status_code}: {said}"
    if response.is_redirect:
        raise PermanentError(
            f"Mastodon answered {response.status_code}: a redirect, which Herald does not "
            "follow; check the account's server.",
            code="redirect",
        )
    if response.status_code == 429:
        raise RateLimited(message, until=reset_time(response.headers))
    if response.status_code in (401, 403):
        raise AuthError(message)
    if response.status_code == 422:
        raise PermanentError(message, code="validation_failed")
    raise PermanentError(message, code=f"http_{response.status_code}")


# --- Publishing -------------------------------------------------------------------------


def publish(post: Post, credentials: Credentials) -> Published:
    """Upload the media, then create the status under the publication's idempotency key.

    The first send's time is checkpointed before the request leaves, so that
    ``reconcile`` knows whether the server still holds the key.
    """
    server = server_of(credentials.account)
    headers = auth_headers(credentials)
    media_ids = list(post.platform_state.get("media_ids") or [])
    if not media_ids and post.media:
        media_ids = [upload_media(server, media, headers) for media in post.media]
        post.checkpoint({"media_ids": media_ids})
        post.platform_state["media_ids"] = media_ids
    if "first_sent_at" not in post.platform_state:
        first = {"first_sent_at": timezone.now().isoformat()}
        post.checkpoint(first)
        post.platform_state.update(first)
    body: dict = {"status": status_text(post)}
    if media_ids:
        body["media_ids"] = media_ids
    for name in ("visibility", "spoiler_text", "sensitive", "language"):
        if name in post.options:
            body[name] = post.options[name]
    response = request(
        "POST",
        f"{server}/api/v1/statuses",
        json=body,
        headers={**headers, "Idempotency-Key": post.idempotency_key},
    )
    raise_for_error(response)
    status = json_body(response)
    if not status.get("id"):
        raise PermanentError("Mastodon answered without the status's id.", code="no_id")
    published = Published(str(status["id"]), str(status.get("url") or status.get("uri") or ""))
    post.checkpoint({"status_id": published.external_id, "url": published.permalink})
    return published


def upload_media(server: str, media: MediaFile, headers: dict[str, str]) -> str:
    """``POST /api/v2/media``; poll ``GET /api/v1/media/:id`` while the server processes it."""
    with open(media.path, "rb") as source:
        response = request(
            "POST",
            f"{server}/api/v2/media",
            headers=headers,
            files={"file": (media.path.rsplit("/", 1)[-1], source, media.mime_type)},
            data={"description": media.alt_text} if media.alt_text else None,
        )
    raise_for_error(response)
    attachment = json_body(response)
    media_id = str(attachment.get("id") or "")
    if not media_id:
        raise PermanentError("Mastodon answered the upload without an id.", code="no_id")
    polls = 0
    while response.status_code != 200 or not attachment.get("url"):
        if polls >= MAX_MEDIA_POLLS:
            raise PermanentError(
                "Mastodon kept processing the media for too long.", code="media_timeout"
            )
        sleep(MEDIA_POLL_SECONDS)
        polls += 1
        response = request("GET", f"{server}/api/v1/media/{media_id}", headers=headers)
        raise_for_error(response)
        attachment = json_body(response)
    return media_id


# --- Reconcile ----------------------------------------------------------------------------


def first_sent_at(post: Post) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(post.platform_state["first_sent_at"])
    except (KeyError, TypeError, ValueError):
        return None


def reconcile(post: Post, credentials: Credentials):
    """After an unknown outcome: the status recorded, else a resend that the key makes safe.

    Mastodon answers a request that repeats an ``Idempotency-Key`` with the status
    the first one created, for as long as it keeps the key (1 hour,
    https://docs.joinmastodon.org/methods/statuses/#create). Within that window a
    resend cannot publish twice: ``None`` ("send again"). Beyond it, or with no record
    of the first send, the account's recent statuses are read: the status found is
    returned; none among a page that is not full means it was never made; a full
    page without it cannot tell (``UNKNOWN``).
    """
    if post.platform_state.get("status_id"):
        return Published(str(post.platform_state["status_id"]), post.platform_state.get("url", ""))
    sent_at = first_sent_at(post)
    if sent_at and timezone.now() - sent_at < IDEMPOTENCY_WINDOW - IDEMPOTENCY_MARGIN:
        return None
    server = server_of(credentials.account)
    account_id = credentials.account.get("account_id") or current_account(server, credentials)["id"]
    response = request(
        "GET",
        f"{server}/api/v1/accounts/{account_id}/statuses",
        headers=auth_headers(credentials),
        params={"limit": RECENT_STATUSES, "exclude_reblogs": "true"},
    )
    raise_for_error(response)
    recent = json_body(response).get("data") or []
    wanted = plain(status_text(post))
    for status in recent:
        if isinstance(status, dict) and plain_from_html(status.get("content", "")) == wanted:
            return Published(str(status["id"]), str(status.get("url") or ""))
    return UNKNOWN if len(recent) >= RECENT_STATUSES else None


def plain(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def plain_from_html(content: str) -> str:
    """A status's HTML ``content`` as the text it was written from, spaces collapsed."""
    text = re.sub(r"<br\s*/?>|</p>", " ", content or "", flags=re.IGNORECASE)
    return plain(html.unescape(re.sub(r"<[^>]+>", "", text)))


def current_account(server: str, credentials: Credentials) -> dict:
    response = request(
        "GET",
        f"{server}/api/v1/accounts/verify_credentials",
        headers=auth_headers(credentials),
    )
    raise_for_error(response)
    return json_body(response)


def refresh(credentials: Credentials) -> Credentials:
    """Mastodon's tokens do not expire and have no refresh token: nothing to renew.

    Only a token that stopped working brings this here: connecting again is the way.
    """
    raise AuthError("Mastodon tokens cannot be refreshed: connect the account again.")
