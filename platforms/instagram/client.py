"""Instagram (Graph API, Instagram Login): container -> status -> media_publish -> permalink.

Meta fetches the media itself, so every file must be reachable at a public
URL (``PUBLIC_MEDIA_BASE_URL``). The container id is checkpointed before
publishing, so an interrupted attempt can be reconciled.
"""

from __future__ import annotations

import datetime as dt
import re
import time

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
    TransientError,
)
from platforms.http import json_body, renewed, send
from platforms.instagram import INSTAGRAM

LABEL = "Instagram"
GRAPH_VERSION = "v23.0"
MAX_CAPTION = INSTAGRAM.limits.max_text
MAX_HASHTAGS = 30
MAX_MENTIONS = 20
MAX_CAROUSEL = INSTAGRAM.limits.max_media
MAX_STATUS_POLLS = 60
THROTTLING_CODES = {4, 17, 32, 613}
PUBLISH_LIMIT = (9, 2207042)
# Reconcile reads this many recent media: more than a day of the API's publishing
# quota (50 per 24 h), so a container published within a lease is among them.
RECENT_MEDIA = 100
# Patched in tests; the pause between container status polls.
sleep = time.sleep


def graph_url(path: str) -> str:
    return f"{settings.PLATFORM_BASE_URLS['instagram']}/{GRAPH_VERSION}/{path}"


HASHTAG = re.compile(r"(?<!\w)#\w+")
MENTION = re.compile(r"(?<!\w)@\w+")


def measure(post: Post) -> list[Measure]:
    return [
        Measure("Caption", len(post.body), MAX_CAPTION, "characters"),
        Measure("Hashtags", len(HASHTAG.findall(post.body)), MAX_HASHTAGS, "hashtags"),
        Measure("Mentions", len(MENTION.findall(post.body)), MAX_MENTIONS, "@mentions"),
        Measure("Media", len(post.media), MAX_CAROUSEL, "files"),
    ]


def kind_problem(kind: str, media: list) -> str:
    """Why the media do not make the ``kind`` of post asked for; "" when they do."""
    videos = sum(1 for item in media if item.kind == "video")
    if kind == "feed" and (len(media) != 1 or videos):
        return "Instagram: a feed post is exactly one image."
    if kind == "reel" and (len(media) != 1 or not videos):
        return "Instagram: a reel is exactly one video."
    if kind == "carousel" and not 2 <= len(media) <= MAX_CAROUSEL:
        return f"Instagram: a carousel holds 2 to {MAX_CAROUSEL} images or videos."
    return ""


def validate(post: Post) -> list[str]:
    problems = []
    if post.media and (problem := kind_problem(post.options.get("kind", ""), post.media)):
        problems.append(problem)
    if not post.media:
        problems.append("Instagram: a post needs an image or a video; text alone is refused.")
    if len(post.media) > MAX_CAROUSEL:
        problems.append(f"Instagram: a carousel holds at most {MAX_CAROUSEL} items.")
    if post.media and not settings.PUBLIC_MEDIA_BASE_URL:
        problems.append(
            "Instagram: media must be at a public URL; set PUBLIC_MEDIA_BASE_URL to where "
            "the media folder is served."
        )
    if len(post.body) > MAX_CAPTION:
        problems.append(
            f"Instagram: the caption is {len(post.body)} characters; the limit is {MAX_CAPTION}."
        )
    hashtags = len(HASHTAG.findall(post.body))
    if hashtags > MAX_HASHTAGS:
        problems.append(f"Instagram: {hashtags} hashtags; the limit is {MAX_HASHTAGS}.")
    mentions = len(MENTION.findall(post.body))
    if mentions > MAX_MENTIONS:
        problems.append(f"Instagram: {mentions} @mentions; the limit is {MAX_MENTIONS}.")
    return problems


