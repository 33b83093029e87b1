"""Emulation of LinkedIn: the versioned Posts, Images, Videos and socialActions APIs, OAuth 2.0.

Shapes as LinkedIn's documentation on Microsoft Learn gives them (see
``platforms/linkedin/client.py`` for the pages): every ``/rest`` call needs a bearer
token and a ``LinkedIn-Version`` header (400 ``VERSION_MISSING`` without one, 426
``NONEXISTENT_VERSION`` for one that is not a month); creating a post also needs
``X-Restli-Protocol-Version: 2.0.0``. A post is answered 201 with its URN in
``x-restli-id`` and an empty body. Errors are ``{status, serviceErrorCode, code,
message}``. Uploads go to URLs the sandbox serves on its ``www`` host, as LinkedIn's
``dms-uploads`` do; a video is cut into 4 MiB parts and each part's PUT answers an
``ETag``. Limits are per member and per day, counted from midnight UTC, and a 429
carries no rate-limit headers, as on LinkedIn.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import secrets
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from sandbox.emulations import Consent, Emulation
from sandbox.limits import take_rate_slot
from sandbox.metrics import numbers
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
    stable_digits,
    stable_urlsafe,
)

EMULATION = Emulation(
    value="linkedin",
    label="LinkedIn",
    color="#0a66c2",
    rate_limits={
        "linkedin": (2000, 86400),  # every /rest and /v2 call, per member and day
        "linkedin_posts": (150, 86400),  # POST /rest/posts, per member and day
    },
    consent=Consent(name="LinkedIn", account="li-herald"),
)

RATE_LIMIT = "linkedin"
POSTS_LIMIT = "linkedin_posts"
MAX_COMMENTARY = 3000
MIN_MULTI_IMAGES, MAX_MULTI_IMAGES = 2, 20
VISIBILITIES = {"PUBLIC", "CONNECTIONS", "LOGGED_IN"}
PART_SIZE = 4 * 1024 * 1024  # the Videos API's part size
MAX_VIDEO_BYTES = 5 * 1024**3
MAX_FINDER_COUNT = 100
ACCESS_TOKEN_LIFETIME = 60 * 86400
REFRESH_TOKEN_LIFETIME = 365 * 86400
FULL_SCOPE = "openid profile w_member_social"
READ_SIZE = 64 * 1024
_VERSION = re.compile(r"^20\d{2}(0[1-9]|1[0-2])$")
# What the little text format lets stand unescaped: an escape, a mention, a hashtag template.
_LITTLE_TOKEN = re.compile(
    r"\\.|@\[[^\]\\]*\]\(urn:li:(?:person|organization):[^)\\]+\)|\{hashtag\|[#\uff03]\|[^}\\]*\}",
    re.DOTALL,
)
_RESERVED = set("\\|{}@[]()<>*_~")
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)


# --- Answers ------------------------------------------------------------------------


def li_error(status: int, message: str, code: str = "", service_code: int = 0) -> JsonResponse:
    """LinkedIn's error body: ``{status, serviceErrorCode, code, message}``."""
    body: dict[str, Any] = {"status": status, "message": message}
    if service_code:
        body["serviceErrorCode"] = service_code
    if code:
        body["code"] = code
    return JsonResponse(body, status=status)


def _transient(request: HttpRequest) -> HttpResponse:
    return li_error(503, "Service Unavailable", "SERVICE_UNAVAILABLE")


