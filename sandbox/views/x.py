"""Emulation of the X API v2: posts, users, chunked media upload, OAuth 2.0."""

from __future__ import annotations

import base64
import binascii
import functools
import re
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET
from twitter_text import parse_tweet

from sandbox.emulations import Consent, Emulation
from sandbox.limits import RateState, take_rate_slot, untouched_rate_state
from sandbox.metrics import x_public_metrics
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
    snowflake,
    stable_snowflake,
)

RATE_LIMIT = "twitter"

EMULATION = Emulation(
    value="twitter",
    label="X",
    color="#111",
    rate_limits={
        "twitter": (1000, 900),  # every X call, per user token
        "twitter_lookup": (5000, 900),  # GET /2/tweets (Posts lookup), per user: its own window
    },
    consent=Consent(name="X", account="x-herald", pkce=True),
)
LOOKUP_LIMIT = "twitter_lookup"
MAX_LOOKUP_IDS = 100
NOT_FOUND_TYPE = "https://api.twitter.com/2/problems/resource-not-found"
MAX_MEDIA = 4
MEDIA_EXPIRES_AFTER_SECS = 86400
ACCESS_TOKEN_LIFETIME = 7200
MAX_WEIGHTED_LENGTH = 280
TOKEN_SCOPE = "tweet.read tweet.write users.read offline.access media.write"
DUPLICATE_DETAIL = "You are not allowed to create a Tweet with duplicate content."
INVALID_REQUEST_TYPE = "https://api.twitter.com/2/problems/invalid-request"


# --- Answers ------------------------------------------------------------------------


def _with_rate_headers(response: HttpResponse, state: RateState) -> HttpResponse:
    response.headers["x-rate-limit-limit"] = str(state.limit)
    response.headers["x-rate-limit-remaining"] = str(state.remaining)
    response.headers["x-rate-limit-reset"] = str(state.reset_epoch)
    return response


def _problem(status: int, title: str, detail: str, **extra: Any) -> JsonResponse:
    body = {"title": title, "detail": detail, "type": "about:blank", "status": status}
    body.update(extra)
    return JsonResponse(body, status=status)


def _invalid(message: str) -> JsonResponse:
    return JsonResponse(
        {
            "errors": [{"message": message}],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": INVALID_REQUEST_TYPE,
        },
        status=400,
    )


def _transient(request: HttpRequest) -> HttpResponse:
    response = _problem(503, "Service Unavailable", "Service Unavailable")
    return _with_rate_headers(response, untouched_rate_state(RATE_LIMIT))


