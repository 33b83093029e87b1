"""LinkedIn: a member's post through the versioned Posts API, its images or video uploaded first.

Raw HTTP through ``platforms.http``: no maintained official Python client covers the
versioned REST APIs, and ``send`` gives Herald's timeouts, request metrics and
errors that never quote a token.

Checked against LinkedIn's documentation on Microsoft Learn (Dec 2026):
- Posts API (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api):
  ``POST https://api.linkedin.com/rest/posts`` with ``LinkedIn-Version: YYYYMM``,
  ``X-Restli-Protocol-Version: 2.0.0`` and the member's Bearer token; the body names
  ``author``, ``commentary``, ``visibility``, ``distribution``, ``lifecycleState``,
  ``isReshareDisabledByAuthor`` and ``content``; the 201 answer carries the post's URN in
  ``x-restli-id``. The author finder ``GET /rest/posts?q=author&author=<urn>`` lists a
  member's posts newest first (with ``createdAt`` in epoch milliseconds).
- Versions (https://learn.microsoft.com/en-us/linkedin/marketing/versioning): monthly,
  each supported for at least a year; ``LINKEDIN_VERSION`` below is one of them. An
  inactive version is refused with 426.
- little text format (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/little-text-format):
  ``commentary`` reserves characters for mentions and templates; "all reserved characters
  need to be escaped with a backslash", which ``escape_commentary`` does (``#`` is left
  alone, so that a hashtag stays a hashtag).
- Images API (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/images-api):
  ``POST /rest/images?action=initializeUpload`` ``{"initializeUploadRequest": {"owner"}}``
  answers ``value.uploadUrl`` and ``value.image`` (``urn:li:image:...``); the bytes go in a
  ``PUT`` to ``uploadUrl``. JPG, PNG and GIF, under 36,152,320 pixels (LinkedIn checks the
  pixels: Herald does not decode images).
- MultiImage (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/multiimage-post-api):
  2 to 20 images in ``content.multiImage.images``; one image is ``content.media``.
- Videos API (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/videos-api):
  ``POST /rest/videos?action=initializeUpload`` with ``fileSizeBytes`` answers
  ``uploadInstructions`` (``uploadUrl``, ``firstByte``, ``lastByte`` per part) and an
  ``uploadToken``; each part is a ``PUT`` whose ``ETag`` is kept; ``POST
  /rest/videos?action=finalizeUpload`` sends ``uploadedPartIds`` in order; ``GET
  /rest/videos/{urn}`` reports ``status`` (``PROCESSING``, ``AVAILABLE``,
  ``PROCESSING_FAILED``). MP4 only.
- Errors (https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling):
  ``{"status", "serviceErrorCode", "message"}``. A 422 "Content is a duplicate" may be
  this very post, sent by an attempt whose answer was lost: it is reconciled, not failed.
- Rate limits (https://developer.linkedin.com/docs/guide/v2/concepts/rate-limits, now on
  Microsoft Learn under shared/api-guide/concepts/rate-limits): per application and per
  member, per day, reset at midnight UTC; "standard rate limits are not published in
  documentation" (each app sees its own in the Developer Portal). A 429 carries no
  remaining/reset headers, so Herald waits for ``Retry-After`` when one is sent, else
  until the next midnight UTC. The default of 100 posts per member per day (the
  descriptor) is Herald's own, below what one person posts; ``PLATFORM_RATE_LIMITS``
  sets the app's real figure.

The author is the member (``urn:li:person:<sub>``), or the organization named by the
``organization`` option: posting for a company page needs ``w_organization_social``
(LINKEDIN_SCOPES) and the member's admin role on the page; LinkedIn refuses it with a
403 otherwise, a permanent error that names the cause.

Every upload step is checkpointed in ``platform_state`` (image URNs done, the video's
session and the ETags of the parts sent, the moment the post request left), so a retry
sends no byte twice and ``reconcile`` knows where to look.
"""

from __future__ import annotations

import datetime as dt
import time
from urllib.parse import quote

