"""Emulation of one Mastodon server: instance, apps, OAuth, media v2, statuses.

The shapes follow Mastodon's documentation: Instance
(https://docs.joinmastodon.org/entities/Instance/), Application
(https://docs.joinmastodon.org/methods/apps/#create), Status
(https://docs.joinmastodon.org/entities/Status/), MediaAttachment
(https://docs.joinmastodon.org/methods/media/#v2), errors as ``{"error": ...}``
(https://docs.joinmastodon.org/entities/Error/), and the ``X-RateLimit-*`` headers
with an ISO 8601 reset (https://docs.joinmastodon.org/api/rate-limits/).
"""

from __future__ import annotations

import functools
import hashlib
import html
import re
from typing import Any

from django.core import signing
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from sandbox.emulations import Consent, Emulation
from sandbox.limits import RateState, take_rate_slot, untouched_rate_state
from sandbox.metrics import numbers
from sandbox.models import SandboxPost, SandboxUpload
from sandbox.views import oauth, pages
from sandbox.views.oauth import CodeRefused, redeem_code
from sandbox.views.shared import (
    View,
    account_for_token,
    authorization_token,
    describe_file,
    emulated_endpoint,
    issue_token,
    read_json_object,
    request_params,
    snowflake,
    stable_digits,
)

RATE_LIMIT = "mastodon"
MEDIA_LIMIT = "mastodon_media"

EMULATION = Emulation(
    value="mastodon",
    label="Mastodon",
    color="#6364ff",
    rate_limits={
        RATE_LIMIT: (300, 300),  # every API call, per account
        MEDIA_LIMIT: (30, 1800),  # media uploads, per account
    },
    consent=Consent(name="Mastodon", account="mastodon-herald"),
)
VERSION = "4.3.0"
MAX_CHARACTERS = 500
MAX_MEDIA = 4
URL_LENGTH = 23
VISIBILITIES = ("public", "unlisted", "private", "direct")
DEFAULT_STATUSES, MAX_STATUSES = 20, 40
CLIENT_SALT = "herald.sandbox.mastodon-client"
URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)


# --- Answers ----------------------------------------------------------------------------


def _with_rate_headers(response: HttpResponse, state: RateState) -> HttpResponse:
    response.headers["X-RateLimit-Limit"] = str(state.limit)
    response.headers["X-RateLimit-Remaining"] = str(state.remaining)
    response.headers["X-RateLimit-Reset"] = state.resets_at.isoformat(
        timespec="milliseconds"
    ).replace("+00:00", "Z")
    return response


def _error(status: int, message: str, **extra: str) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status)


def _transient(request: HttpRequest) -> HttpResponse:
    return _with_rate_headers(_error(503, "Service Unavailable"), untouched_rate_state(RATE_LIMIT))


def _mastodon_api(view: View) -> View:
    """Authenticate by bearer token and charge the account's window; headers on every answer."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        account = account_for_token(authorization_token(request))
        if account is None:
            response = _error(401, "The access token is invalid")
            return _with_rate_headers(response, untouched_rate_state(RATE_LIMIT))
        state = take_rate_slot(RATE_LIMIT, account)
        if state.exceeded:
            response = _error(429, "Too many requests")
        else:
            response = view(request, account, *args, **kwargs)
        return _with_rate_headers(response, state)

    return wrapper


# --- Accounts -------------------------------------------------------------------------------


def account_id_for(account: str) -> str:
    """The numeric account id the sandbox gives an account, the same on every call."""
    return stable_digits(f"mastodon-account:{account}", "1", 18)


def username_for(account: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", account)[:30]


def _account(request: HttpRequest, account: str) -> dict[str, Any]:
    username = username_for(account)
    return {
        "id": account_id_for(account),
        "username": username,
        "acct": username,
        "display_name": account,
        "url": request.build_absolute_uri(reverse("sandbox:mastodon-profile", args=[username])),
        "created_at": "2026-01-01T00:00:00.000Z",
    }


@emulated_endpoint(["GET"], _transient)
@_mastodon_api
def verify_credentials(request: HttpRequest, account: str) -> HttpResponse:
    """GET /api/v1/accounts/verify_credentials: the account behind the token."""
    return JsonResponse(_account(request, account))


# --- Instance and apps -------------------------------------------------------------------


def _configuration() -> dict[str, Any]:
    return {
        "statuses": {
            "max_characters": MAX_CHARACTERS,
            "max_media_attachments": MAX_MEDIA,
            "characters_reserved_per_url": URL_LENGTH,
        },
        "media_attachments": {
            "supported_mime_types": ["image/jpeg", "image/png", "image/gif", "video/mp4"],
            "image_size_limit": 16777216,
            "video_size_limit": 103809024,
        },
    }


@emulated_endpoint(["GET"], _transient)
def instance(request: HttpRequest) -> HttpResponse:
    """GET /api/v2/instance: the server's limits (public, no token)."""
    body = {
        "domain": request.get_host(),
        "title": "Herald sandbox",
        "version": VERSION,
        "api_versions": {"mastodon": 2},
        "configuration": {"urls": {"streaming": ""}, **_configuration()},
    }
    return _with_rate_headers(JsonResponse(body), untouched_rate_state(RATE_LIMIT))