def _x_api(view: View, limit: str = RATE_LIMIT) -> View:
    """Authenticate by bearer token and charge the account's limit; headers on every answer."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        account = account_for_token(authorization_token(request))
        if account is None:
            response = _problem(401, "Unauthorized", "Unauthorized")
            return _with_rate_headers(response, untouched_rate_state(RATE_LIMIT))
        state = take_rate_slot(limit, account)
        if state.exceeded:
            response = JsonResponse(
                {
                    "title": "Too Many Requests",
                    "detail": "Too Many Requests",
                    "type": "about:blank",
                    "status": 429,
                    "errors": [{"code": 88, "message": "Rate limit exceeded"}],
                },
                status=429,
            )
        else:
            response = view(request, account, *args, **kwargs)
        return _with_rate_headers(response, state)

    return wrapper


# --- Accounts -----------------------------------------------------------------------


def weighted_length(text: str) -> int:
    """The length X counts for ``text``, by twitter-text: the count X itself publishes."""
    return parse_tweet(text).weightedLength


def user_id_for(account: str) -> str:
    """The numeric X user id the sandbox gives an account, the same on every call."""
    return stable_snowflake(f"x-user:{account}")


def username_for(account: str) -> str:
    """A valid X handle for an account: letters, digits and underscores, 15 at most."""
    return re.sub(r"[^A-Za-z0-9_]", "_", account)[:15]


# --- Posts --------------------------------------------------------------------------


def _tweet(post: SandboxPost, fields: set[str]) -> dict[str, Any]:
    tweet: dict[str, Any] = {
        "id": post.external_id,
        "text": post.text,
        "edit_history_tweet_ids": [post.external_id],
    }
    if "created_at" in fields:
        tweet["created_at"] = post.created_at.isoformat(timespec="milliseconds").replace(
            "+00:00", "Z"
        )
    if "author_id" in fields:
        tweet["author_id"] = post.target
    return tweet


@csrf_exempt
def tweets(request: HttpRequest) -> HttpResponse:
    """/2/tweets: POST creates a post, GET looks posts up by id."""
    if request.method == "GET":
        return lookup_tweets(request)
    return create_tweet(request)


@emulated_endpoint(["GET"], _transient)
@functools.partial(_x_api, limit=LOOKUP_LIMIT)
def lookup_tweets(request: HttpRequest, account: str) -> HttpResponse:
    """GET /2/tweets?ids=...: up to 100 posts, with ``public_metrics`` that grow with time."""
    ids = [i for i in request.GET.get("ids", "").split(",") if i]
    if not ids or len(ids) > MAX_LOOKUP_IDS or not all(i.isdigit() for i in ids):
        return _invalid(
            f"The `ids` query parameter value must be 1 to {MAX_LOOKUP_IDS} comma-separated "
            "numeric post ids."
        )
    fields = set(request.GET.get("tweet.fields", "").split(","))
    posts = {
        p.external_id: p
        for p in SandboxPost.objects.filter(platform=EMULATION.value, external_id__in=ids)
    }
    now = timezone.now()
    data, errors = [], []
    for post_id in ids:
        post = posts.get(post_id)
        if post is None:
            errors.append(
                {
                    "value": post_id,
                    "detail": f"Could not find tweet with ids: [{post_id}].",
                    "title": "Not Found Error",
                    "resource_type": "tweet",
                    "parameter": "ids",
                    "resource_id": post_id,
                    "type": NOT_FOUND_TYPE,
                }
            )
            continue
        tweet = _tweet(post, fields)
        if "public_metrics" in fields:
            tweet["public_metrics"] = x_public_metrics(post.external_id, post.created_at, now)
        data.append(tweet)
    body: dict[str, Any] = {}
    if data:
        body["data"] = data
    if errors:
        body["errors"] = errors
    return JsonResponse(body)


@emulated_endpoint(["POST"], _transient)
@_x_api
def create_tweet(request: HttpRequest, account: str) -> HttpResponse:
    """POST /2/tweets: create a post, refusing duplicates and over-long text."""
    body = read_json_object(request)
    if body is None:
        return _invalid("The request body is not a JSON object.")
    text = body.get("text", "")
    media_ids = (body.get("media") or {}).get("media_ids") or []
    reply_to = (body.get("reply") or {}).get("in_reply_to_tweet_id")
    if not isinstance(text, str) or not isinstance(media_ids, list):
        return _invalid("$.text must be a string and $.media.media_ids a list.")
    if not text and not media_ids:
        return _invalid("Post text or media is required.")
    length = weighted_length(text)
    if length > MAX_WEIGHTED_LENGTH:
        return _invalid(
            f"Post text is {length} weighted characters; the limit is {MAX_WEIGHTED_LENGTH}."
        )
    if len(media_ids) > MAX_MEDIA:
        return _invalid(f"At most {MAX_MEDIA} media ids may be attached.")
    uploads = list(
        SandboxUpload.objects.filter(
            platform=EMULATION.value,
            account=account,
            upload_id__in=[str(media_id) for media_id in media_ids],
            state=SandboxUpload.State.COMPLETE,
        )
    )
    if len(uploads) != len(set(map(str, media_ids))):
        return _invalid("Your media IDs are invalid.")
    if (
        reply_to
        and not SandboxPost.objects.filter(
            platform=EMULATION.value, external_id=str(reply_to)
        ).exists()
    ):
        return _invalid(f"The post {reply_to} you are replying to does not exist.")
    if (
        text
        and SandboxPost.objects.filter(
            platform=EMULATION.value, account=account, text=text
        ).exists()
    ):
        return _problem(403, "Forbidden", DUPLICATE_DETAIL)

    post = SandboxPost.objects.create(
        platform=EMULATION.value,
        account=account,
        target=user_id_for(account),
        external_id=snowflake(),
        text=text,
        media=[
            {
                "media_id": upload.upload_id,
                "media_type": upload.media_type,
                "size": upload.received_bytes,
                "sha256_chain": upload.digest,
            }
            for upload in uploads
        ],
        raw_request=body,
    )
    return JsonResponse({"data": _tweet(post, set())}, status=201)


@emulated_endpoint(["GET"], _transient)
@_x_api
def users_me(request: HttpRequest, account: str) -> HttpResponse:
    """GET /2/users/me: the account behind the token."""
    return JsonResponse(
        {"data": {"id": user_id_for(account), "username": username_for(account), "name": account}}
    )


@emulated_endpoint(["GET"], _transient)
@_x_api
def user_tweets(request: HttpRequest, account: str, user_id: str) -> HttpResponse:
    """GET /2/users/{id}/tweets: the user's recent posts, newest first."""
    try:
        max_results = min(max(int(request.GET.get("max_results", 10)), 5), 100)
    except ValueError:
        return _invalid("max_results must be a number between 5 and 100.")
    fields = set(filter(None, request.GET.get("tweet.fields", "").split(",")))
    posts = list(SandboxPost.objects.filter(platform=EMULATION.value, target=user_id)[:max_results])
    meta: dict[str, Any] = {"result_count": len(posts)}
    if not posts:
        # X leaves "data" out entirely when there is nothing to list.
        return JsonResponse({"meta": meta})
    meta.update(newest_id=posts[0].external_id, oldest_id=posts[-1].external_id)
    return JsonResponse({"data": [_tweet(post, fields) for post in posts], "meta": meta})