from django.conf import settings
from django.utils import timezone

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
from platforms.http import json_body, renewed, retry_after, send
from platforms.linkedin import LINKEDIN
from platforms.linkedin.options import VISIBILITIES
from platforms.metrics import count

LABEL = "LinkedIn"
LINKEDIN_VERSION = "202605"
MAX_COMMENTARY = LINKEDIN.limits.max_text
MAX_IMAGES = LINKEDIN.limits.max_media
IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif")
VIDEO_TYPES = ("video/mp4",)
MIN_VIDEO_BYTES = 75 * 1024
MAX_VIDEO_BYTES = 5 * 1024**3
MAX_VIDEO_POLLS = 30
VIDEO_POLL_SECONDS = 2
# Reconcile reads this many of the author's latest posts, and matches only posts created
# from a little before the attempt's request left (clocks differ).
RECENT_POSTS = 50
CLOCK_SKEW = dt.timedelta(minutes=5)
DUPLICATE_MESSAGE = "content is a duplicate"
ACCESS_TOKEN_LIFETIME = 60 * 24 * 3600  # 60 days, as the OAuth pages say
# The little text format's reserved characters, each escaped with a backslash.
RESERVED = set("\\|{}@[]()<>*_~")
# Patched in tests; the pause between video status polls.
sleep = time.sleep


def api_url(path: str) -> str:
    return f"{settings.PLATFORM_BASE_URLS['linkedin']}{path}"


def rest_headers(credentials: Credentials) -> dict[str, str]:
    """The headers every versioned REST call needs."""
    return {
        "Authorization": f"Bearer {credentials.access_token}",
        "LinkedIn-Version": LINKEDIN_VERSION,
        "X-Restli-Protocol-Version": "2.0.0",
    }


def urn_path(urn: str) -> str:
    """A URN as one path segment (``urn%3Ali%3Avideo%3A...``), as Rest.li requires."""
    return quote(urn, safe="")


def author_urn(credentials: Credentials) -> str:
    """The member the token acts for: ``urn:li:person:<sub>`` from the connect step."""
    member_id = credentials.account.get("external_account_id", "")
    if not member_id:
        raise AuthError("The LinkedIn account has no member id; connect it again.")
    return f"urn:li:person:{member_id}"


def author_for(post: Post, credentials: Credentials) -> str:
    """The organization the options name (``w_organization_social``), else the member."""
    organization = post.options.get("organization")
    return f"urn:li:organization:{organization}" if organization else author_urn(credentials)


def escape_commentary(text: str) -> str:
    """``text`` with every reserved character of the little text format escaped."""
    return "".join(f"\\{c}" if c in RESERVED else c for c in text)


def permalink(post_urn: str) -> str:
    return f"{settings.PLATFORM_PERMALINK_BASES['linkedin']}/feed/update/{post_urn}/"


# --- Validation -------------------------------------------------------------------------


def measure(post: Post) -> list[Measure]:
    return [
        Measure("Commentary", len(post.body), MAX_COMMENTARY, "characters"),
        Measure("Media", len(post.media), MAX_IMAGES, "files"),
    ]


def validate(post: Post) -> list[str]:
    problems = []
    if len(post.body) > MAX_COMMENTARY:
        problems.append(
            f"LinkedIn: the text is {len(post.body)} characters; the limit is {MAX_COMMENTARY}."
        )
    if not post.body.strip() and not post.media:
        problems.append("LinkedIn: a post needs text or media.")
    videos = [m for m in post.media if m.kind == "video"]
    if videos and len(post.media) > 1:
        problems.append("LinkedIn: a video must be the only medium of a post.")
    elif len(post.media) > MAX_IMAGES:
        problems.append(f"LinkedIn: at most {MAX_IMAGES} images per post ({len(post.media)}).")
    for item in post.media:
        problems.extend(media_problems(item))
    organization = post.options.get("organization", "")
    if organization and not (isinstance(organization, str) and organization.isdigit()):
        problems.append("LinkedIn: an organization id is a number.")
    visibility = post.options.get("visibility", "PUBLIC")
    if visibility not in VISIBILITIES:
        problems.append(f"LinkedIn: visibility must be one of {', '.join(VISIBILITIES)}.")
    return problems


