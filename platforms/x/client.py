"""X: API v2 posts, threads and chunked media upload, with a user's OAuth 2.0 token.

Rate limits. X's rate-limit page (https://docs.x.com/x-api/fundamentals/rate-limits)
gives limits over "15 minutes or 24 hours", per user and per app; ``POST /2/tweets``
has a per-app cap of 10,000 per 24 hours beside the per-user 15-minute window. That
page documents only the 15-minute headers (``x-rate-limit-limit``, ``-remaining``,
``-reset``). X's answers to ``POST /2/tweets`` also carry the 24-hour caps, in
headers that page does not list: ``x-user-limit-24hour-remaining`` /
``x-user-limit-24hour-reset`` and ``x-app-limit-24hour-remaining`` /
``x-app-limit-24hour-reset`` (``-limit`` too), resets in epoch seconds. A 429 with a 24-hour cap at 0 holds the post until that
reset (the later one when both are used up): retrying every 15 minutes would only
collect more 429s until the day is over.
"""

from __future__ import annotations

import datetime as dt
import time
import unicodedata

from django.conf import settings

from platforms.base import (
    UNKNOWN,
    AuthError,
    Credentials,
    Measure,
    MediaFile,
    PermanentError,
    Post,
    Published,
    RateLimited,
)
from platforms.http import epoch_to_datetime, json_body, renewed, send
from platforms.x import X
from platforms.x.x_text import MAX_WEIGHTED_LENGTH, weighted_length

LABEL = "X"
MAX_IMAGES = X.limits.max_media
CHUNK_SIZE = 4 * 1024 * 1024
MAX_STATUS_POLLS = 60
RECENT_POSTS = 100  # the most X returns in one page
# The 24-hour caps: (remaining header, reset header), the user's and the app's.
DAILY_CAPS = (
    ("x-user-limit-24hour-remaining", "x-user-limit-24hour-reset"),
    ("x-app-limit-24hour-remaining", "x-app-limit-24hour-reset"),
)
DAY = dt.timedelta(hours=24)
WINDOW = dt.timedelta(minutes=15)
# Patched in tests; the pause between media STATUS polls.
sleep = time.sleep


def base_url() -> str:
    return settings.PLATFORM_BASE_URLS["twitter"]


def auth_headers(credentials: Credentials) -> dict[str, str]:
    return {"Authorization": f"Bearer {credentials.access_token}"}


def parts_of(post: Post) -> list[str]:
    """The head post and its thread replies, normalised to NFC as X counts them."""
    thread = post.options.get("thread") or []
    return [unicodedata.normalize("NFC", text) for text in [post.body, *thread]]


def measure(post: Post) -> list[Measure]:
    """The weighted length of the head post and of each thread part, and the media count."""
    measures = [
        Measure(
            "Post" if index == 0 else f"Thread part {index + 1}",
            weighted_length(text),
            MAX_WEIGHTED_LENGTH,
            "weighted characters",
        )
        for index, text in enumerate(parts_of(post))
    ]
    return [*measures, Measure("Media", len(post.media), MAX_IMAGES, "files")]


def validate(post: Post) -> list[str]:
    problems = []
    for index, text in enumerate(parts_of(post)):
        length = weighted_length(text)
        where = "the text" if index == 0 else f"thread part {index + 1}"
        if length > MAX_WEIGHTED_LENGTH:
            problems.append(
                f"X: {where} is {length} weighted characters; the limit is {MAX_WEIGHTED_LENGTH}."
            )
        if index > 0 and not text.strip():
            problems.append(f"X: {where} is empty.")
    if not post.body.strip() and not post.media:
        problems.append("X: a post needs text or media.")
    videos = [m for m in post.media if m.kind == "video" or m.mime_type == "image/gif"]
    if videos and len(post.media) > 1:
        problems.append("X: a video or GIF must be the only media of a post.")
    elif len(post.media) > MAX_IMAGES:
        problems.append(f"X: at most {MAX_IMAGES} images per post ({len(post.media)} given).")
    return problems


def raise_for_error(response) -> None:
    """Map an X error answer to the engine's errors."""
    if response.status_code < 400:
        return
    body = json_body(response)
    detail = body.get("detail") or "; ".join(
        e.get("message", "") for e in body.get("errors", []) if isinstance(e, dict)
    )
    message = f"X answered {response.status_code}: {detail or response.reason}"
    if response.status_code == 429:
        raise RateLimited(message, until=rate_limited_until(response.headers))
    if response.status_code == 401:
        raise AuthError(message)
    if response.status_code == 403 and "duplicate" in detail.lower():
        raise PermanentError(message, code="duplicate_content")
    raise PermanentError(message, code=f"http_{response.status_code}")


def is_used_up(remaining: str | None) -> bool:
    """Whether a ``-remaining`` header says 0 (absent or not a number: it says nothing)."""
    try:
        return int(remaining) == 0
    except (TypeError, ValueError):
        return False


def rate_limited_until(headers) -> dt.datetime:
    """When a 429 lets X be asked again: a used-up 24-hour cap's reset, else the window's."""
    now = dt.datetime.now(dt.UTC)
    daily_resets = [
        # A 24-hour cap at 0 without a usable reset: X said the day's posts are used
        # up but not when they come back, and the longest that can take is a day.
        # Capped at a day too, so that a garbled reset cannot hold the post for years.
        min(epoch_to_datetime(headers.get(reset), default=now + DAY), now + DAY)
        for remaining, reset in DAILY_CAPS
        if is_used_up(headers.get(remaining))
    ]
    if daily_resets:
        return max(daily_resets)
    return epoch_to_datetime(headers.get("x-rate-limit-reset"), default=now + WINDOW)