def _oauth_error(error: str, description: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": error, "error_description": description}, status=status)


def _rest_api(view: View, *, limit: str = RATE_LIMIT, versioned: bool = True) -> View:
    """Authenticate by bearer token, check the version header, charge the member's day."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        account = account_for_token(authorization_token(request))
        if account is None:
            return li_error(401, "Invalid access token", "INVALID_ACCESS_TOKEN", 65600)
        if versioned:
            version = request.headers.get("LinkedIn-Version", "").strip()
            if not version:
                return li_error(
                    400,
                    "A version must be present. Please specify a version by adding the "
                    "LinkedIn-Version header.",
                    "VERSION_MISSING",
                )
            if not _VERSION.match(version):
                return li_error(
                    426, f"Requested version {version[:20]} is not active", "NONEXISTENT_VERSION"
                )
        if take_rate_slot(RATE_LIMIT, account).exceeded or (
            limit != RATE_LIMIT and take_rate_slot(limit, account).exceeded
        ):
            return li_error(
                429,
                "Resource level throttle MEMBER DAY limit for calls to this resource is reached.",
                "TOO_MANY_REQUESTS",
                101,
            )
        return view(request, account, *args, **kwargs)

    return wrapper


# --- Members ------------------------------------------------------------------------


def member_id_for(account: str) -> str:
    """The member id (``sub``) the sandbox gives an account, the same on every call."""
    return stable_urlsafe(f"linkedin-member:{account}", 10)


def person_urn(account: str) -> str:
    return f"urn:li:person:{member_id_for(account)}"


_ORGANIZATION = re.compile(r"urn:li:organization:[0-9]{1,20}")


def may_act_as(account: str, urn: Any) -> bool:
    """Whether ``account`` may post or upload as ``urn``: itself, or any organization.

    The sandbox lets every member administer every organization; LinkedIn checks the
    member's page role and the token's ``w_organization_social``.
    """
    return urn == person_urn(account) or (
        isinstance(urn, str) and _ORGANIZATION.fullmatch(urn) is not None
    )


def display_name(account: str) -> str:
    return " ".join(part.capitalize() for part in re.split(r"[-_.]+", account) if part) or account


@emulated_endpoint(["GET"], _transient)
@functools.partial(_rest_api, versioned=False)
def userinfo(request: HttpRequest, account: str) -> HttpResponse:
    """GET /v2/userinfo: the OpenID Connect claims of the member behind the token."""
    name = display_name(account)
    given, _, family = name.partition(" ")
    return JsonResponse(
        {
            "sub": member_id_for(account),
            "email_verified": True,
            "name": name,
            "locale": {"country": "US", "language": "en"},
            "given_name": given,
            "family_name": family,
            "picture": "",
        }
    )


# --- Posts --------------------------------------------------------------------------


def epoch_ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


def unescape(commentary: str) -> str:
    """The text a reader sees: escapes resolved, mentions and templates left as written."""
    return _ESCAPE.sub(r"\1", commentary)


def unescaped_reserved(commentary: str) -> str | None:
    """The first reserved character left unescaped outside a mention or template, if any."""
    bare = _LITTLE_TOKEN.sub("", commentary)
    return next((c for c in bare if c in _RESERVED), None)


def post_resource(post: SandboxPost) -> dict[str, Any]:
    body = post.raw_request
    resource = {
        "id": post.external_id,
        "author": post.target,
        "commentary": body.get("commentary", ""),
        "visibility": body.get("visibility", "PUBLIC"),
        "distribution": body.get("distribution") or {},
        "lifecycleState": "PUBLISHED",
        "isReshareDisabledByAuthor": bool(body.get("isReshareDisabledByAuthor", False)),
        "isEditedByAuthor": False,
        "createdAt": epoch_ms(post.created_at),
        "publishedAt": epoch_ms(post.created_at),
        "lastModifiedAt": epoch_ms(post.created_at),
    }
    if body.get("content"):
        resource["content"] = body["content"]
    return resource


def _own_media(account: str, urn: Any, kind: str) -> SandboxUpload | None:
    """The member's finished upload ``urn`` of ``kind``; None when it is not one."""
    if not isinstance(urn, str):
        return None
    upload = SandboxUpload.objects.filter(
        platform=EMULATION.value, account=account, upload_id=urn
    ).first()
    if upload is None or upload.media_type != kind:
        return None
    ready = upload.metadata.get("status") == "AVAILABLE" if kind == "video" else True
    return upload if upload.state == SandboxUpload.State.COMPLETE and ready else None


def _content_media(account: str, content: Any) -> tuple[list[SandboxUpload], JsonResponse | None]:
    """The uploads a post's ``content`` names, or the error LinkedIn gives for it."""
    if content is None:
        return [], None
    if not isinstance(content, dict) or len(content) != 1:
        return [], li_error(422, "content must hold exactly one of media or multiImage.")
    if "media" in content:
        medium = content["media"] if isinstance(content["media"], dict) else {}
        urn = medium.get("id", "")
        kind = "video" if str(urn).startswith("urn:li:video:") else "image"
        upload = _own_media(account, urn, kind)
        if upload is None:
            return [], li_error(422, f"The media {str(urn)[:80]} is not an available upload.")
        return [upload], None
    if "multiImage" in content:
        images = (
            (content["multiImage"] or {}).get("images")
            if isinstance(content["multiImage"], dict)
            else None
        )
        if not isinstance(images, list) or not (
            MIN_MULTI_IMAGES <= len(images) <= MAX_MULTI_IMAGES
        ):
            return [], li_error(
                422, f"A multiImage post holds {MIN_MULTI_IMAGES} to {MAX_MULTI_IMAGES} images."
            )
        uploads = [
            _own_media(account, image.get("id") if isinstance(image, dict) else None, "image")
            for image in images
        ]
        if any(upload is None for upload in uploads):
            return [], li_error(422, "Every multiImage image must be an uploaded image.")
        return uploads, None
    return [], li_error(422, "Only media and multiImage content is emulated.")


def _post_problem(body: dict[str, Any], account: str) -> JsonResponse | None:
    if not may_act_as(account, body.get("author")):
        return li_error(
            403,
            "Not enough permissions to create a post as this author.",
            "ACCESS_DENIED",
            100,
        )
    commentary = body.get("commentary", "")
    if not isinstance(commentary, str):
        return li_error(400, "commentary must be a string.", "INVALID_PARAMETER")
    if len(unescape(commentary)) > MAX_COMMENTARY:
        return li_error(
            422, f"commentary is longer than {MAX_COMMENTARY} characters.", "FIELD_LENGTH_TOO_LONG"
        )
    reserved = unescaped_reserved(commentary)
    if reserved is not None:
        return li_error(
            422,
            f"commentary holds the reserved character {reserved!r} unescaped; escape it "
            "with a backslash.",
            "INVALID_LITTLE_TEXT",
        )
    visibility = body.get("visibility")
    if not isinstance(visibility, str) or visibility not in VISIBILITIES:
        return li_error(422, "visibility must be PUBLIC, CONNECTIONS or LOGGED_IN.")
    distribution = body.get("distribution")
    if not isinstance(distribution, dict) or distribution.get("feedDistribution") not in (
        "MAIN_FEED",
        "NONE",
    ):
        return li_error(422, "distribution.feedDistribution is required.")
    if body.get("lifecycleState") != "PUBLISHED":
        return li_error(422, "lifecycleState must be PUBLISHED.")
    if not commentary and not body.get("content"):
        return li_error(422, "A post needs commentary or content.")
    return None


def _create_post(request: HttpRequest, account: str) -> HttpResponse:
    if request.headers.get("X-Restli-Protocol-Version") != "2.0.0":
        return li_error(
            400, "X-Restli-Protocol-Version: 2.0.0 is required.", "PROTOCOL_VERSION_MISSING"
        )
    body = read_json_object(request)
    if body is None:
        return li_error(400, "The request body is not a JSON object.", "INVALID_BODY")
    problem = _post_problem(body, account)
    if problem is not None:
        return problem
    uploads, problem = _content_media(account, body.get("content"))
    if problem is not None:
        return problem
    commentary = body.get("commentary", "")
    earlier = SandboxPost.objects.filter(
        platform=EMULATION.value, account=account, raw_request__commentary=commentary
    ).first()
    if commentary and earlier is not None:
        return li_error(
            422, f"Content is a duplicate of {earlier.external_id}", "DUPLICATE_POST", 0
        )
    post = SandboxPost.objects.create(
        platform=EMULATION.value,
        account=account,
        target=body["author"],
        external_id=f"urn:li:share:{stable_digits(secrets.token_hex(8), '7', 19)}",
        text=unescape(commentary),
        media=[
            {
                "urn": upload.upload_id,
                "media_type": upload.media_type,
                "size": upload.received_bytes,
                "sha256_chain": upload.digest,
                "parts": upload.segments,
            }
            for upload in uploads
        ],
        raw_request=body,
    )
    response = HttpResponse(status=201)
    response.headers["x-restli-id"] = post.external_id
    response.headers["x-linkedin-id"] = post.external_id
    return response


def _find_by_author(request: HttpRequest, account: str) -> HttpResponse:
    if request.GET.get("q") != "author":
        return li_error(400, "Only the author finder (q=author) is emulated.", "INVALID_PARAMETER")
    author = request.GET.get("author", "")
    if not may_act_as(account, author):
        return li_error(403, "Not enough permissions to read this author's posts.", "ACCESS_DENIED")
    try:
        count = min(max(int(request.GET.get("count", 10)), 1), MAX_FINDER_COUNT)
        start = max(int(request.GET.get("start", 0)), 0)
    except ValueError:
        return li_error(400, "count and start must be numbers.", "INVALID_PARAMETER")
    posts = list(
        SandboxPost.objects.filter(platform=EMULATION.value, target=author)[start : start + count]
    )
    return JsonResponse(
        {
            "paging": {"start": start, "count": count, "links": []},
            "elements": [post_resource(post) for post in posts],
        }
    )


@emulated_endpoint(["GET"], _transient)
@_rest_api
def _posts_get(request: HttpRequest, account: str) -> HttpResponse:
    return _find_by_author(request, account)


@emulated_endpoint(["POST"], _transient)
@functools.partial(_rest_api, limit=POSTS_LIMIT)
def _posts_post(request: HttpRequest, account: str) -> HttpResponse:
    return _create_post(request, account)


@csrf_exempt
def posts(request: HttpRequest) -> HttpResponse:
    """/rest/posts: POST creates a post (201, ``x-restli-id``); GET ?q=author lists them."""
    if request.method == "POST":
        return _posts_post(request)
    return _posts_get(request)


# --- Uploads --------------------------------------------------------------------------


def _upload_url(request: HttpRequest, key: str, part: int | None = None) -> str:
    if part is None:
        where = reverse("sandbox:linkedin-upload", args=[key])
    else:
        where = reverse("sandbox:linkedin-upload-part", args=[key, part])
    return request.build_absolute_uri(where)


def _expires_ms() -> int:
    return epoch_ms(timezone.now() + dt.timedelta(days=1))


def _initialize_image(request: HttpRequest, account: str, body: dict[str, Any]) -> HttpResponse:
    key = secrets.token_urlsafe(18)
    upload = SandboxUpload.objects.create(
        platform=EMULATION.value,
        account=account,
        upload_id=f"urn:li:image:{stable_urlsafe(key, 24)}",
        media_type="image",
        metadata={"upload_key": key, "owner": body["owner"]},
    )
    return JsonResponse(
        {
            "value": {
                "uploadUrlExpiresAt": _expires_ms(),
                "uploadUrl": _upload_url(request, key),
                "image": upload.upload_id,
            }
        }
    )


def _initialize_video(request: HttpRequest, account: str, body: dict[str, Any]) -> HttpResponse:
    size = body.get("fileSizeBytes")
    if isinstance(size, bool) or not isinstance(size, int) or not 0 < size <= MAX_VIDEO_BYTES:
        return li_error(
            400, "fileSizeBytes must be a positive size up to 5 GB.", "INVALID_PARAMETER"
        )
    key = secrets.token_urlsafe(18)
    parts = [(first, min(first + PART_SIZE, size) - 1) for first in range(0, size, PART_SIZE)]
    upload = SandboxUpload.objects.create(
        platform=EMULATION.value,
        account=account,
        upload_id=f"urn:li:video:{stable_urlsafe(key, 24)}",
        media_type="video",
        total_bytes=size,
        metadata={
            "upload_key": key,
            "owner": body["owner"],
            "parts": [list(part) for part in parts],
            "etags": {},
            "upload_token": secrets.token_urlsafe(16) if len(parts) > 1 else "",
            "status": "WAITING_UPLOAD",
        },
    )
    return JsonResponse(
        {
            "value": {
                "uploadUrlsExpireAt": _expires_ms(),
                "video": upload.upload_id,
                "uploadInstructions": [
                    {
                        "uploadUrl": _upload_url(request, key, index),
                        "firstByte": first,
                        "lastByte": last,
                    }
                    for index, (first, last) in enumerate(parts)
                ],
                "uploadToken": upload.metadata["upload_token"],
                "thumbnailUploadUrl": "",
                "captionsUploadUrl": "",
            }
        }
    )


def _initialize(request: HttpRequest, account: str, kind: str) -> HttpResponse:
    body = read_json_object(request)
    init = (body or {}).get("initializeUploadRequest")
    if not isinstance(init, dict):
        return li_error(400, "initializeUploadRequest is required.", "INVALID_BODY")
    if not may_act_as(account, init.get("owner")):
        return li_error(
            403,
            f"Accessing this {kind} resource is forbidden. Please check your permissions "
            "for this resource",
            "ACCESS_DENIED",
        )
    if kind == "image":
        return _initialize_image(request, account, init)
    return _initialize_video(request, account, init)


def _finalize_video(request: HttpRequest, account: str) -> HttpResponse:
    body = read_json_object(request)
    final = (body or {}).get("finalizeUploadRequest")
    if not isinstance(final, dict):
        return li_error(400, "finalizeUploadRequest is required.", "INVALID_BODY")
    with transaction.atomic():
        upload = (
            SandboxUpload.objects.select_for_update()
            .filter(platform=EMULATION.value, account=account, upload_id=str(final.get("video")))
            .first()
        )
        if upload is None or upload.media_type != "video":
            return li_error(404, "The video does not exist.", "NOT_FOUND")
        metadata = upload.metadata
        if upload.state != SandboxUpload.State.UPLOADING:
            return li_error(400, "The video upload is already finalized.", "INVALID_STATE")
        if final.get("uploadToken", "") != metadata["upload_token"]:
            return li_error(400, "uploadToken does not match the upload.", "INVALID_PARAMETER")
        expected = [metadata["etags"].get(str(n)) for n in range(len(metadata["parts"]))]
        if None in expected or final.get("uploadedPartIds") != expected:
            return li_error(
                400,
                "uploadedPartIds must list the ETag of every part, in order.",
                "INVALID_PARAMETER",
            )
        upload.state = SandboxUpload.State.PROCESSING
        metadata["status"] = "PROCESSING"
        upload.save(update_fields=["state", "metadata", "updated_at"])
    return JsonResponse({})


def _upload_action(request: HttpRequest, account: str, kind: str) -> HttpResponse:
    action = request.GET.get("action", "")
    if action == "initializeUpload":
        return _initialize(request, account, kind)
    if action == "finalizeUpload" and kind == "video":
        return _finalize_video(request, account)
    return li_error(400, f"Unsupported action {action[:40]!r}.", "INVALID_PARAMETER")


@emulated_endpoint(["POST"], _transient)
@_rest_api
def images(request: HttpRequest, account: str) -> HttpResponse:
    """POST /rest/images?action=initializeUpload: an upload URL and the image's URN."""
    return _upload_action(request, account, "image")


@emulated_endpoint(["POST"], _transient)
@_rest_api
def videos(request: HttpRequest, account: str) -> HttpResponse:
    """POST /rest/videos?action=initializeUpload | finalizeUpload."""
    return _upload_action(request, account, "video")


@emulated_endpoint(["GET"], _transient)
@_rest_api
def video(request: HttpRequest, account: str, urn: str) -> HttpResponse:
    """GET /rest/videos/{urn}: the video's status; processing ends by the second poll."""
    with transaction.atomic():
        upload = (
            SandboxUpload.objects.select_for_update()
            .filter(platform=EMULATION.value, account=account, upload_id=urn, media_type="video")
            .first()
        )
        if upload is None:
            return li_error(404, "The video does not exist.", "NOT_FOUND")
        status = upload.metadata.get("status", "WAITING_UPLOAD")
        if upload.state == SandboxUpload.State.PROCESSING:
            # Reported PROCESSING once, AVAILABLE from the next poll: clients see both.
            upload.state = SandboxUpload.State.COMPLETE
            upload.metadata["status"] = "AVAILABLE"
            upload.save(update_fields=["state", "metadata", "updated_at"])
    return JsonResponse(
        {
            "id": upload.upload_id,
            "owner": upload.metadata.get("owner", person_urn(account)),
            "status": status,
            "uploadedAt": epoch_ms(upload.updated_at),
            "aspectRatioWidth": 16.0,
            "aspectRatioHeight": 9.0,
        }
    )


def _read_body(request: HttpRequest, limit: int) -> tuple[int, str] | None:
    """Length and chained digest of the body; None when it passes ``limit`` bytes."""
    length, digest = 0, ""
    while piece := request.read(READ_SIZE):
        length += len(piece)
        if length > limit:
            return None
        digest = chain_digest(digest, piece)
    return length, digest


def _uploading(key: str) -> SandboxUpload | None:
    return (
        SandboxUpload.objects.select_for_update()
        .filter(platform=EMULATION.value, metadata__upload_key=key)
        .first()
    )


@emulated_endpoint(["PUT"], _transient)
def upload_image_bytes(request: HttpRequest, key: str) -> HttpResponse:
    """PUT <uploadUrl>: the image's bytes, once; 201."""
    token = authorization_token(request)
    with transaction.atomic():
        upload = _uploading(key)
        if upload is None or upload.media_type != "image":
            return li_error(404, "The upload URL is unknown or expired.", "NOT_FOUND")
        if token is not None and account_for_token(token) != upload.account:
            return li_error(401, "Invalid access token", "INVALID_ACCESS_TOKEN", 65600)
        if upload.state != SandboxUpload.State.UPLOADING:
            return li_error(400, "The image was already uploaded.", "INVALID_STATE")
        read = _read_body(request, MAX_VIDEO_BYTES)
        if read is None or not read[0]:
            return li_error(400, "The upload is empty or too large.", "INVALID_BODY")
        upload.total_bytes = upload.received_bytes = read[0]
        upload.segments = 1
        upload.digest = chain_digest("", read[1].encode())
        upload.state = SandboxUpload.State.COMPLETE
        upload.save()
    return HttpResponse(status=201)


@emulated_endpoint(["PUT"], _transient)
def upload_video_part(request: HttpRequest, key: str, part: int) -> HttpResponse:
    """PUT <uploadUrl> of one part: exactly its byte range; 200 with the part's ``ETag``."""
    with transaction.atomic():
        upload = _uploading(key)
        if upload is None or upload.media_type != "video":
            return li_error(404, "The upload URL is unknown or expired.", "NOT_FOUND")
        parts = upload.metadata["parts"]
        if upload.state != SandboxUpload.State.UPLOADING or part >= len(parts):
            return li_error(400, "This part is not awaited.", "INVALID_STATE")
        first, last = parts[part]
        read = _read_body(request, last - first + 1)
        if read is None or read[0] != last - first + 1:
            return li_error(
                400, f"Part {part} must be bytes {first}-{last} exactly.", "INVALID_BODY"
            )
        etag = hashlib.sha256(f"{key}:{part}:{read[1]}".encode()).hexdigest()[:32]
        if str(part) not in upload.metadata["etags"]:
            upload.received_bytes += read[0]
            upload.segments += 1
            upload.digest = chain_digest(upload.digest, read[1].encode())
        upload.metadata["etags"][str(part)] = etag
        upload.save()
    response = HttpResponse(status=200)
    response.headers["ETag"] = etag
    return response


# --- Social actions ---------------------------------------------------------------------


@emulated_endpoint(["GET"], _transient)
@_rest_api
def social_actions(request: HttpRequest, account: str, urn: str) -> HttpResponse:
    """GET /rest/socialActions/{urn}: likes and comments that grow with the post's age."""
    post = SandboxPost.objects.filter(platform=EMULATION.value, external_id=urn).first()
    if post is None:
        return li_error(404, f"Post {urn[:80]} does not exist.", "NOT_FOUND")
    grown = numbers(post.external_id, post.created_at, timezone.now())
    return JsonResponse(
        {
            "target": post.external_id,
            "likesSummary": {"likedByCurrentUser": False, "totalLikes": grown["likes"]},
            "commentsSummary": {
                "totalFirstLevelComments": grown["comments"],
                "aggregatedTotalComments": grown["comments"] + grown["quotes"],
            },
        }
    )


# --- OAuth 2.0 --------------------------------------------------------------------------


def _client_refused(params: dict[str, str]) -> JsonResponse | None:
    if not params.get("client_id") or not params.get("client_secret"):
        return _oauth_error(
            "invalid_request", 'A required parameter "client_secret" is missing', 401
        )
    return None


def _token_answer(account: str, scope: str, refresh_token: str) -> JsonResponse:
    return JsonResponse(
        {
            "access_token": issue_token(account),
            "expires_in": ACCESS_TOKEN_LIFETIME,
            "refresh_token": refresh_token,
            "refresh_token_expires_in": REFRESH_TOKEN_LIFETIME,
            # LinkedIn lists the granted scopes separated by commas.
            "scope": ",".join(scope.split()),
        }
    )


@emulated_endpoint(["POST"], lambda request: _oauth_error("temporarily_unavailable", "", 503))
def access_token(request: HttpRequest) -> HttpResponse:
    """POST /oauth/v2/accessToken: the authorization_code grant, or refresh_token.

    The sandbox acts as an app approved for programmatic refresh tokens: it issues one
    with every code, and a refresh keeps it (its year runs from the first grant).
    """
    params = request_params(request)
    refused = _client_refused(params)
    if refused is not None:
        return refused
    grant_type = params.get("grant_type", "")
    if grant_type == "authorization_code":
        try:
            grant = redeem_code(EMULATION.value, params)
        except CodeRefused as error:
            return _oauth_error("invalid_request", str(error))
        return _token_answer(
            grant["account"], grant["scope"], issue_refresh_token(grant["account"], grant["scope"])
        )
    if grant_type != "refresh_token":
        return _oauth_error("unsupported_grant_type", "Unsupported grant type.")
    refresh_token = params.get("refresh_token", "")
    account = account_for_token(refresh_token)
    if account is None:
        return _oauth_error(
            "invalid_request",
            "The provided authorization grant or refresh token is invalid, expired or revoked.",
        )
    try:
        scope, _ = refreshed_scope(refresh_token=refresh_token, requested="", default=FULL_SCOPE)
    except RefreshRefused as refused_grant:
        return _oauth_error(refused_grant.error, str(refused_grant))
    return _token_answer(account, scope, refresh_token)


@emulated_endpoint(["POST"], lambda request: _oauth_error("temporarily_unavailable", "", 503))
def revoke(request: HttpRequest) -> HttpResponse:
    """POST /oauth/v2/revoke: 200 for a token of this sandbox, 400 otherwise."""
    params = request_params(request)
    refused = _client_refused(params)
    if refused is not None:
        return refused
    if account_for_token(params.get("token")) is None:
        return _oauth_error("invalid_request", "The token is invalid.")
    return HttpResponse(status=200)


@require_GET
def permalink(request: HttpRequest, urn: str) -> HttpResponse:
    """linkedin.com/feed/update/<urn>/: the post's page in the sandbox."""
    return pages.permalink(request, EMULATION.value, urn)


urlpatterns = [
    # www.linkedin.com: consent page, OAuth, uploads, permalinks.
    path(
        "linkedin-www/oauth/v2/authorization",
        oauth.consent,
        {"provider": EMULATION.value},
        name="linkedin-authorize",
    ),
    path("linkedin-www/oauth/v2/accessToken", access_token, name="linkedin-access-token"),
    path("linkedin-www/oauth/v2/revoke", revoke, name="linkedin-revoke"),
    path("linkedin-www/feed/update/<str:urn>/", permalink, name="linkedin-permalink"),
    path("linkedin-www/dms-uploads/<str:key>", upload_image_bytes, name="linkedin-upload"),
    path(
        "linkedin-www/dms-uploads/<str:key>/parts/<int:part>",
        upload_video_part,
        name="linkedin-upload-part",
    ),
    # api.linkedin.com
    path("linkedin/v2/userinfo", userinfo, name="linkedin-userinfo"),
    path("linkedin/rest/posts", posts, name="linkedin-posts"),
    path("linkedin/rest/images", images, name="linkedin-images"),
    path("linkedin/rest/videos", videos, name="linkedin-videos"),
    path("linkedin/rest/videos/<str:urn>", video, name="linkedin-video"),
    path("linkedin/rest/socialActions/<str:urn>", social_actions, name="linkedin-social-actions"),
]