def media_problems(item: MediaFile) -> list[str]:
    if item.kind == "video":
        if item.mime_type not in VIDEO_TYPES:
            return ["LinkedIn: a video must be an MP4 file."]
        if not MIN_VIDEO_BYTES <= item.size_bytes <= MAX_VIDEO_BYTES:
            return ["LinkedIn: a video must be between 75 KB and 5 GB."]
        return []
    if item.mime_type not in IMAGE_TYPES:
        return ["LinkedIn: images must be JPG, PNG or GIF."]
    return []


# --- Errors -----------------------------------------------------------------------------


def next_utc_midnight() -> dt.datetime:
    now = timezone.now()
    return dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)


def rate_limited_until(response) -> dt.datetime:
    """LinkedIn sends no remaining/reset headers: Retry-After when sent, else the daily reset."""
    midnight = next_utc_midnight()
    if not response.headers.get("Retry-After", "").strip():
        return midnight
    return retry_after(response, midnight - timezone.now())


def error_message(response) -> str:
    body = json_body(response)
    said = body.get("message") or response.reason or ""
    return f"LinkedIn answered {response.status_code}: {said}".rstrip(": ")


def answer_value(response) -> dict:
    """The ``value`` object of an action's answer; {} when the answer has none."""
    value = json_body(response).get("value")
    return value if isinstance(value, dict) else {}


def is_duplicate(response) -> bool:
    return response.status_code == 422 and DUPLICATE_MESSAGE in error_message(response).lower()


def raise_for_error(response) -> None:
    """Map a LinkedIn error answer (``{status, serviceErrorCode, message}``) to Herald's errors."""
    if response.status_code < 400:
        return
    message = error_message(response)
    if response.status_code == 429:
        raise RateLimited(message, until=rate_limited_until(response))
    if response.status_code == 401:
        raise AuthError(message)
    if is_duplicate(response):
        raise PermanentError(message, code="duplicate_content")
    if response.status_code == 426:
        raise PermanentError(message, code="version_inactive")
    raise PermanentError(message, code=f"http_{response.status_code}")


# --- Publishing -------------------------------------------------------------------------


def publish(post: Post, credentials: Credentials) -> Published:
    """Upload what is not uploaded yet, create the post, answer its URN and permalink."""
    author = author_for(post, credentials)
    headers = rest_headers(credentials)
    state = dict(post.platform_state)

    def save(**changes) -> None:
        state.update(changes)
        post.platform_state = state
        post.checkpoint(changes)

    media_urns = upload_media(post, author, headers, state, save)
    body = post_body(post, author, media_urns)
    if not state.get("post_sent_at"):
        # The first attempt's moment: reconcile looks for posts made since then.
        save(post_sent_at=timezone.now().isoformat())
    response = send(LABEL, "POST", api_url("/rest/posts"), headers=headers, json=body)
    if is_duplicate(response):
        # Perhaps this very post, sent by an attempt whose answer was lost.
        found = find_recent_post(post, credentials)
        if isinstance(found, Published):
            return found
    raise_for_error(response)
    post_urn = response.headers.get("x-restli-id", "")
    if not post_urn:
        raise PermanentError("LinkedIn created the post but did not name it (no x-restli-id).")
    return Published(post_urn, permalink(post_urn))


def post_body(post: Post, author: str, media_urns: list[str]) -> dict:
    body: dict = {
        "author": author,
        "commentary": escape_commentary(post.body),
        "visibility": post.options.get("visibility", "PUBLIC"),
        "distribution": {
            "feedDistribution": "MAIN_FEED",
            "targetEntities": [],
            "thirdPartyDistributionChannels": [],
        },
        "lifecycleState": "PUBLISHED",
        "isReshareDisabledByAuthor": False,
    }
    alt_texts = [item.alt_text for item in post.media]
    if len(media_urns) == 1:
        medium = {"id": media_urns[0]}
        if alt_texts[0] and post.media[0].kind != "video":
            medium["altText"] = alt_texts[0]
        body["content"] = {"media": medium}
    elif media_urns:
        body["content"] = {
            "multiImage": {
                "images": [
                    {"id": urn, **({"altText": alt} if alt else {})}
                    for urn, alt in zip(media_urns, alt_texts, strict=True)
                ]
            }
        }
    return body