def publish(post: Post, credentials: Credentials) -> Published:
    """Post the head and each thread part as a reply, resuming after the last part recorded."""
    headers = auth_headers(credentials)
    posted = list(post.platform_state.get("tweet_ids", []))
    media_ids = [] if posted else [upload_media(m, headers) for m in post.media]
    for index, text in enumerate(parts_of(post)):
        if index < len(posted):
            continue
        body: dict = {"text": text}
        if index == 0 and media_ids:
            body["media"] = {"media_ids": media_ids}
        if posted:
            body["reply"] = {"in_reply_to_tweet_id": posted[-1]}
        response = send(LABEL, "POST", f"{base_url()}/2/tweets", json=body, headers=headers)
        raise_for_error(response)
        posted.append(str(json_body(response)["data"]["id"]))
        post.checkpoint({"tweet_ids": posted})
    username = credentials.account.get("username") or current_user(headers)["username"]
    return Published(posted[0], permalink(username, posted[0]))


def permalink(username: str, post_id: str) -> str:
    return f"{settings.PLATFORM_PERMALINK_BASES['twitter']}/{username}/status/{post_id}"


def media_category(media: MediaFile) -> str:
    if media.mime_type == "image/gif":
        return "tweet_gif"
    return "tweet_video" if media.kind == "video" else "tweet_image"


def upload_media(media: MediaFile, headers: dict[str, str]) -> str:
    """INIT, APPEND in chunks, FINALIZE, then poll STATUS until processing ends."""
    url = f"{base_url()}/2/media/upload"
    response = send(
        LABEL,
        "POST",
        url,
        headers=headers,
        data={
            "command": "INIT",
            "total_bytes": media.size_bytes,
            "media_type": media.mime_type,
            "media_category": media_category(media),
        },
    )
    raise_for_error(response)
    media_id = str(json_body(response)["data"]["id"])
    with open(media.path, "rb") as source:
        segment = 0
        while chunk := source.read(CHUNK_SIZE):
            response = send(
                LABEL,
                "POST",
                url,
                headers=headers,
                data={"command": "APPEND", "media_id": media_id, "segment_index": segment},
                files={"media": ("blob", chunk, "application/octet-stream")},
            )
            raise_for_error(response)
            segment += 1
    response = send(
        LABEL, "POST", url, headers=headers, data={"command": "FINALIZE", "media_id": media_id}
    )
    raise_for_error(response)
    info = json_body(response).get("data", {}).get("processing_info")
    for _ in range(MAX_STATUS_POLLS):
        if not info or info.get("state") == "succeeded":
            return media_id
        if info.get("state") == "failed":
            reason = (info.get("error") or {}).get("message", "processing failed")
            raise PermanentError(f"X could not process the media: {reason}", code="media_failed")
        sleep(info.get("check_after_secs", 1))
        response = send(
            LABEL,
            "GET",
            url,
            headers=headers,
            params={"command": "STATUS", "media_id": media_id},
        )
        raise_for_error(response)
        info = json_body(response).get("data", {}).get("processing_info")
    raise PermanentError("X kept processing the media for too long.", code="media_timeout")


def current_user(headers: dict[str, str]) -> dict:
    response = send(LABEL, "GET", f"{base_url()}/2/users/me", headers=headers)
    raise_for_error(response)
    return json_body(response)["data"]


def reconcile(post: Post, credentials: Credentials):
    """Look for the head post among the account's recent posts."""
    posted = post.platform_state.get("tweet_ids", [])
    username = credentials.account.get("username")
    if posted and len(posted) == len(parts_of(post)) and username:
        return Published(posted[0], permalink(username, posted[0]))
    if posted:
        return None  # the head is out; publish resumes the thread after the last part
    headers = auth_headers(credentials)
    user = current_user(headers)
    response = send(
        LABEL,
        "GET",
        f"{base_url()}/2/users/{user['id']}/tweets",
        headers=headers,
        params={"max_results": RECENT_POSTS},
    )
    raise_for_error(response)
    head = parts_of(post)[0]
    answer = json_body(response)
    recent = answer.get("data") or []
    for tweet in recent:
        if unicodedata.normalize("NFC", tweet.get("text", "")) == head:
            tweet_id = str(tweet["id"])
            return Published(tweet_id, permalink(user["username"], tweet_id))
    # A full page means older posts were left unread: the post may be among them, so
    # "not found" proves nothing, and a resend could publish it twice.
    if len(recent) >= RECENT_POSTS or (answer.get("meta") or {}).get("next_token"):
        return UNKNOWN
    return None


def refresh(credentials: Credentials) -> Credentials:
    """OAuth 2.0 refresh: X rotates the refresh token on every use."""
    auth = None
    if settings.X_CLIENT_SECRET:
        auth = (settings.X_CLIENT_ID, settings.X_CLIENT_SECRET)
    response = send(
        LABEL,
        "POST",
        f"{base_url()}/2/oauth2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": credentials.refresh_token,
            "client_id": settings.X_CLIENT_ID,
        },
        auth=auth,
    )
    if response.status_code in (400, 401):
        raise AuthError("X refused the refresh token: the account must be connected again.")
    raise_for_error(response)
    return renewed(credentials, json_body(response), default_lifetime=7200)