@emulated_endpoint(["GET"], _transient)
def instance_v1(request: HttpRequest) -> HttpResponse:
    """GET /api/v1/instance, deprecated but still served (clients read ``version`` there).

    https://docs.joinmastodon.org/entities/V1_Instance/
    """
    body = {
        "uri": request.get_host(),
        "title": "Herald sandbox",
        "version": VERSION,
        "urls": {"streaming_api": ""},
        "configuration": _configuration(),
    }
    return _with_rate_headers(JsonResponse(body), untouched_rate_state(RATE_LIMIT))


def client_secret_for(client_id: str) -> str:
    """The secret of a client the sandbox registered: derived, so nothing is stored."""
    return signing.Signer(salt=CLIENT_SALT).signature(client_id)


def is_registered_client(client_id: str, client_secret: str) -> bool:
    return bool(client_id) and client_secret == client_secret_for(client_id)


def _body_params(request: HttpRequest) -> dict[str, Any]:
    """A JSON body or form fields, as Mastodon accepts either."""
    if request.content_type == "application/json":
        return read_json_object(request) or {}
    return request_params(request)


@emulated_endpoint(["POST"], _transient)
def apps(request: HttpRequest) -> HttpResponse:
    """POST /api/v1/apps: register a client; its id and secret come back once."""
    params = _body_params(request)
    name, redirect_uris = params.get("client_name"), params.get("redirect_uris")
    if not name or not redirect_uris:
        missing = "Name can't be blank" if not name else "Redirect URI can't be blank"
        return _error(422, f"Validation failed: {missing}")
    uris = redirect_uris if isinstance(redirect_uris, list) else str(redirect_uris).split()
    scopes = str(params.get("scopes") or "read").split()
    client_id = f"sandbox-app-{snowflake()}"
    body = {
        "id": stable_digits(client_id, "2", 8),
        "name": name,
        "website": params.get("website") or None,
        "scopes": scopes,
        "redirect_uris": uris,
        "redirect_uri": "\n".join(uris),
        "client_id": client_id,
        "client_secret": client_secret_for(client_id),
        "client_secret_expires_at": 0,
    }
    return _with_rate_headers(JsonResponse(body), untouched_rate_state(RATE_LIMIT))


# --- OAuth ------------------------------------------------------------------------------


@emulated_endpoint(["POST"], _transient)
def token(request: HttpRequest) -> HttpResponse:
    """POST /oauth/token: the authorization_code grant; the token never expires."""
    params = {key: str(value) for key, value in _body_params(request).items()}
    if params.get("grant_type") != "authorization_code":
        return _error(400, "unsupported_grant_type", error_description="Only authorization_code.")
    if not is_registered_client(params.get("client_id", ""), params.get("client_secret", "")):
        return _error(401, "invalid_client", error_description="Client authentication failed.")
    try:
        grant = redeem_code(EMULATION.value, params)
    except CodeRefused as refused:
        return _error(400, "invalid_grant", error_description=str(refused))
    return JsonResponse(
        {
            "access_token": issue_token(grant["account"]),
            "token_type": "Bearer",
            "scope": grant["scope"],
            "created_at": int(timezone.now().timestamp()),
        }
    )


@emulated_endpoint(["POST"], _transient)
def revoke(request: HttpRequest) -> HttpResponse:
    """POST /oauth/revoke: needs the client's id and secret; answers ``{}``."""
    params = {key: str(value) for key, value in _body_params(request).items()}
    if not is_registered_client(params.get("client_id", ""), params.get("client_secret", "")):
        return _error(
            403,
            "unauthorized_client",
            error_description="You are not authorized to revoke this token",
        )
    if not params.get("token"):
        return _error(400, "invalid_request", error_description="Missing token.")
    return JsonResponse({})


# --- Media ----------------------------------------------------------------------------------


def _attachment(request: HttpRequest, upload: SandboxUpload) -> dict[str, Any]:
    ready = upload.state == SandboxUpload.State.COMPLETE
    kind = upload.media_type.split("/", 1)[0]
    file_url = request.build_absolute_uri(
        reverse("sandbox:mastodon-media", args=[upload.upload_id])
    )
    return {
        "id": upload.upload_id,
        "type": kind if kind in ("image", "video") else "unknown",
        "url": file_url if ready else None,
        "preview_url": file_url,
        "description": upload.metadata.get("description") or None,
        "blurhash": None,
    }


