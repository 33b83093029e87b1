"""Bluesky: a post is an ``app.bsky.feed.post`` record created in the account's repository.

Raw HTTP through ``platforms/http.py``, not the ``atproto`` SDK: the SDK sends
with its own httpx client, so Herald's timeouts, request metrics, User-Agent and
error redaction would not apply, and it refreshes (rotates) sessions on its own,
which would leave the stored refresh token dead. The SDK is used only to test
the sandbox.

Checked against the public documentation (Dec 2026):
- Posting: ``POST /xrpc/com.atproto.repo.createRecord`` with ``repo`` (the
  account's DID), ``collection`` ``app.bsky.feed.post``, ``record``
  ``{$type, text, createdAt, facets?, embed?, langs?}``; answers ``{uri, cid}``
  (https://docs.bsky.app/docs/advanced-guides/posts,
  https://docs.bsky.app/docs/api/com-atproto-repo-create-record). Text is at
  most 300 graphemes; facets count UTF-8 bytes (see ``richtext.py``).
- Record key: Herald chooses it (``rkey``, a TID, https://atproto.com/specs/tid)
  and saves it in the publication's state before the request goes out: its
  time is the first attempt's, its 10-bit clock id drawn from the
  publication's idempotency key. Every resend uses the same key, and a
  repository holds one record per key, so a resend cannot make a second post;
  when the PDS refuses the key because the record exists, the record is read
  back (``com.atproto.repo.getRecord``) and reported as published.
- Images: ``POST /xrpc/com.atproto.repo.uploadBlob`` with the raw bytes and
  their ``Content-Type``, answering ``{blob}``; at most 4 in an
  ``app.bsky.embed.images`` embed with each image's ``alt`` (required, may be
  empty), 1,000,000 bytes each (``maxSize`` in the lexicon,
  https://github.com/bluesky-social/atproto/blob/main/lexicons/app/bsky/embed/images.json).
- Video: the documented "simple method": ``uploadBlob`` then an
  ``app.bsky.embed.video`` embed (https://docs.bsky.app/docs/tutorials/video);
  ``video/mp4`` only, 50,000,000 bytes (the lexicon's ``maxSize``,
  https://github.com/bluesky-social/atproto/blob/main/lexicons/app/bsky/embed/video.json).
  One video, never with images: the post has one embed.
- Mentions: ``GET /xrpc/com.atproto.identity.resolveHandle?handle=`` answers
  ``{did}`` (https://docs.bsky.app/docs/api/com-atproto-identity-resolve-handle).
- Reconcile: ``GET /xrpc/com.atproto.repo.listRecords`` (``repo``,
  ``collection``, ``limit`` up to 100), newest record keys first
  (https://docs.bsky.app/docs/api/com-atproto-repo-list-records).
- Sessions: ``POST /xrpc/com.atproto.server.refreshSession`` with the
  ``refreshJwt`` as Bearer token answers new ``accessJwt`` and ``refreshJwt``
  (https://docs.bsky.app/docs/api/com-atproto-server-refresh-session).
- Errors: XRPC answers ``{"error": "<Name>", "message": "..."}``
  (https://atproto.com/specs/xrpc); ``ExpiredToken`` is an access token past its
  time (Herald refreshes before the next attempt), ``InvalidToken`` and 401 a
  session that no longer works (the account must be connected again).
- Rate limits (https://docs.bsky.app/docs/advanced-guides/rate-limits): 5,000
  write points an hour and 35,000 a day per account, 3 per created record; 3,000
  requests per 5 minutes per IP. Answers carry ``RateLimit-Limit``,
  ``RateLimit-Remaining``, ``RateLimit-Reset`` (epoch seconds) and
  ``RateLimit-Policy`` (``<limit>;w=<seconds>``); a 429 holds the post until the
  reset.
"""

from __future__ import annotations

import base64
import datetime as dt
import json

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
from platforms.bluesky import BLUESKY, richtext
from platforms.http import epoch_to_datetime, json_body, retry_after, send

LABEL = "Bluesky"
COLLECTION = "app.bsky.feed.post"
MAX_IMAGES = BLUESKY.limits.max_media
MAX_IMAGE_BYTES = 1_000_000
MAX_VIDEO_BYTES = 50_000_000
VIDEO_TYPES = ("video/mp4",)
RECENT_RECORDS = 100  # the most listRecords returns in one page
# An access token lives about two hours; used when its own ``exp`` cannot be read.
ACCESS_TOKEN_LIFETIME = dt.timedelta(hours=2)
DEFAULT_WAIT = dt.timedelta(minutes=5)
LONGEST_WAIT = dt.timedelta(days=1)  # the longest documented window
AUTH_ERRORS = ("InvalidToken", "AuthMissing", "AuthenticationRequired", "AccountTakedown")
# Refusals that say nothing about whether the record exists: no need to look it up.
NOT_ABOUT_THE_RECORD = ("ExpiredToken", "RateLimitExceeded", *AUTH_ERRORS)