# --- Media upload ---------------------------------------------------------------------


def _media_key(upload: SandboxUpload) -> str:
    if upload.media_type == "image/gif":
        prefix = "16"
    elif upload.media_type.startswith("video/"):
        prefix = "7"
    else:
        prefix = "3"
    return f"{prefix}_{upload.upload_id}"


def _needs_processing(upload: SandboxUpload) -> bool:
    # X processes videos and GIFs asynchronously when a media_category was given.
    return bool(upload.media_category) and (
        upload.media_type.startswith("video/") or upload.media_type == "image/gif"
    )


def _media_answer(upload: SandboxUpload, **extra: Any) -> JsonResponse:
    data: dict[str, Any] = {"id": upload.upload_id, "media_key": _media_key(upload)}
    data.update(extra)
    return JsonResponse({"data": data})


def _own_upload(account: str, media_id: str) -> SandboxUpload | None:
    return (
        SandboxUpload.objects.select_for_update()
        .filter(platform=EMULATION.value, account=account, upload_id=media_id)
        .first()
    )


def _init(request: HttpRequest, account: str, params: dict[str, str]) -> HttpResponse:
    try:
        total_bytes = int(params.get("total_bytes", ""))
    except ValueError:
        return _invalid("total_bytes is required and must be a number.")
    media_type = params.get("media_type", "")
    if total_bytes <= 0 or not media_type:
        return _invalid("total_bytes must be positive and media_type is required.")
    upload = SandboxUpload.objects.create(
        platform=EMULATION.value,
        account=account,
        upload_id=snowflake(),
        media_type=media_type,
        media_category=params.get("media_category", ""),
        total_bytes=total_bytes,
    )
    return _media_answer(upload, expires_after_secs=MEDIA_EXPIRES_AFTER_SECS)