def upload_media(post: Post, author: str, headers: dict, state: dict, save) -> list[str]:
    """The URN of every medium, uploading only those no earlier attempt finished."""
    if any(item.kind == "video" for item in post.media):
        return [upload_video(post.media[0], author, headers, state, save)]
    done = list(state.get("image_urns", []))
    for item in post.media[len(done) :]:
        done.append(upload_image(item, author, headers))
        save(image_urns=list(done))
    return done


def upload_image(item: MediaFile, author: str, headers: dict) -> str:
    response = send(
        LABEL,
        "POST",
        api_url("/rest/images"),
        params={"action": "initializeUpload"},
        headers=headers,
        json={"initializeUploadRequest": {"owner": author}},
    )
    raise_for_error(response)
    value = answer_value(response)
    upload_url, image_urn = value.get("uploadUrl"), value.get("image")
    if not isinstance(upload_url, str) or not isinstance(image_urn, str) or not image_urn:
        raise PermanentError("LinkedIn answered the image upload without a URL or image URN.")
    with open(item.path, "rb") as source:
        response = send(
            LABEL,
            "PUT",
            upload_url,
            headers={
                "Authorization": headers["Authorization"],
                "Content-Type": "application/octet-stream",
            },
            data=source.read(),
        )
    raise_for_error(response)
    return image_urn


def upload_video(item: MediaFile, author: str, headers: dict, state: dict, save) -> str:
    """initializeUpload, a PUT per part (ETags kept), finalizeUpload, then wait for AVAILABLE."""
    video = dict(state.get("video") or {})
    if not video or upload_urls_expired(video):
        # Nothing of an expired session can be used: the video is uploaded afresh.
        video = initialize_video(item, author, headers)
        save(video=dict(video))
    etags = list(video.get("etags", []))
    if not video.get("finalized"):
        with open(item.path, "rb") as source:
            for part in video["instructions"][len(etags) :]:
                first, last = int(part["firstByte"]), int(part["lastByte"])
                source.seek(first)
                response = send(
                    LABEL,
                    "PUT",
                    part["uploadUrl"],
                    headers={"Content-Type": "application/octet-stream"},
                    data=source.read(last - first + 1),
                )
                raise_for_error(response)
                etags.append(response.headers.get("ETag", ""))
                video["etags"] = list(etags)
                save(video=dict(video))
        response = send(
            LABEL,
            "POST",
            api_url("/rest/videos"),
            params={"action": "finalizeUpload"},
            headers=headers,
            json={
                "finalizeUploadRequest": {
                    "video": video["urn"],
                    "uploadToken": video.get("upload_token", ""),
                    "uploadedPartIds": etags,
                }
            },
        )
        raise_for_error(response)
        video["finalized"] = True
        save(video=dict(video))
    wait_until_available(video["urn"], headers)
    return video["urn"]


def initialize_video(item: MediaFile, author: str, headers: dict) -> dict:
    response = send(
        LABEL,
        "POST",
        api_url("/rest/videos"),
        params={"action": "initializeUpload"},
        headers=headers,
        json={
            "initializeUploadRequest": {
                "owner": author,
                "fileSizeBytes": item.size_bytes,
                "uploadCaptions": False,
                "uploadThumbnail": False,
            }
        },
    )
    raise_for_error(response)
    value = answer_value(response)
    try:
        instructions = [
            {
                "uploadUrl": str(part["uploadUrl"]),
                "firstByte": int(part["firstByte"]),
                "lastByte": int(part["lastByte"]),
            }
            for part in value.get("uploadInstructions") or []
        ]
    except (KeyError, TypeError, ValueError):
        instructions = []
    if not isinstance(value.get("video"), str) or not instructions:
        raise PermanentError("LinkedIn answered the video upload without a URN or instructions.")
    return {
        "urn": value["video"],
        "upload_token": str(value.get("uploadToken") or ""),
        "expires_at_ms": value.get("uploadUrlsExpireAt"),
        "instructions": instructions,
        "etags": [],
        "finalized": False,
    }