def raise_for_error(response) -> None:
    """Map a Graph API error (``code``, ``error_subcode``, ``is_transient``) to the engine's."""
    if response.status_code < 400:
        return
    error = json_body(response).get("error") or {}
    code, subcode = error.get("code"), error.get("error_subcode")
    message = f"Instagram error {code}: {error.get('message') or response.reason}"
    if code == 190:
        raise AuthError(message)
    if code in THROTTLING_CODES or (code, subcode) == PUBLISH_LIMIT:
        raise RateLimited(message, until=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    if error.get("is_transient") or code in (1, 2):
        raise TransientError(message, code=f"graph_{code}")
    raise PermanentError(message, code=f"graph_{code}")


def graph(method: str, path: str, credentials: Credentials, **params) -> dict:
    """One Graph call. The token travels as a parameter, as the Graph API expects."""
    params["access_token"] = credentials.access_token
    key = "data" if method == "POST" else "params"
    response = send(LABEL, method, graph_url(path), **{key: params})
    raise_for_error(response)
    return json_body(response)


def account_id(credentials: Credentials) -> str:
    """The Instagram user id the token publishes as.

    An account connected through Instagram Login has it stored. The legacy
    token columns carry none (the old system kept only the token), and the
    Integrations ``migrate_user_tokens`` makes from them carry a placeholder,
    so for those the token itself is asked, with ``GET /me?fields=user_id``
    (the call connecting an account makes): a read, once per attempt, before
    anything is created. Refusing such accounts at scheduling instead would
    strand every post already scheduled through them. Instagram ids are all
    digits, which tells a stored id from a placeholder.
    """
    stored = str(credentials.account.get("external_account_id") or "")
    if stored.isdigit():
        return stored
    answer = graph("GET", "me", credentials, fields="user_id,username")
    user_id = str(answer.get("user_id") or answer.get("id") or "")
    if not user_id.isdigit():
        raise PermanentError(
            "Instagram did not say which account the token belongs to; connect the account again.",
            code="unknown_account",
        )
    return user_id


def check_quota(user_id: str, credentials: Credentials) -> None:
    answer = graph(
        "GET", f"{user_id}/content_publishing_limit", credentials, fields="quota_usage,config"
    )
    usage = (answer.get("data") or [{}])[0]
    total = (usage.get("config") or {}).get("quota_total")
    if total is not None and usage.get("quota_usage", 0) >= total:
        seconds = (usage.get("config") or {}).get("quota_duration", 86400)
        raise RateLimited(
            f"Instagram: the publishing quota of {total} posts is used up.",
            until=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds),
        )


def media_fields(media: MediaFile) -> dict:
    if media.kind == "video":
        return {"media_type": "REELS", "video_url": media.public_url}
    return {"image_url": media.public_url}


def wait_until_finished(container_id: str, credentials: Credentials) -> None:
    for _ in range(MAX_STATUS_POLLS):
        status = graph("GET", container_id, credentials, fields="status_code").get("status_code")
        if status in ("FINISHED", "PUBLISHED"):
            return
        if status in ("ERROR", "EXPIRED"):
            raise PermanentError(f"Instagram could not process the media ({status}).")
        sleep(2)
    raise TransientError("Instagram kept processing the media for too long.", code="processing")


def create_container(post: Post, user_id: str, credentials: Credentials) -> str:
    if len(post.media) == 1:
        answer = graph(
            "POST",
            f"{user_id}/media",
            credentials,
            caption=post.body,
            **media_fields(post.media[0]),
        )
        return answer["id"]
    children = []
    for media in post.media:
        child = graph(
            "POST", f"{user_id}/media", credentials, is_carousel_item="true", **media_fields(media)
        )
        wait_until_finished(child["id"], credentials)
        children.append(child["id"])
    answer = graph(
        "POST",
        f"{user_id}/media",
        credentials,
        media_type="CAROUSEL",
        children=",".join(children),
        caption=post.body,
    )
    return answer["id"]


def publish(post: Post, credentials: Credentials) -> Published:
    if media_id := post.platform_state.get("media_id"):
        # An earlier attempt published the media, then failed (fetching the permalink):
        # the container cannot be published twice, so finish that attempt instead.
        return Published(media_id, permalink_of(media_id, credentials))
    user_id = account_id(credentials)
    check_quota(user_id, credentials)
    container_id = post.platform_state.get("container_id")
    if not container_id:
        container_id = create_container(post, user_id, credentials)
        post.checkpoint({"container_id": container_id})
    wait_until_finished(container_id, credentials)
    media_id = graph("POST", f"{user_id}/media_publish", credentials, creation_id=container_id)[
        "id"
    ]
    post.checkpoint({"media_id": media_id})
    return Published(media_id, permalink_of(media_id, credentials))


def permalink_of(media_id: str, credentials: Credentials) -> str:
    return graph("GET", media_id, credentials, fields="permalink").get("permalink", "")


def reconcile(post: Post, credentials: Credentials):
    """The container tells: PUBLISHED -> find the media; FINISHED -> publish it now."""
    if media_id := post.platform_state.get("media_id"):
        return Published(media_id, permalink_of(media_id, credentials))
    container_id = post.platform_state.get("container_id")
    if not container_id:
        return None  # no container was made, so nothing can have been published
    status = graph("GET", container_id, credentials, fields="status_code").get("status_code")
    if status in ("FINISHED", "IN_PROGRESS"):
        return None  # publish reuses the container: no second post
    if status == "PUBLISHED":
        user_id = account_id(credentials)
        recent = graph(
            "GET",
            f"{user_id}/media",
            credentials,
            fields="id,caption,permalink",
            limit=RECENT_MEDIA,
        )
        for item in recent.get("data") or []:
            if item.get("caption", "") == post.body:
                return Published(item["id"], item.get("permalink", ""))
    return UNKNOWN


def refresh(credentials: Credentials) -> Credentials:
    """Long-lived tokens refresh for another 60 days (once at least 24 h old)."""
    response = send(
        LABEL,
        "GET",
        f"{settings.PLATFORM_BASE_URLS['instagram']}/refresh_access_token",
        params={"grant_type": "ig_refresh_token", "access_token": credentials.access_token},
    )
    raise_for_error(response)
    return renewed(credentials, json_body(response), default_lifetime=5184000)