def _append(request: HttpRequest, account: str, params: dict[str, str]) -> HttpResponse:
    if "media" in request.FILES:
        chunk = b"".join(request.FILES["media"].chunks())
    elif params.get("media_data"):
        try:
            chunk = base64.b64decode(params["media_data"], validate=True)
        except (binascii.Error, ValueError):
            return _invalid("media_data is not valid base64.")
    else:
        return _invalid("APPEND needs a media file or media_data.")
    try:
        segment_index = int(params.get("segment_index", ""))
    except ValueError:
        return _invalid("segment_index is required and must be a number.")
    if not 0 <= segment_index <= 999:
        return _invalid("segment_index must be between 0 and 999.")
    with transaction.atomic():
        upload = _own_upload(account, params.get("media_id", ""))
        if upload is None or upload.state != SandboxUpload.State.UPLOADING:
            return _invalid("media_id does not name an upload in progress.")
        if upload.received_bytes + len(chunk) > (upload.total_bytes or 0):
            return _invalid("The segments are larger than total_bytes.")
        upload.received_bytes += len(chunk)
        upload.segments += 1
        upload.digest = chain_digest(upload.digest, chunk)
        upload.save(update_fields=["received_bytes", "segments", "digest", "updated_at"])
    return JsonResponse({"data": {"expires_at": int(upload.created_at.timestamp()) + 86400}})


def _finalize(request: HttpRequest, account: str, params: dict[str, str]) -> HttpResponse:
    with transaction.atomic():
        upload = _own_upload(account, params.get("media_id", ""))
        if upload is None or upload.state != SandboxUpload.State.UPLOADING:
            return _invalid("media_id does not name an upload in progress.")
        if upload.received_bytes != upload.total_bytes:
            return _invalid(
                f"Received {upload.received_bytes} bytes of the {upload.total_bytes} announced."
            )
        processing = _needs_processing(upload)
        upload.state = (
            SandboxUpload.State.PROCESSING if processing else SandboxUpload.State.COMPLETE
        )
        upload.metadata = {"processed": processing}
        upload.save(update_fields=["state", "metadata", "updated_at"])
    extra: dict[str, Any] = {
        "size": upload.received_bytes,
        "expires_after_secs": MEDIA_EXPIRES_AFTER_SECS,
    }
    if processing:
        extra["processing_info"] = {"state": "pending", "check_after_secs": 1}
    return _media_answer(upload, **extra)


def _status(request: HttpRequest, account: str, params: dict[str, str]) -> HttpResponse:
    with transaction.atomic():
        upload = _own_upload(account, params.get("media_id", ""))
        if upload is None or upload.state == SandboxUpload.State.UPLOADING:
            return _invalid("media_id does not name a finalized upload.")
        # Processing finishes by the first STATUS poll: clients see both states.
        if upload.state == SandboxUpload.State.PROCESSING:
            upload.state = SandboxUpload.State.COMPLETE
            upload.save(update_fields=["state", "updated_at"])
    if not upload.metadata.get("processed"):
        return _media_answer(upload)
    return _media_answer(upload, processing_info={"state": "succeeded", "progress_percent": 100})


_COMMANDS = {"INIT": _init, "APPEND": _append, "FINALIZE": _finalize}


@emulated_endpoint(["GET", "POST"], _transient)
@_x_api
def media_upload(request: HttpRequest, account: str) -> HttpResponse:
    """POST /2/media/upload INIT/APPEND/FINALIZE; GET ?command=STATUS."""
    params = request_params(request)
    command = params.get("command", "")
    if request.method == "GET":
        if command != "STATUS":
            return _invalid("GET accepts only command=STATUS.")
        return _status(request, account, params)
    handler = _COMMANDS.get(command)
    if handler is None:
        return _invalid("command must be INIT, APPEND or FINALIZE.")
    return handler(request, account, params)


# --- OAuth 2.0 --------------------------------------------------------------------------