def base_url() -> str:
    return settings.PLATFORM_BASE_URLS["bluesky"]


def xrpc(nsid: str) -> str:
    return f"{base_url()}/xrpc/{nsid}"


def auth_headers(credentials: Credentials) -> dict[str, str]:
    return {"Authorization": f"Bearer {credentials.access_token}"}


# --- Validation --------------------------------------------------------------------------


def measure(post: Post) -> list[Measure]:
    """Graphemes of the text; files against 4 images, or against 1 once there is a video."""
    with_video = any(m.kind == "video" for m in post.media)
    return [
        Measure("Post", richtext.graphemes(post.body), richtext.MAX_GRAPHEMES, "graphemes"),
        Measure("Media", len(post.media), 1 if with_video else MAX_IMAGES, "files"),
    ]


def validate(post: Post) -> list[str]:
    problems = []
    length = richtext.graphemes(post.body)
    if length > richtext.MAX_GRAPHEMES:
        problems.append(
            f"Bluesky: the text is {length} graphemes; the limit is {richtext.MAX_GRAPHEMES}."
        )
    size = len(post.body.encode("utf-8"))
    if size > richtext.MAX_TEXT_BYTES:
        problems.append(
            f"Bluesky: the text is {size} bytes; the limit is {richtext.MAX_TEXT_BYTES}."
        )
    if not post.body.strip() and not post.media:
        problems.append("Bluesky: a post needs text or media.")
    videos = [m for m in post.media if m.kind == "video"]
    images = [m for m in post.media if m.kind != "video"]
    if videos and images:
        problems.append("Bluesky: a post has images or one video, not both.")
    if len(videos) > 1:
        problems.append(f"Bluesky: at most 1 video per post ({len(videos)} given).")
    if len(images) > MAX_IMAGES:
        problems.append(f"Bluesky: at most {MAX_IMAGES} images per post ({len(images)} given).")
    for media in images:
        if media.size_bytes > MAX_IMAGE_BYTES:
            problems.append(
                f"Bluesky: an image is {media.size_bytes:,} bytes; the limit is "
                f"{MAX_IMAGE_BYTES:,}."
            )
        if not media.mime_type.startswith("image/"):
            problems.append(f"Bluesky: {media.mime_type or 'this file'} is not an image type.")
    for media in videos:
        if media.mime_type not in VIDEO_TYPES:
            problems.append(f"Bluesky: a video must be MP4 ({media.mime_type} given).")
        if media.size_bytes > MAX_VIDEO_BYTES:
            problems.append(
                f"Bluesky: the video is {media.size_bytes:,} bytes; the limit is "
                f"{MAX_VIDEO_BYTES:,}."
            )
    return problems


# --- Errors ------------------------------------------------------------------------------


def xrpc_error(response) -> tuple[str, str]:
    """The XRPC error name and message of an answer ("" when absent)."""
    body = json_body(response)
    return str(body.get("error") or ""), str(body.get("message") or "")


def raise_for_error(response, what: str) -> None:
    """Map a Bluesky error answer to the engine's errors; ``what`` names the call."""
    if response.status_code < 400:
        return
    error, said = xrpc_error(response)
    detail = ": ".join(part for part in (error, said) if part) or response.reason or "no detail"
    message = f"Bluesky refused {what} ({response.status_code} {detail})"
    if response.status_code == 429:
        left = response.headers.get("RateLimit-Remaining")
        if left is not None and response.headers.get("RateLimit-Limit"):
            message += f"; {left} of {response.headers['RateLimit-Limit']} requests left"
        raise RateLimited(message, until=rate_limited_until(response))
    if error == "ExpiredToken":
        # The access token's time is up: the engine refreshes it before the next attempt.
        raise TransientError(message, code="expired_token")
    if response.status_code == 401 or error in AUTH_ERRORS:
        raise AuthError(message)
    if response.status_code == 413 or error == "BlobTooLarge":
        raise PermanentError(message, code="media_too_large")
    raise PermanentError(message, code=error or f"http_{response.status_code}")


def policy_window(policy: str | None) -> dt.timedelta | None:
    """The window of a ``RateLimit-Policy`` (``5000;w=3600``, the longest when several)."""
    windows = [
        int(part.strip()[2:])
        for part in (policy or "").replace(",", ";").split(";")
        if part.strip().startswith("w=") and part.strip()[2:].isdigit()
    ]
    return dt.timedelta(seconds=max(windows)) if windows else None