@emulated_endpoint(["POST"], _transient)
@_mastodon_api
def upload_media(request: HttpRequest, account: str) -> HttpResponse:
    """POST /api/v2/media: 202 with ``url: null``; the server processes it in the background."""
    if "file" not in request.FILES:
        return _error(422, "Validation failed: File can't be blank")
    media_state = take_rate_slot(MEDIA_LIMIT, account)
    if media_state.exceeded:
        return _with_rate_headers(_error(429, "Too many requests"), media_state)
    facts = describe_file("file", request.FILES["file"])
    upload = SandboxUpload.objects.create(
        platform=EMULATION.value,
        account=account,
        upload_id=snowflake(),
        media_type=facts["content_type"],
        total_bytes=facts["size"],
        received_bytes=facts["size"],
        segments=1,
        digest=facts["sha256"],
        state=SandboxUpload.State.PROCESSING,
        metadata={"description": request.POST.get("description", "")},
    )
    return JsonResponse(_attachment(request, upload), status=202)


@emulated_endpoint(["GET"], _transient)
@_mastodon_api
def media(request: HttpRequest, account: str, media_id: str) -> HttpResponse:
    """GET /api/v1/media/:id: processing ends by the first look; 200 with its ``url``."""
    with transaction.atomic():
        upload = (
            SandboxUpload.objects.select_for_update()
            .filter(platform=EMULATION.value, account=account, upload_id=media_id)
            .first()
        )
        if upload is None:
            return _error(404, "Record not found")
        if upload.state == SandboxUpload.State.PROCESSING:
            upload.state = SandboxUpload.State.COMPLETE
            upload.save(update_fields=["state", "updated_at"])
    return JsonResponse(_attachment(request, upload))


# --- Statuses -----------------------------------------------------------------------------


def character_count(text: str) -> int:
    return len(URL.sub("", text)) + len(URL.findall(text)) * URL_LENGTH


def key_of(idempotency_key: str) -> str:
    """The key as the sandbox stores it (the nonce column): a long one is hashed."""
    if len(idempotency_key) <= 64:
        return idempotency_key
    return hashlib.sha256(idempotency_key.encode()).hexdigest()


def _status(request: HttpRequest, post: SandboxPost) -> dict[str, Any]:
    account = post.account
    sent = post.raw_request or {}
    paragraphs = html.escape(post.text).replace("\n", "<br>")
    url = request.build_absolute_uri(
        reverse("sandbox:mastodon-permalink", args=[username_for(account), post.external_id])
    )
    counts = numbers(post.external_id, post.created_at, timezone.now())
    return {
        "id": post.external_id,
        "created_at": post.created_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "uri": url,
        "url": url,
        "content": f"<p>{paragraphs}</p>" if post.text else "",
        "visibility": sent.get("visibility") or "public",
        "sensitive": bool(sent.get("sensitive")),
        "spoiler_text": sent.get("spoiler_text") or "",
        "language": sent.get("language") or None,
        "media_attachments": [
            {"id": item["media_id"], "type": item["type"], "description": item["description"]}
            for item in post.media
        ],
        "account": _account(request, account),
        "favourites_count": counts["likes"],
        "reblogs_count": counts["shares"],
        "replies_count": counts["comments"],
    }


def _status_problem(params: dict[str, Any], uploads: list[SandboxUpload], media_ids: list):
    text = params.get("status") or ""
    if not isinstance(text, str) or not isinstance(media_ids, list):
        return "status must be text and media_ids a list"
    if not text.strip() and not media_ids:
        return "Text can't be blank"
    spoiler = params.get("spoiler_text") or ""
    if character_count(text) + character_count(str(spoiler)) > MAX_CHARACTERS:
        return f"Text character limit of {MAX_CHARACTERS} exceeded"
    if len(media_ids) > MAX_MEDIA:
        return f"Media attachments limit of {MAX_MEDIA} exceeded"
    if len(uploads) != len(set(map(str, media_ids))):
        return "Media attachments are unknown or still processing"
    visibility = params.get("visibility")
    if visibility is not None and visibility not in VISIBILITIES:
        return "Visibility is not included in the list"
    return None