def _authorization_code(params: dict[str, str]) -> JsonResponse:
    """The authorization_code grant of POST /2/oauth2/token."""
    try:
        grant = redeem_code("twitter", params)
    except CodeRefused as error:
        return JsonResponse(
            {"error": "invalid_request", "error_description": str(error)}, status=400
        )
    return JsonResponse(
        {
            "token_type": "bearer",
            "expires_in": ACCESS_TOKEN_LIFETIME,
            "access_token": issue_token(grant["account"]),
            "scope": grant["scope"],
            "refresh_token": issue_refresh_token(grant["account"], grant["scope"])
            if "offline.access" in grant["scope"].split()
            else "",
        }
    )


@emulated_endpoint(
    ["POST"], lambda request: JsonResponse({"title": "Service Unavailable"}, status=503)
)
def oauth2_revoke(request: HttpRequest) -> HttpResponse:
    """POST /2/oauth2/revoke: X answers ``revoked: true`` for any well-formed request."""
    if not request_params(request).get("token"):
        return JsonResponse(
            {"error": "invalid_request", "error_description": "Missing token."}, status=400
        )
    return JsonResponse({"revoked": True})


@emulated_endpoint(["POST"], _transient)
def oauth2_token(request: HttpRequest) -> HttpResponse:
    """POST /2/oauth2/token: the authorization_code grant (PKCE), or refresh_token (rotating).

    A refresh answers the original grant's scopes, or the narrower ``scope`` it asks for.
    """
    params = request_params(request)
    if params.get("grant_type") == "authorization_code":
        return _with_rate_headers(_authorization_code(params), untouched_rate_state(RATE_LIMIT))
    if params.get("grant_type") != "refresh_token":
        response = JsonResponse(
            {"error": "unsupported_grant_type", "error_description": "Unsupported grant type."},
            status=400,
        )
        return _with_rate_headers(response, untouched_rate_state(RATE_LIMIT))
    account = account_for_token(params.get("refresh_token"))
    if account is None:
        response = JsonResponse(
            {
                "error": "invalid_request",
                "error_description": "Value passed for the token was invalid.",
            },
            status=400,
        )
        return _with_rate_headers(response, untouched_rate_state(RATE_LIMIT))
    try:
        scope, granted = refreshed_scope(
            refresh_token=params["refresh_token"],
            requested=params.get("scope", ""),
            default=TOKEN_SCOPE,
        )
    except RefreshRefused as refused:
        response = JsonResponse(
            {"error": refused.error, "error_description": str(refused)}, status=400
        )
        return _with_rate_headers(response, untouched_rate_state(RATE_LIMIT))
    # The rotated refresh token keeps the whole grant, as RFC 6749 section 6 requires.
    response = JsonResponse(
        {
            "token_type": "bearer",
            "expires_in": ACCESS_TOKEN_LIFETIME,
            "access_token": issue_token(account),
            "scope": scope,
            "refresh_token": issue_refresh_token(account, granted),
        }
    )
    return _with_rate_headers(response, untouched_rate_state(RATE_LIMIT))


@require_GET
def permalink(request: HttpRequest, username: str, external_id: str) -> HttpResponse:
    """x.com/<user>/status/<id>: the post's page in the sandbox."""
    return pages.permalink(request, EMULATION.value, external_id)


urlpatterns = [
    # Permalinks in X's shape (PLATFORM_PERMALINK_BASES points here).
    path("x/<str:username>/status/<str:external_id>", permalink, name="x-permalink"),
    # The consent page (OAUTH_AUTHORIZE_URLS).
    path("x/i/oauth2/authorize", oauth.consent, {"provider": "twitter"}, name="x-authorize"),
    path("x/2/oauth2/revoke", oauth2_revoke, name="x-oauth2-revoke"),
    path("x/2/tweets", tweets, name="x-tweets"),
    path("x/2/users/me", users_me, name="x-users-me"),
    path("x/2/users/<str:user_id>/tweets", user_tweets, name="x-user-tweets"),
    path("x/2/media/upload", media_upload, name="x-media-upload"),
    path("x/2/oauth2/token", oauth2_token, name="x-oauth2-token"),
]
