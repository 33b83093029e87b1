"""Emulation of the YouTube Data API v3 uploads (resumable, multipart) and Google's token endpoint."""

from __future__ import annotations

import email.parser
import email.policy
import functools
import json
import re
import secrets
from typing import Any
from urllib.parse import urlencode

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from sandbox.emulations import Consent, Emulation
from sandbox.limits import posts_in_window, rate_limit, take_rate_slot
from sandbox.metrics import youtube_statistics
from sandbox.models import SandboxPost, SandboxUpload
from sandbox.views import oauth, pages
from sandbox.views.oauth import (
    CodeRefused,
    RefreshRefused,
    issue_refresh_token,
    redeem_code,
    refreshed_scope,
)
from sandbox.views.shared import (
    View,
    account_for_token,
    authorization_token,
    chain_digest,
    emulated_endpoint,
    issue_token,
    read_json_object,
    request_params,
    stable_urlsafe,
)

EMULATION = Emulation(
    value="youtube",
    label="YouTube",
    color="#e62117",
    rate_limits={
        "youtube": (500, 86400),  # every YouTube call, per token: the daily quota
        "youtube_uploads": (100, 86400),  # completed uploads per channel
    },
    consent=Consent(name="Google · YouTube", account="yt-herald"),
)

RATE_LIMIT = "youtube"
MAX_LIST_IDS = 50  # videos.list: as many ids as maxResults allows
UPLOAD_LIMIT = "youtube_uploads"
# Every chunk but the last must be a multiple of this, as Google requires.
CHUNK_GRANULARITY = 256 * 1024
MAX_TITLE = 100
MAX_DESCRIPTION_BYTES = 5000
MAX_TAGS_CHARS = 500
PRIVACY_STATUSES = {"public", "private", "unlisted"}
ACCESS_TOKEN_LIFETIME = 3599
UPLOAD_SCOPE = "https://www.googleapis.com/auth/youtube.upload"
READ_SIZE = 64 * 1024
# Google meant multipart uploads for small files; larger ones belong to resumable sessions.
MAX_MULTIPART_BYTES = 16 * 1024 * 1024
MEDIA_TYPES = ("video/", "application/octet-stream")
_CHUNK_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+|\*)$")
_STATUS_RANGE = re.compile(r"^bytes \*/(\d+|\*)$")


# --- Answers ------------------------------------------------------------------------


def google_error(
    status: int, message: str, reason: str, domain: str = "global", **extra: Any
) -> JsonResponse:
    """A Google API error body: ``{"error": {code, message, errors: [{reason, ...}]}}``."""
    detail = {"message": message, "domain": domain, "reason": reason, **extra}
    return JsonResponse(
        {"error": {"code": status, "message": message, "errors": [detail]}}, status=status
    )


def _transient(request: HttpRequest) -> HttpResponse:
    return google_error(503, "Backend Error", "backendError")


