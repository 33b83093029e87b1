"""YouTube: resumable upload of the stored video, in chunks of 256 KiB multiples.

The upload session URI is checkpointed before any byte is sent. After an
interrupted chunk, or in a later attempt, the server is asked how much it has
and the upload resumes from there: no byte range is sent twice.
"""

from __future__ import annotations

import datetime as dt
import os
import zoneinfo

from django.conf import settings

from platforms.base import (
    AuthError,
    Credentials,
    Measure,
    PermanentError,
    Post,
    Published,
    RateLimited,
    TransientError,
)
from platforms.http import json_body, renewed, send
from platforms.youtube import YOUTUBE
from platforms.youtube.options import PRIVACY

LABEL = "YouTube"
CHUNK_SIZE = 8 * 256 * 1024
MAX_TITLE = 100
MAX_DESCRIPTION_BYTES = YOUTUBE.limits.max_text
MAX_RESUMES = 10
PACIFIC = zoneinfo.ZoneInfo("America/Los_Angeles")


def upload_url() -> str:
    return f"{settings.PLATFORM_BASE_URLS['youtube']}/upload/youtube/v3/videos"


def video_metadata(post: Post) -> dict:
    options = post.options
    return {
        "snippet": {
            "title": options.get("title") or post.title,
            "description": options.get("description", post.body),
            "tags": options.get("tags", []),
            "categoryId": str(options.get("category_id", "22")),
        },
        "status": {
            "privacyStatus": options.get("privacy", "private"),
            "selfDeclaredMadeForKids": bool(options.get("made_for_kids", False)),
        },
    }


def measure(post: Post) -> list[Measure]:
    snippet = video_metadata(post)["snippet"]
    return [
        Measure("Title", len(snippet["title"]), MAX_TITLE, "characters"),
        Measure(
            "Description", len(snippet["description"].encode()), MAX_DESCRIPTION_BYTES, "bytes"
        ),
    ]


def validate(post: Post) -> list[str]:
    problems = []
    videos = [m for m in post.media if m.kind == "video"]
    if len(videos) != 1 or len(post.media) != 1:
        problems.append("YouTube: a post needs exactly one video file.")
    snippet, status = video_metadata(post)["snippet"], video_metadata(post)["status"]
    if not snippet["title"].strip():
        problems.append("YouTube: the video needs a title.")
    if len(snippet["title"]) > MAX_TITLE:
        problems.append(
            f"YouTube: the title is {len(snippet['title'])} characters; the limit is {MAX_TITLE}."
        )
    size = len(snippet["description"].encode())
    if size > MAX_DESCRIPTION_BYTES:
        problems.append(
            f"YouTube: the description is {size} bytes; the limit is {MAX_DESCRIPTION_BYTES}."
        )
    if any(c in snippet["title"] + snippet["description"] for c in "<>"):
        problems.append("YouTube: the title and description may not contain < or >.")
    if status["privacyStatus"] not in PRIVACY:
        problems.append(f"YouTube: privacy must be one of {', '.join(PRIVACY)}.")
    return problems


def next_pacific_midnight() -> dt.datetime:
    now = dt.datetime.now(PACIFIC)
    return dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), tzinfo=PACIFIC)


def raise_for_error(response) -> None:
    if response.status_code < 400:
        return
    error = json_body(response).get("error") or {}
    reasons = {e.get("reason") for e in error.get("errors", []) if isinstance(e, dict)}
    message = f"YouTube answered {response.status_code}: {error.get('message') or response.reason}"
    if "quotaExceeded" in reasons:
        raise RateLimited(message, until=next_pacific_midnight(), code="quota_exceeded")
    if "uploadLimitExceeded" in reasons:
        until = dt.datetime.now(dt.UTC) + dt.timedelta(hours=24)
        raise RateLimited(message, until=until, code="upload_limit")
    if response.status_code == 401:
        raise AuthError(message)
    raise PermanentError(message, code=next(iter(reasons), None) or f"http_{response.status_code}")


def uploaded_offset(response) -> int:
    """The next byte to send after a 308, from its ``Range: bytes=0-N`` header."""
    value = response.headers.get("Range", "")
    return int(value.rsplit("-", 1)[1]) + 1 if "-" in value else 0


def publish(post: Post, credentials: Credentials) -> Published:
    video = post.media[0]
    total = os.path.getsize(video.path)
    headers = {"Authorization": f"Bearer {credentials.access_token}"}
    session_uri = post.platform_state.get("upload_uri")
    if session_uri:
        offset, done = upload_status(session_uri, total, headers)
        if done is not None:
            return done
    else:
        response = send(
            LABEL,
            "POST",
            upload_url(),
            params={"uploadType": "resumable", "part": "snippet,status"},
            headers={
                **headers,
                "X-Upload-Content-Length": str(total),
                "X-Upload-Content-Type": video.mime_type,
            },
            json=video_metadata(post),
        )
        raise_for_error(response)
        session_uri = response.headers["Location"]
        post.checkpoint({"upload_uri": session_uri})
        offset = 0
    resumes = 0
    with open(video.path, "rb") as source:
        while True:
            source.seek(offset)
            chunk = source.read(CHUNK_SIZE)
            end = offset + len(chunk) - 1
            try:
                response = send(
                    LABEL,
                    "PUT",
                    session_uri,
                    headers={**headers, "Content-Range": f"bytes {offset}-{end}/{total}"},
                    data=chunk,
                )
            except TransientError:
                resumes += 1
                if resumes > MAX_RESUMES:
                    raise
                offset, done = upload_status(session_uri, total, headers)
                if done is not None:
                    return done
                continue
            if response.status_code == 308:
                offset = uploaded_offset(response)
                continue
            raise_for_error(response)
            return published(json_body(response))


def upload_status(session_uri: str, total: int, headers: dict) -> tuple[int, Published | None]:
    """Ask the session how far it got: (next offset, None), or (total, Published) when done."""
    response = send(
        LABEL, "PUT", session_uri, headers={**headers, "Content-Range": f"bytes */{total}"}
    )
    if response.status_code == 308:
        return uploaded_offset(response), None
    raise_for_error(response)
    return total, published(json_body(response))


def published(video: dict) -> Published:
    return Published(
        video["id"], f"{settings.PLATFORM_PERMALINK_BASES['youtube']}/watch?v={video['id']}"
    )


def reconcile(post: Post, credentials: Credentials):
    """Only the upload session can tell; without one nothing was sent."""
    session_uri = post.platform_state.get("upload_uri")
    if not session_uri:
        return None
    headers = {"Authorization": f"Bearer {credentials.access_token}"}
    total = os.path.getsize(post.media[0].path)
    response = send(
        LABEL, "PUT", session_uri, headers={**headers, "Content-Range": f"bytes */{total}"}
    )
    if response.status_code in (308, 404, 410):
        return None  # unfinished (publish resumes it) or expired (nothing was published)
    raise_for_error(response)
    return published(json_body(response))


def refresh(credentials: Credentials) -> Credentials:
    response = send(
        LABEL,
        "POST",
        f"{settings.PLATFORM_BASE_URLS['google_oauth']}/token",
        data={
            "grant_type": "refresh_token",
            "client_id": settings.GOOGLE_CLIENT_ID,
            "client_secret": settings.GOOGLE_CLIENT_SECRET,
            "refresh_token": credentials.refresh_token,
        },
    )
    if response.status_code in (400, 401) and json_body(response).get("error") == "invalid_grant":
        raise AuthError("Google refused the refresh token: the account must be connected again.")
    raise_for_error(response)
    return renewed(credentials, json_body(response), default_lifetime=3600)