def rate_limited_until(response) -> dt.datetime:
    """When a 429 lets Bluesky be asked again: ``RateLimit-Reset``, else ``Retry-After``.

    A reset further away than the policy's window (or, without one, than the
    longest documented window, a day) is not believed: it is capped there.
    """
    now = dt.datetime.now(dt.UTC)
    longest = now + min(
        policy_window(response.headers.get("RateLimit-Policy")) or LONGEST_WAIT, LONGEST_WAIT
    )
    reset = response.headers.get("RateLimit-Reset")
    if reset:
        return min(epoch_to_datetime(reset, default=now + DEFAULT_WAIT), longest)
    return min(retry_after(response, DEFAULT_WAIT), longest)


# --- Publishing --------------------------------------------------------------------------


def record_key(post: Post) -> str:
    """This publication's record key: the one saved, else a new TID for it."""
    saved = post.platform_state.get("rkey", "")
    if richtext.is_tid(saved):
        return saved
    now = dt.datetime.now(dt.UTC)
    microseconds = int(now.timestamp()) * 1_000_000 + now.microsecond
    return richtext.tid(microseconds, richtext.clock_id_of(post.idempotency_key))


def now_iso() -> str:
    """A datetime as the lexicon wants it: UTC, with a trailing ``Z``."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def account_did(credentials: Credentials) -> str:
    did = credentials.account.get("did") or ""
    if not did:
        raise AuthError("Bluesky: the account's DID is not known; connect the account again.")
    return did


def publish(post: Post, credentials: Credentials) -> Published:
    """Upload the media, then create the post record under this publication's record key."""
    headers = auth_headers(credentials)
    did = account_did(credentials)
    rkey = record_key(post)
    created_at = post.platform_state.get("created_at") or now_iso()
    # Saved before anything goes out: a resend and reconcile use the same key.
    post.checkpoint({"rkey": rkey, "created_at": created_at})
    record: dict = {"$type": COLLECTION, "text": post.body, "createdAt": created_at}
    found = richtext.facets(post.body, lambda handle: resolve_handle(handle, headers))
    if found:
        record["facets"] = found
    embed = media_embed(post.media, headers)
    if embed:
        record["embed"] = embed
    langs = post.options.get("langs")
    if langs:
        record["langs"] = list(langs)
    response = send(
        LABEL,
        "POST",
        xrpc("com.atproto.repo.createRecord"),
        headers=headers,
        json={"repo": did, "collection": COLLECTION, "rkey": rkey, "record": record},
    )
    if response.status_code == 400 and xrpc_error(response)[0] not in NOT_ABOUT_THE_RECORD:
        # Refused: perhaps because an earlier attempt created this very record.
        existing = get_record(did, rkey, headers)
        if existing is not None:
            return published(credentials, existing["uri"])
    raise_for_error(response, "the post")
    return published(credentials, str(json_body(response)["uri"]))


def published(credentials: Credentials, uri: str) -> Published:
    return Published(uri, permalink(credentials.account.get("handle", ""), uri))


def rkey_of(uri: str) -> str:
    """The record key, the last part of ``at://<did>/<collection>/<rkey>``."""
    return uri.rstrip("/").rsplit("/", 1)[-1]


def permalink(handle: str, uri: str) -> str:
    """``https://bsky.app/profile/<handle>/post/<rkey>`` (the DID when the handle is unknown)."""
    who = handle or uri.removeprefix("at://").split("/", 1)[0]
    return f"{settings.PLATFORM_PERMALINK_BASES['bluesky']}/profile/{who}/post/{rkey_of(uri)}"


def resolve_handle(handle: str, headers: dict[str, str]) -> str | None:
    """The DID of ``handle``; None when no account has it (the mention stays text)."""
    response = send(
        LABEL,
        "GET",
        xrpc("com.atproto.identity.resolveHandle"),
        headers=headers,
        params={"handle": handle},
    )
    if response.status_code == 400:
        return None  # "Unable to resolve handle": not an account, only text
    raise_for_error(response, f"resolving @{handle}")
    return json_body(response).get("did") or None


def upload_blob(media: MediaFile, headers: dict[str, str]) -> dict:
    """Send the file's bytes; the blob reference the record embeds."""
    with open(media.path, "rb") as source:
        data = source.read()
    response = send(
        LABEL,
        "POST",
        xrpc("com.atproto.repo.uploadBlob"),
        headers={**headers, "Content-Type": media.mime_type},
        data=data,
    )
    raise_for_error(response, "the media upload")
    blob = json_body(response).get("blob")
    if not isinstance(blob, dict):
        raise PermanentError("Bluesky answered the media upload without a blob.", code="no_blob")
    return blob