def _youtube_api(view: View) -> View:
    """Authenticate by bearer token and charge the account's daily quota."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        account = account_for_token(authorization_token(request))
        if account is None:
            response = google_error(
                401,
                "Request had invalid authentication credentials.",
                "authError",
                location="Authorization",
                locationType="header",
            )
            response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
            return response
        state = take_rate_slot(RATE_LIMIT, account)
        if state.exceeded:
            return google_error(
                403,
                "The request cannot be completed because you have exceeded your quota.",
                "quotaExceeded",
                domain="youtube.quota",
            )
        return view(request, account, *args, **kwargs)

    return wrapper


# --- Videos -------------------------------------------------------------------------


def channel_id_for(account: str) -> str:
    """The YouTube channel id the sandbox gives an account, the same on every call."""
    return "UC" + stable_urlsafe(f"youtube-channel:{account}", 22)


def video_resource(post: SandboxPost, parts: set[str]) -> dict[str, Any]:
    """The video resource YouTube answers, with the requested parts."""
    snippet = post.raw_request.get("snippet") or {}
    status = post.raw_request.get("status") or {}
    resource: dict[str, Any] = {
        "kind": "youtube#video",
        "etag": stable_urlsafe(f"etag:{post.external_id}", 27),
        "id": post.external_id,
    }
    if "snippet" in parts:
        resource["snippet"] = {
            "publishedAt": post.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "channelId": post.target,
            "title": snippet.get("title", ""),
            "description": snippet.get("description", ""),
            "thumbnails": {},
            "channelTitle": post.account,
            "tags": snippet.get("tags") or [],
            "categoryId": str(snippet.get("categoryId") or "22"),
            "liveBroadcastContent": "none",
        }
    if "statistics" in parts:
        resource["statistics"] = youtube_statistics(
            post.external_id, post.created_at, timezone.now()
        )
    if "status" in parts:
        resource["status"] = {
            "uploadStatus": "uploaded",
            "privacyStatus": status.get("privacyStatus", "public"),
            "license": "youtube",
            "embeddable": True,
            "publicStatsViewable": True,
            "selfDeclaredMadeForKids": bool(status.get("selfDeclaredMadeForKids", False)),
        }
    return resource


def _parts(value: str) -> set[str]:
    return {part.strip() for part in value.split(",") if part.strip()}


def _metadata_problem(body: dict[str, Any]) -> JsonResponse | None:
    snippet = body.get("snippet")
    status = body.get("status") or {}
    if not isinstance(snippet, dict) or not isinstance(status, dict):
        return google_error(400, "The snippet and status must be objects.", "invalidVideoMetadata")
    title = snippet.get("title")
    if (
        not isinstance(title, str)
        or not title.strip()
        or len(title) > MAX_TITLE
        or "<" in title
        or ">" in title
    ):
        return google_error(
            400,
            "The request metadata specifies an invalid or empty video title.",
            "invalidTitle",
            domain="youtube.video",
        )
    description = snippet.get("description", "")
    if (
        not isinstance(description, str)
        or len(description.encode()) > MAX_DESCRIPTION_BYTES
        or "<" in description
        or ">" in description
    ):
        return google_error(
            400,
            "The request metadata specifies an invalid video description.",
            "invalidDescription",
            domain="youtube.video",
        )
    tags = snippet.get("tags") or []
    if not isinstance(tags, list) or sum(len(str(tag)) for tag in tags) > MAX_TAGS_CHARS:
        return google_error(
            400,
            "The request metadata specifies invalid video keywords.",
            "invalidTags",
            domain="youtube.video",
        )
    if status.get("privacyStatus", "public") not in PRIVACY_STATUSES:
        return google_error(
            400,
            "The request metadata specifies an invalid privacy status.",
            "invalidVideoMetadata",
            domain="youtube.video",
        )
    return None


def _insert_problem(
    params: dict[str, str], body: dict[str, Any] | None, account: str
) -> JsonResponse | None:
    """What videos.insert refuses before it takes any bytes, by either upload type."""
    if "snippet" not in _parts(params.get("part", "")):
        return google_error(400, "The part parameter must include snippet.", "invalidPart")
    if body is None:
        return google_error(400, "Parse Error", "parseError")
    problem = _metadata_problem(body)
    if problem is not None:
        return problem
    upload_limit, _ = rate_limit(UPLOAD_LIMIT)
    if posts_in_window(UPLOAD_LIMIT, EMULATION.value, account) >= upload_limit:
        return google_error(
            400,
            "The user has exceeded the number of videos they may upload.",
            "uploadLimitExceeded",
            domain="youtube.video",
        )
    return None


@_youtube_api
def _start_upload(request: HttpRequest, account: str) -> HttpResponse:
    params = request_params(request)
    if params.get("uploadType") == "multipart":
        return _multipart_upload(request, account, params)
    if params.get("uploadType") != "resumable":
        return google_error(
            400, "uploadType must be resumable or multipart in the sandbox.", "badRequest"
        )
    body = read_json_object(request)
    problem = _insert_problem(params, body, account)
    if problem is not None:
        return problem
    declared = request.headers.get("X-Upload-Content-Length", "")
    if declared and (not declared.isdigit() or int(declared) <= 0):
        return google_error(400, "X-Upload-Content-Length must be a positive number.", "badRequest")
    upload = SandboxUpload.objects.create(
        platform=EMULATION.value,
        account=account,
        upload_id=secrets.token_urlsafe(24),
        media_type=request.headers.get("X-Upload-Content-Type", ""),
        total_bytes=int(declared) if declared else None,
        metadata={
            "snippet": body["snippet"],
            "status": body.get("status") or {},
            "part": params.get("part", ""),
        },
    )
    query = urlencode(
        {"uploadType": "resumable", "part": params.get("part", ""), "upload_id": upload.upload_id}
    )
    response = HttpResponse(status=200)
    response.headers["Location"] = request.build_absolute_uri(f"{request.path}?{query}")
    response.headers["X-GUploader-UploadID"] = upload.upload_id
    return response


class MalformedMultipart(ValueError):
    pass


def _read_bounded(request: HttpRequest, limit: int) -> bytes:
    """The request body, refused once it passes ``limit`` bytes."""
    declared = request.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise MalformedMultipart(f"The multipart body exceeds {limit} bytes.")
    pieces, size = [], 0
    while piece := request.read(READ_SIZE):
        size += len(piece)
        if size > limit:
            raise MalformedMultipart(f"The multipart body exceeds {limit} bytes.")
        pieces.append(piece)
    return b"".join(pieces)


def _split_related(content_type: str, body: bytes) -> tuple[dict[str, Any] | None, str, bytes]:
    """The metadata object (None if not a JSON object), media type and media bytes.

    The body is ``multipart/related`` with exactly two parts: the video resource
    as ``application/json``, then the video as ``video/*`` (or
    ``application/octet-stream``), raw or base64 by Content-Transfer-Encoding.
    """
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(head + body)
    if message.get_content_type() != "multipart/related" or not message.get_boundary():
        raise MalformedMultipart("The body must be multipart/related with a boundary.")
    parts = message.get_payload()
    if message.defects or not isinstance(parts, list) or len(parts) != 2:
        raise MalformedMultipart("The multipart body must have exactly two parts.")
    metadata_part, media_part = parts
    if metadata_part.get_content_type() != "application/json":
        raise MalformedMultipart("The first part must be the application/json metadata.")
    media_type = media_part.get_content_type()
    if not media_type.startswith(MEDIA_TYPES):
        raise MalformedMultipart("The second part must be video/* or application/octet-stream.")
    media = media_part.get_payload(decode=True)
    if not media:
        raise MalformedMultipart("The media part is empty.")
    try:
        metadata = json.loads(metadata_part.get_payload(decode=True) or b"")
    except (ValueError, UnicodeDecodeError):
        return None, media_type, media
    return (metadata if isinstance(metadata, dict) else None), media_type, media


def _multipart_upload(request: HttpRequest, account: str, params: dict[str, str]) -> HttpResponse:
    """POST /upload/youtube/v3/videos?uploadType=multipart: metadata and video in one request.

    As Google documents it for videos.insert
    (https://developers.google.com/youtube/v3/docs/videos/insert) and for multipart
    uploads (https://developers.google.com/drive/api/guides/manage-uploads#multipart):
    a ``multipart/related`` body whose first part is the video resource
    (``application/json; charset=UTF-8``) and whose second is the media
    (``video/*`` or ``application/octet-stream``). It answers 200 with the video
    resource, as a resumable session's last chunk does, and stores the video the
    same way, after the same checks.
    """
    if request.content_type != "multipart/related":
        return google_error(400, "A multipart upload must be multipart/related.", "badContent")
    try:
        body = _read_bounded(request, MAX_MULTIPART_BYTES)
        metadata, media_type, media = _split_related(request.headers["Content-Type"], body)
    except MalformedMultipart as error:
        return google_error(400, str(error), "badContent")
    problem = _insert_problem(params, metadata, account)
    if problem is not None:
        return problem
    chunk_digest = ""
    for start in range(0, len(media), READ_SIZE):
        chunk_digest = chain_digest(chunk_digest, media[start : start + READ_SIZE])
    with transaction.atomic():
        upload = SandboxUpload.objects.create(
            platform=EMULATION.value,
            account=account,
            upload_id=secrets.token_urlsafe(24),
            media_type=media_type,
            total_bytes=len(media),
            received_bytes=len(media),
            segments=1,
            digest=chain_digest("", chunk_digest.encode()),
            metadata={
                "snippet": metadata["snippet"],
                "status": metadata.get("status") or {},
                "part": params.get("part", ""),
            },
        )
        post = _complete(upload)
    return JsonResponse(video_resource(post, _parts(params.get("part", ""))))


def _incomplete(upload: SandboxUpload) -> HttpResponse:
    response = HttpResponse(status=308)
    if upload.received_bytes:
        response.headers["Range"] = f"bytes=0-{upload.received_bytes - 1}"
    return response


def _complete(upload: SandboxUpload) -> SandboxPost:
    post = SandboxPost.objects.create(
        platform=EMULATION.value,
        account=upload.account,
        target=channel_id_for(upload.account),
        external_id=stable_urlsafe(f"youtube-video:{upload.upload_id}", 11),
        text=upload.metadata["snippet"].get("title", ""),
        media=[
            {
                "media_type": upload.media_type,
                "size": upload.received_bytes,
                "sha256_chain": upload.digest,
                "chunks": upload.segments,
            }
        ],
        raw_request={
            "snippet": upload.metadata["snippet"],
            "status": upload.metadata["status"],
            "part": upload.metadata["part"],
        },
    )
    upload.state = SandboxUpload.State.COMPLETE
    upload.post = post
    upload.save(update_fields=["state", "post", "updated_at"])
    return post


def _read_chunk(request: HttpRequest) -> tuple[int, str]:
    """Length and chained digest of the body, read in pieces.

    Reading the stream rather than ``request.body`` lets chunks exceed
    DATA_UPLOAD_MAX_MEMORY_SIZE, as real resumable chunks often do.
    """
    length, digest = 0, ""
    while piece := request.read(READ_SIZE):
        length += len(piece)
        digest = chain_digest(digest, piece)
    return length, digest


def _bad_range(upload: SandboxUpload, message: str) -> HttpResponse:
    response = google_error(400, message, "badContent")
    if upload.received_bytes:
        response.headers["Range"] = f"bytes=0-{upload.received_bytes - 1}"
    return response


def _put_chunk(request: HttpRequest) -> HttpResponse:
    length, chunk_digest = _read_chunk(request)
    content_range = request.headers.get("Content-Range", "").strip()
    with transaction.atomic():
        upload = (
            SandboxUpload.objects.select_for_update()
            .filter(platform=EMULATION.value, upload_id=request.GET.get("upload_id", ""))
            .first()
        )
        if upload is None:
            return google_error(404, "The upload session does not exist.", "notFound")
        parts = _parts(upload.metadata.get("part", "snippet"))
        if upload.state == SandboxUpload.State.COMPLETE:
            return JsonResponse(video_resource(upload.post, parts))

        status_query = _STATUS_RANGE.match(content_range)
        if status_query:
            return _incomplete(upload)
        if not content_range:
            # No Content-Range: the body is the whole file in one request.
            if not length:
                return _bad_range(upload, "Content-Range is required.")
            start, end, total_text = 0, length - 1, str(length)
        else:
            chunk_range = _CHUNK_RANGE.match(content_range)
            if chunk_range is None:
                return _bad_range(upload, f"Malformed Content-Range {content_range!r}.")
            start, end, total_text = (
                int(chunk_range[1]),
                int(chunk_range[2]),
                chunk_range[3],
            )

        total = None if total_text == "*" else int(total_text)
        if total is not None and upload.total_bytes is not None and total != upload.total_bytes:
            return _bad_range(
                upload, f"Content-Range total {total} differs from {upload.total_bytes}."
            )
        if start != upload.received_bytes:
            return _bad_range(
                upload,
                f"Content-Range starts at byte {start}; the next expected byte is "
                f"{upload.received_bytes}.",
            )
        if end < start or end - start + 1 != length:
            return _bad_range(upload, f"Content-Range {start}-{end} does not match {length} bytes.")
        total = total if total is not None else upload.total_bytes
        if total is not None and end >= total:
            return _bad_range(upload, f"Content-Range ends past the total of {total} bytes.")
        is_last = total is not None and end + 1 == total
        if not is_last and length % CHUNK_GRANULARITY:
            return _bad_range(
                upload,
                f"Every chunk but the last must be a multiple of {CHUNK_GRANULARITY} bytes.",
            )

        upload.total_bytes = total
        upload.received_bytes += length
        upload.segments += 1
        upload.digest = chain_digest(upload.digest, chunk_digest.encode())
        upload.save(
            update_fields=["total_bytes", "received_bytes", "segments", "digest", "updated_at"]
        )
        if not is_last:
            return _incomplete(upload)
        post = _complete(upload)
    return JsonResponse(video_resource(post, parts))


@emulated_endpoint(["POST", "PUT"], _transient)
def upload_videos(request: HttpRequest) -> HttpResponse:
    """POST starts a resumable session or takes a multipart upload; PUT sends or asks bytes."""
    if request.method == "POST":
        return _start_upload(request)
    return _put_chunk(request)


@emulated_endpoint(["GET"], _transient)
@_youtube_api
def list_videos(request: HttpRequest, account: str) -> HttpResponse:
    """GET /youtube/v3/videos?id=...&part=...: videos.list by id."""
    ids = [video_id for video_id in request.GET.get("id", "").split(",") if video_id]
    if len(ids) > MAX_LIST_IDS:
        return google_error(
            400,
            f"The request specifies more than {MAX_LIST_IDS} video ids.",
            "invalidParameter",
            domain="youtube.parameter",
            location="id",
            locationType="parameter",
        )
    parts = _parts(request.GET.get("part", "snippet"))
    posts = SandboxPost.objects.filter(platform=EMULATION.value, external_id__in=ids)
    items = [video_resource(post, parts) for post in posts]
    return JsonResponse(
        {
            "kind": "youtube#videoListResponse",
            "items": items,
            "pageInfo": {"totalResults": len(items), "resultsPerPage": len(items)},
        }
    )


@emulated_endpoint(["GET"], _transient)
@_youtube_api
def list_channels(request: HttpRequest, account: str) -> HttpResponse:
    """GET /youtube/v3/channels?part=snippet&mine=true: the token's own channel."""
    if request.GET.get("mine") != "true":
        return google_error(400, "Only mine=true is emulated.", "invalidFilters")
    channel = {
        "kind": "youtube#channel",
        "id": channel_id_for(account),
        "snippet": {"title": f"{account} channel"},
    }
    return JsonResponse({"kind": "youtube#channelListResponse", "items": [channel]})


# --- Google OAuth -------------------------------------------------------------------


def _google_authorization_code(params: dict[str, str]) -> JsonResponse:
    """The authorization_code grant of POST https://oauth2.googleapis.com/token."""
    if not params.get("client_secret"):
        return JsonResponse(
            {"error": "invalid_request", "error_description": "client_secret is missing."},
            status=400,
        )
    try:
        grant = redeem_code("youtube", params)
    except CodeRefused as error:
        return JsonResponse({"error": "invalid_grant", "error_description": str(error)}, status=400)
    return JsonResponse(
        {
            "access_token": issue_token(grant["account"]),
            "expires_in": ACCESS_TOKEN_LIFETIME,
            "refresh_token": issue_refresh_token(grant["account"], grant["scope"]),
            "scope": grant["scope"],
            "token_type": "Bearer",
        }
    )


@emulated_endpoint(["POST"], lambda request: JsonResponse({"error": "backend_error"}, status=503))
def google_revoke(request: HttpRequest) -> HttpResponse:
    """POST /revoke?token=: 200, or 400 invalid_token for a token Google never issued."""
    if account_for_token(request_params(request).get("token")) is None:
        return JsonResponse(
            {"error": "invalid_token", "error_description": "Token expired or revoked"}, status=400
        )
    return JsonResponse({})


def _oauth_transient(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"error": "temporarily_unavailable"}, status=503)


@emulated_endpoint(["POST"], _oauth_transient)
def google_token(request: HttpRequest) -> HttpResponse:
    """POST /token: the authorization_code grant, or refresh_token (a new access token).

    A refresh answers the original grant's scopes, or the narrower ``scope`` it asks for.
    """
    params = request_params(request)
    grant_type = params.get("grant_type", "")
    if grant_type == "authorization_code":
        return _google_authorization_code(params)
    if grant_type != "refresh_token":
        return JsonResponse(
            {
                "error": "unsupported_grant_type",
                "error_description": f"Invalid grant_type: {grant_type}",
            },
            status=400,
        )
    account = account_for_token(params.get("refresh_token"))
    if account is None:
        return JsonResponse(
            {"error": "invalid_grant", "error_description": "Token has been expired or revoked."},
            status=400,
        )
    try:
        scope, _ = refreshed_scope(
            refresh_token=params["refresh_token"],
            requested=params.get("scope", ""),
            default=UPLOAD_SCOPE,
        )
    except RefreshRefused as refused:
        return JsonResponse({"error": refused.error, "error_description": str(refused)}, status=400)
    return JsonResponse(
        {
            "access_token": issue_token(account),
            "expires_in": ACCESS_TOKEN_LIFETIME,
            "token_type": "Bearer",
            "scope": scope,
        }
    )


@require_GET
def permalink(request: HttpRequest) -> HttpResponse:
    """youtube.com/watch?v=<id>: the video's page in the sandbox."""
    return pages.permalink(request, EMULATION.value, request.GET.get("v", ""))


urlpatterns = [
    # Permalinks in YouTube's shape (PLATFORM_PERMALINK_BASES points here).
    path("youtube/watch", permalink, name="youtube-permalink"),
    # Google's consent page (OAUTH_AUTHORIZE_URLS).
    path(
        "google-accounts/o/oauth2/v2/auth",
        oauth.consent,
        {"provider": "youtube"},
        name="google-authorize",
    ),
    path("youtube/upload/youtube/v3/videos", upload_videos, name="youtube-upload"),
    path("youtube/youtube/v3/videos", list_videos, name="youtube-videos"),
    path("youtube/youtube/v3/channels", list_channels, name="youtube-channels"),
    path("google-oauth/token", google_token, name="google-token"),
    path("google-oauth/revoke", google_revoke, name="google-revoke"),
]