@emulated_endpoint(["POST"], _transient)
@_mastodon_api
def create_status(request: HttpRequest, account: str) -> HttpResponse:
    """POST /api/v1/statuses: one status per ``Idempotency-Key``; a repeat answers the first."""
    params = _body_params(request)
    media_ids = params.get("media_ids") or []
    if not isinstance(media_ids, list):  # a form sends media_ids[] fields
        media_ids = request.POST.getlist("media_ids[]")
    key = key_of(request.headers.get("Idempotency-Key", "").strip())
    with transaction.atomic():
        if key:
            earlier = SandboxPost.objects.filter(
                platform=EMULATION.value, account=account, nonce=key
            ).first()
            if earlier is not None:
                return JsonResponse(_status(request, earlier))
        uploads = list(
            SandboxUpload.objects.filter(
                platform=EMULATION.value,
                account=account,
                upload_id__in=[str(m) for m in media_ids],
                state=SandboxUpload.State.COMPLETE,
            )
        )
        problem = _status_problem(params, uploads, media_ids)
        if problem:
            return _error(422, f"Validation failed: {problem}")
        by_id = {upload.upload_id: upload for upload in uploads}
        post = SandboxPost.objects.create(
            platform=EMULATION.value,
            account=account,
            target=account_id_for(account),
            external_id=snowflake(),
            text=params.get("status") or "",
            nonce=key,
            media=[
                {
                    "media_id": by_id[str(m)].upload_id,
                    "type": by_id[str(m)].media_type.split("/", 1)[0],
                    "media_type": by_id[str(m)].media_type,
                    "size": by_id[str(m)].received_bytes,
                    "sha256": by_id[str(m)].digest,
                    "description": by_id[str(m)].metadata.get("description", ""),
                    "url": _attachment(request, by_id[str(m)])["url"],
                }
                for m in media_ids
            ],
            raw_request={k: v for k, v in params.items() if isinstance(k, str)},
        )
        SandboxUpload.objects.filter(pk__in=[u.pk for u in uploads]).update(post=post)
    return JsonResponse(_status(request, post))


@emulated_endpoint(["GET"], _transient)
@_mastodon_api
def status_detail(request: HttpRequest, account: str, status_id: str) -> HttpResponse:
    """GET /api/v1/statuses/:id: the status with its counts, which grow with time."""
    post = SandboxPost.objects.filter(platform=EMULATION.value, external_id=status_id).first()
    if post is None:
        return _error(404, "Record not found")
    return JsonResponse(_status(request, post))


@emulated_endpoint(["GET"], _transient)
@_mastodon_api
def account_statuses(request: HttpRequest, account: str, account_id: str) -> HttpResponse:
    """GET /api/v1/accounts/:id/statuses: newest first, ``limit`` 20 by default, 40 at most."""
    try:
        limit = min(max(int(request.GET.get("limit", DEFAULT_STATUSES)), 1), MAX_STATUSES)
    except ValueError:
        return _error(422, "limit must be a number")
    posts = SandboxPost.objects.filter(platform=EMULATION.value, target=account_id)[:limit]
    return JsonResponse([_status(request, post) for post in posts], safe=False)


@require_GET
def permalink(request: HttpRequest, username: str, external_id: str) -> HttpResponse:
    """{server}/@<user>/<id>: the status's page in the sandbox."""
    return pages.permalink(request, EMULATION.value, external_id)


@require_GET
def profile(request: HttpRequest, username: str) -> HttpResponse:
    """{server}/@<user>: the sandbox has no profile pages; its post list stands in."""
    return pages.post_list(request)


def routes(route: str, view, name: str, **kwargs) -> list:
    """``route`` with and without a trailing slash, as Mastodon's router takes both."""
    return [path(route, view, kwargs, name=name), path(f"{route}/", view, kwargs)]


urlpatterns = [
    # Permalinks and profiles in Mastodon's shape ({server}/@user/id).
    *routes("mastodon/@<str:username>/<str:external_id>", permalink, "mastodon-permalink"),
    *routes("mastodon/@<str:username>", profile, "mastodon-profile"),
    # The consent page ({server}/oauth/authorize).
    *routes(
        "mastodon/oauth/authorize", oauth.consent, "mastodon-authorize", provider=EMULATION.value
    ),
    *routes("mastodon/oauth/token", token, "mastodon-oauth-token"),
    *routes("mastodon/oauth/revoke", revoke, "mastodon-oauth-revoke"),
    *routes("mastodon/api/v2/instance", instance, "mastodon-instance"),
    *routes("mastodon/api/v1/instance", instance_v1, "mastodon-instance-v1"),
    *routes("mastodon/api/v1/apps", apps, "mastodon-apps"),
    *routes(
        "mastodon/api/v1/accounts/verify_credentials",
        verify_credentials,
        "mastodon-verify-credentials",
    ),
    *routes(
        "mastodon/api/v1/accounts/<str:account_id>/statuses",
        account_statuses,
        "mastodon-account-statuses",
    ),
    *routes("mastodon/api/v2/media", upload_media, "mastodon-media-upload"),
    *routes("mastodon/api/v1/media/<str:media_id>", media, "mastodon-media"),
    *routes("mastodon/api/v1/statuses", create_status, "mastodon-statuses"),
    *routes("mastodon/api/v1/statuses/<str:status_id>", status_detail, "mastodon-status"),
]