def media_embed(media: list[MediaFile], headers: dict[str, str]) -> dict | None:
    if not media:
        return None
    if media[0].kind == "video":
        video = media[0]
        embed = {"$type": "app.bsky.embed.video", "video": upload_blob(video, headers)}
        if video.alt_text:
            embed["alt"] = video.alt_text
        return embed
    return {
        "$type": "app.bsky.embed.images",
        "images": [{"alt": m.alt_text, "image": upload_blob(m, headers)} for m in media],
    }


def get_record(did: str, rkey: str, headers: dict[str, str]) -> dict | None:
    """The post record at ``rkey``; None when there is none."""
    response = send(
        LABEL,
        "GET",
        xrpc("com.atproto.repo.getRecord"),
        headers=headers,
        params={"repo": did, "collection": COLLECTION, "rkey": rkey},
    )
    if response.status_code in (400, 404) and xrpc_error(response)[0] in (
        "RecordNotFound",
        "NotFound",
    ):
        return None
    raise_for_error(response, "the record lookup")
    return json_body(response)


# --- Reconcile ---------------------------------------------------------------------------


def reconcile(post: Post, credentials: Credentials):
    """Look for this publication's record among the account's latest records.

    The record key is saved before any request goes out, so a publication
    without one sent nothing: not published, safe to send. With one, the
    listing (newest keys first; TIDs sort by time) answers exactly: the record
    is there, or the listing reaches back past its key without it, so it was
    never created. A full page that stops at newer keys cannot tell.
    """
    rkey = post.platform_state.get("rkey", "")
    if not richtext.is_tid(rkey):
        return None
    response = send(
        LABEL,
        "GET",
        xrpc("com.atproto.repo.listRecords"),
        headers=auth_headers(credentials),
        params={
            "repo": account_did(credentials),
            "collection": COLLECTION,
            "limit": RECENT_RECORDS,
        },
    )
    raise_for_error(response, "the list of recent posts")
    answer = json_body(response)
    keys = [
        rkey_of(str(r["uri"]))
        for r in answer.get("records") or []
        if isinstance(r, dict) and r.get("uri")
    ]
    if rkey in keys:
        return published(credentials, f"at://{account_did(credentials)}/{COLLECTION}/{rkey}")
    full = len(keys) >= RECENT_RECORDS or bool(answer.get("cursor"))
    if full and keys and min(keys) > rkey:
        return UNKNOWN  # the page stops at newer keys than ours: ours may be further back
    return None


# --- Sessions ----------------------------------------------------------------------------


def token_expiry(access_jwt: str) -> dt.datetime:
    """When an access token ends: its ``exp`` claim, read without checking the signature.

    Only to refresh in time; the PDS remains the judge. Unreadable: two hours.
    """
    fallback = dt.datetime.now(dt.UTC) + ACCESS_TOKEN_LIFETIME
    try:
        payload = access_jwt.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return epoch_to_datetime(claims["exp"], default=fallback)
    except (IndexError, ValueError, KeyError, TypeError):
        return fallback


def credentials_from_session(session: dict, previous: Credentials | None = None) -> Credentials:
    """Credentials from a createSession or refreshSession answer."""
    access = str(session.get("accessJwt") or "")
    refresh = str(session.get("refreshJwt") or "")
    if not access or not refresh:
        raise AuthError("Bluesky answered the session without its tokens.")
    account = dict(previous.account) if previous else {}
    account.update({"did": session.get("did") or account.get("did", "")})
    if session.get("handle"):
        account["handle"] = session["handle"]
    return Credentials(
        access_token=access,
        refresh_token=refresh,
        expires_at=token_expiry(access),
        account=account,
        integration_id=previous.integration_id if previous else None,
    )


def refresh(credentials: Credentials) -> Credentials:
    """A new session from the refresh token; both tokens are replaced (the old one is spent)."""
    response = send(
        LABEL,
        "POST",
        xrpc("com.atproto.server.refreshSession"),
        headers={"Authorization": f"Bearer {credentials.refresh_token}"},
    )
    if response.status_code in (400, 401):
        error, said = xrpc_error(response)
        raise AuthError(
            f"Bluesky refused the session refresh ({error or response.status_code}"
            f"{': ' + said if said else ''}): the account must be connected again."
        )
    raise_for_error(response, "the session refresh")
    return credentials_from_session(json_body(response), credentials)