def upload_urls_expired(video: dict) -> bool:
    """Whether the part URLs of an unfinished upload have expired (a retry days later)."""
    expires = video.get("expires_at_ms")
    if video.get("finalized") or not isinstance(expires, int | float):
        return False
    return expires / 1000 <= timezone.now().timestamp()


def wait_until_available(video_urn: str, headers: dict) -> None:
    """Poll the video until LinkedIn has processed it, a bounded number of times."""
    for _ in range(MAX_VIDEO_POLLS):
        response = send(
            LABEL, "GET", api_url(f"/rest/videos/{urn_path(video_urn)}"), headers=headers
        )
        raise_for_error(response)
        status = json_body(response).get("status", "")
        if status == "AVAILABLE":
            return
        if status == "PROCESSING_FAILED":
            reason = json_body(response).get("processingFailureReason") or "processing failed"
            raise PermanentError(
                f"LinkedIn could not process the video: {reason}", code="media_failed"
            )
        sleep(VIDEO_POLL_SECONDS)
    raise PermanentError("LinkedIn kept processing the video for too long.", code="media_timeout")


# --- Reconcile --------------------------------------------------------------------------


def reconcile(post: Post, credentials: Credentials):
    """Look for the post among the author's latest posts: same commentary, made since the attempt.

    Uses the Posts API's author finder (``GET /rest/posts?q=author``). The commentary is
    compared as sent (escaped), and only posts created after the attempt's request left
    (less ``CLOCK_SKEW``) count, so an older post of the same text is not taken for it.
    Without ``post_sent_at`` no post request ever left: nothing was published. A refusal
    of the finder (it needs ``r_member_social`` for a member, ``r_organization_social`` for
    an organization, which LinkedIn grants to approved apps) says nothing either way:
    ``UNKNOWN``.
    """
    if not post.platform_state.get("post_sent_at"):
        return None
    return find_recent_post(post, credentials)


def find_recent_post(post: Post, credentials: Credentials):
    sent_at = dt.datetime.fromisoformat(post.platform_state["post_sent_at"])
    since_ms = int((sent_at - CLOCK_SKEW).timestamp() * 1000)
    response = send(
        LABEL,
        "GET",
        api_url("/rest/posts"),
        headers=rest_headers(credentials),
        params={
            "q": "author",
            "author": author_for(post, credentials),
            "count": RECENT_POSTS,
            "sortBy": "CREATED",
        },
    )
    if response.status_code in (403, 404):
        return UNKNOWN
    raise_for_error(response)
    commentary = escape_commentary(post.body)
    elements = json_body(response).get("elements") or []
    for element in elements:
        if not isinstance(element, dict):
            continue
        created = count(element.get("createdAt") or element.get("publishedAt")) or 0
        if element.get("commentary") == commentary and created >= since_ms:
            urn = str(element.get("id", ""))
            if urn:
                return Published(urn, permalink(urn))
    # A full page may leave the post among older ones unread: nothing proven.
    if len(elements) >= RECENT_POSTS:
        return UNKNOWN
    return None


# --- Tokens -----------------------------------------------------------------------------


def refresh(credentials: Credentials) -> Credentials:
    """A programmatic refresh (approved apps only); the refresh token keeps its own year.

    https://learn.microsoft.com/en-us/linkedin/shared/authentication/programmatic-refresh-tokens
    """
    response = send(
        LABEL,
        "POST",
        f"{settings.PLATFORM_BASE_URLS['linkedin_oauth']}/oauth/v2/accessToken",
        data={
            "grant_type": "refresh_token",
            "refresh_token": credentials.refresh_token,
            "client_id": settings.LINKEDIN_CLIENT_ID,
            "client_secret": settings.LINKEDIN_CLIENT_SECRET,
        },
    )
    if response.status_code in (400, 401):
        raise AuthError("LinkedIn refused the refresh token: the account must be connected again.")
    raise_for_error(response)
    return renewed(credentials, json_body(response), default_lifetime=ACCESS_TOKEN_LIFETIME)
