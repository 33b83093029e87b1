"""Emulation of Instagram: Graph API content publishing (containers, publish, limits), Login."""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import secrets
from typing import Any

from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path, re_path
from django.utils import timezone

from sandbox.emulations import Consent, Emulation
from sandbox.limits import RateState, posts_in_window, rate_limit, take_rate_slot
from sandbox.metrics import INSTAGRAM_METRICS, instagram_insights
from sandbox.models import SandboxContainer, SandboxPost
from sandbox.views import oauth
from sandbox.views.oauth import CodeRefused, redeem_code
from sandbox.views.shared import (
    TOKEN_PREFIX,
    View,
    account_for_token,
    authorization_token,
    emulated_endpoint,
    issue_token,
    post_permalink,
    random_digits,
    read_json_object,
    request_params,
    stable_digits,
)

RATE_LIMIT = "instagram"

EMULATION = Emulation(
    value="instagram",
    label="Instagram",
    color="#d6246e",
    rate_limits={
        "instagram": (2000, 3600),  # every Graph call, per token
        "instagram_publish": (50, 86400),  # published media, the content publishing limit
    },
    consent=Consent(name="Instagram", account="ig-herald"),
)
PUBLISH_LIMIT = "instagram_publish"
MAX_CAPTION = 2200
MAX_HASHTAGS = 30
MAX_MENTIONS = 20
MIN_CAROUSEL_CHILDREN = 2
MAX_CAROUSEL_CHILDREN = 10
CONTAINER_LIFETIME = dt.timedelta(hours=24)
LONG_LIVED_TOKEN_SECONDS = 60 * 24 * 3600
VIDEO_TYPES = {"REELS", "VIDEO"}
STATUS_TEXT = {
    "FINISHED": "Finished: Media has been uploaded and it is ready to be published.",
    "IN_PROGRESS": "In Progress: Media is still being processed.",
    "EXPIRED": "Expired: The container was not published within 24 hours.",
    "PUBLISHED": "Published: Media has been published.",
}
_HASHTAG = re.compile(r"(?<!\w)#\w+")
_MENTION = re.compile(r"(?<!\w)@[\w.]+")


# --- Answers ------------------------------------------------------------------------


def graph_error(
    status: int,
    message: str,
    code: int,
    *,
    subcode: int | None = None,
    transient: bool = False,
    user_message: str = "",
) -> JsonResponse:
    """A Graph API error body: ``{"error": {message, type, code, ...}}``."""
    error: dict[str, Any] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "is_transient": transient,
        "fbtrace_id": secrets.token_urlsafe(16),
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    if user_message:
        error["error_user_msg"] = user_message
    return JsonResponse({"error": error}, status=status)


def _invalid_parameter(message: str, subcode: int | None = None) -> JsonResponse:
    return graph_error(400, f"(#100) {message}", 100, subcode=subcode)


def _invalid_token() -> JsonResponse:
    return graph_error(400, "Invalid OAuth access token - Cannot parse access token", 190)


def _unknown_object(object_id: str, verb: str = "get") -> JsonResponse:
    return graph_error(
        400,
        f"Unsupported {verb} request. Object with ID '{object_id}' does not exist, cannot be "
        "loaded due to missing permissions, or does not support this operation.",
        100,
        subcode=33,
    )


def _transient(request: HttpRequest) -> HttpResponse:
    return graph_error(503, "Service temporarily unavailable", 2, transient=True)


def _with_usage_header(response: HttpResponse, state: RateState) -> HttpResponse:
    # Meta reports usage as percentages of the limit rather than counts.
    used = state.limit - state.remaining
    percent = min(100, round(100 * used / state.limit)) if state.limit else 100
    response.headers["X-App-Usage"] = json.dumps(
        {"call_count": percent, "total_cputime": 0, "total_time": 0}
    )
    return response


def _access_token(request: HttpRequest) -> str | None:
    return (
        request.GET.get("access_token")
        or (request.POST.get("access_token") if request.method == "POST" else None)
        or authorization_token(request)
    )


def _graph_api(view: View) -> View:
    """Authenticate by access_token and charge the account's call limit."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        account = account_for_token(_access_token(request))
        if account is None:
            return _invalid_token()
        state = take_rate_slot(RATE_LIMIT, account)
        if state.exceeded:
            response = graph_error(429, "(#4) Application request limit reached", 4, transient=True)
        else:
            response = view(request, account, *args, **kwargs)
        return _with_usage_header(response, state)

    return wrapper


def _params(request: HttpRequest) -> dict[str, Any]:
    params: dict[str, Any] = request_params(request)
    if request.content_type == "application/json":
        params.update(read_json_object(request) or {})
    return params


def _fields(request: HttpRequest, default: str) -> list[str]:
    # The Graph API answers an object's id whatever fields were asked for.
    asked = [field.strip() for field in request.GET.get("fields", default).split(",")]
    return ["id", *(field for field in asked if field and field != "id")]


# --- Accounts -----------------------------------------------------------------------


def ig_user_id_for(account: str) -> str:
    """The Instagram user id the sandbox gives an account, the same on every call."""
    return stable_digits(f"ig-user:{account}", prefix="1784")


def _resolve_user(account: str, ig_user_id: str) -> str:
    # Any numeric id is accepted for a valid token, so seeded integrations work
    # whatever id they were given; "me" is the token's own id.
    return ig_user_id_for(account) if ig_user_id == "me" else ig_user_id


@emulated_endpoint(["GET"], _transient)
@_graph_api
def me(request: HttpRequest, account: str) -> HttpResponse:
    """GET /me: the Instagram professional account behind the token."""
    user_id = ig_user_id_for(account)
    known = {"id": user_id, "user_id": user_id, "username": account, "name": account}
    return JsonResponse({field: known[field] for field in _fields(request, "id") if field in known})


# --- Containers -----------------------------------------------------------------------


def is_video(container: SandboxContainer) -> bool:
    return bool(container.raw_request.get("video_url"))


def container_status(container: SandboxContainer) -> str:
    """FINISHED, IN_PROGRESS, EXPIRED or PUBLISHED, as the Graph API reports it."""
    if container.post_id is not None:
        return "PUBLISHED"
    if timezone.now() - container.created_at > CONTAINER_LIFETIME:
        return "EXPIRED"
    # A video is "processed" by the time the client has polled once.
    if is_video(container) and container.status_polls == 0:
        return "IN_PROGRESS"
    return "FINISHED"


def _caption_problem(caption: str) -> JsonResponse | None:
    if len(caption) > MAX_CAPTION:
        return _invalid_parameter(f"The caption must be {MAX_CAPTION} characters or fewer.")
    if len(_HASHTAG.findall(caption)) > MAX_HASHTAGS:
        return _invalid_parameter(f"The caption may contain at most {MAX_HASHTAGS} hashtags.")
    if len(_MENTION.findall(caption)) > MAX_MENTIONS:
        return _invalid_parameter(f"The caption may contain at most {MAX_MENTIONS} @ mentions.")
    return None


def _media_fields(params: dict[str, Any]) -> tuple[str, str, JsonResponse | None]:
    """The container's media type and URL, or the error the Graph API would answer."""
    media_type = str(params.get("media_type", "")).upper()
    image_url = str(params.get("image_url", ""))
    video_url = str(params.get("video_url", ""))
    is_item = str(params.get("is_carousel_item", "")).lower() == "true"
    if media_type == "CAROUSEL":
        return media_type, "", None
    if media_type in VIDEO_TYPES or (media_type == "STORIES" and video_url):
        if media_type == "VIDEO" and not is_item:
            return (
                "",
                "",
                _invalid_parameter(
                    "The VIDEO media type is no longer supported for feed posts; use REELS."
                ),
            )
        url, name = video_url, "video_url"
    elif media_type in ("", "IMAGE", "STORIES"):
        url, name = image_url, "image_url"
        media_type = media_type or "IMAGE"
    else:
        return "", "", _invalid_parameter(f"media_type {media_type} is not supported.")
    if not url:
        return "", "", _invalid_parameter(f"The parameter {name} is required.")
    if not url.startswith(("http://", "https://")):
        return (
            "",
            "",
            graph_error(
                400,
                "The media could not be fetched from this URI.",
                9004,
                subcode=2207052,
            ),
        )
    return media_type, url, None


def _create_container(
    request: HttpRequest, account: str, ig_user_id: str, params: dict[str, Any]
) -> HttpResponse:
    media_type, url, problem = _media_fields(params)
    if problem is not None:
        return problem
    is_item = str(params.get("is_carousel_item", "")).lower() == "true"
    caption = "" if is_item else str(params.get("caption", ""))
    problem = _caption_problem(caption)
    if problem is not None:
        return problem
    children: list[str] = []
    if media_type == "CAROUSEL":
        raw_children = params.get("children", "")
        children = (
            [str(child) for child in raw_children]
            if isinstance(raw_children, list)
            else [child.strip() for child in str(raw_children).split(",") if child.strip()]
        )
        if not MIN_CAROUSEL_CHILDREN <= len(children) <= MAX_CAROUSEL_CHILDREN:
            return _invalid_parameter(
                f"A carousel needs {MIN_CAROUSEL_CHILDREN} to {MAX_CAROUSEL_CHILDREN} children."
            )
        items = {
            item.container_id: item
            for item in SandboxContainer.objects.filter(
                account=account, container_id__in=children, is_carousel_item=True
            )
        }
        for child in children:
            if child not in items or container_status(items[child]) != "FINISHED":
                return _invalid_parameter(f"The carousel child {child} is not a finished item.")
    container = SandboxContainer.objects.create(
        container_id=random_digits("17"),
        account=account,
        ig_user_id=ig_user_id,
        media_type=media_type,
        media_url=url,
        caption=caption,
        children=children,
        is_carousel_item=is_item,
        raw_request={key: value for key, value in params.items() if key != "access_token"},
    )
    return JsonResponse({"id": container.container_id})


def _media_item(request: HttpRequest, post: SandboxPost, fields: list[str]) -> dict[str, Any]:
    known = {
        "id": post.external_id,
        "caption": post.text,
        "permalink": post_permalink(request, post),
        "media_type": post.raw_request.get("media_type", "IMAGE"),
        "media_product_type": "REELS" if post.raw_request.get("media_type") == "REELS" else "FEED",
        "timestamp": post.created_at.strftime("%Y-%m-%dT%H:%M:%S+0000"),
        "username": post.account,
        "shortcode": post.external_id[-11:],
    }
    return {field: known[field] for field in fields if field in known}


@emulated_endpoint(["GET", "POST"], _transient)
@_graph_api
def user_media(request: HttpRequest, account: str, ig_user_id: str) -> HttpResponse:
    """POST /{ig-user-id}/media creates a container; GET lists recent media."""
    ig_user_id = _resolve_user(account, ig_user_id)
    if request.method == "POST":
        return _create_container(request, account, ig_user_id, _params(request))
    try:
        limit = min(max(int(request.GET.get("limit", 25)), 1), 100)
    except ValueError:
        return _invalid_parameter("limit must be a number.")
    fields = _fields(request, "id,caption,permalink,timestamp,media_type")
    posts = SandboxPost.objects.filter(platform=EMULATION.value, target=ig_user_id)[:limit]
    return JsonResponse({"data": [_media_item(request, post, fields) for post in posts]})


@emulated_endpoint(["POST"], _transient)
@_graph_api
def media_publish(request: HttpRequest, account: str, ig_user_id: str) -> HttpResponse:
    """POST /{ig-user-id}/media_publish?creation_id=: publish a finished container."""
    ig_user_id = _resolve_user(account, ig_user_id)
    params = _params(request)
    creation_id = str(params.get("creation_id", ""))
    if not creation_id:
        return _invalid_parameter("The parameter creation_id is required.")
    with transaction.atomic():
        container = (
            SandboxContainer.objects.select_for_update()
            .filter(container_id=creation_id, account=account)
            .first()
        )
        if container is None or container.is_carousel_item:
            return _unknown_object(creation_id, verb="post")
        status = container_status(container)
        if status == "IN_PROGRESS":
            return graph_error(
                400,
                "Media ID is not available",
                9007,
                subcode=2207027,
                user_message="The media is not ready for publishing, please wait for a moment",
            )
        if status != "FINISHED":
            return graph_error(
                400,
                "The media container does not exist or has expired.",
                9007,
                subcode=2207008,
            )
        quota_total, _ = rate_limit(PUBLISH_LIMIT)
        if posts_in_window(PUBLISH_LIMIT, EMULATION.value, account) >= quota_total:
            return graph_error(
                400,
                "Application request limit reached",
                9,
                subcode=2207042,
                user_message="You reached maximum number of posts that is allowed to be "
                "published by Content Publish API.",
            )
        children = list(
            SandboxContainer.objects.filter(
                account=account, container_id__in=container.children
            ).values("container_id", "media_type", "media_url")
        )
        post = SandboxPost.objects.create(
            platform=EMULATION.value,
            account=account,
            target=ig_user_id,
            external_id=random_digits("18"),
            text=container.caption,
            media=[
                {"media_type": item["media_type"], "url": item["media_url"]} for item in children
            ]
            or [{"media_type": container.media_type, "url": container.media_url}],
            raw_request={**container.raw_request, "creation_id": creation_id},
        )
        SandboxContainer.objects.filter(
            account=account, container_id__in=[creation_id, *container.children]
        ).update(post=post)
    return JsonResponse({"id": post.external_id})


@emulated_endpoint(["GET"], _transient)
@_graph_api
def publishing_limit(request: HttpRequest, account: str, ig_user_id: str) -> HttpResponse:
    """GET /{ig-user-id}/content_publishing_limit: media published in the current window."""
    quota_total, quota_duration = rate_limit(PUBLISH_LIMIT)
    return JsonResponse(
        {
            "data": [
                {
                    "quota_usage": posts_in_window(PUBLISH_LIMIT, EMULATION.value, account),
                    "config": {"quota_total": quota_total, "quota_duration": quota_duration},
                }
            ]
        }
    )


@emulated_endpoint(["GET"], _transient)
@_graph_api
def media_insights(request: HttpRequest, account: str, media_id: str) -> HttpResponse:
    """GET /{media-id}/insights?metric=...: the media's numbers, growing with time.

    The metrics deprecated in 2025 (plays, impressions, video_views, ...) are refused
    as the API refuses them, so a client still asking for them is caught here.
    """
    metrics = [m for m in request.GET.get("metric", "").split(",") if m]
    unknown = [m for m in metrics if m not in INSTAGRAM_METRICS]
    if not metrics or unknown:
        return graph_error(
            400,
            "(#100) metric[0] must be one of the following values: " + ", ".join(INSTAGRAM_METRICS),
            100,
        )
    post = SandboxPost.objects.filter(platform=EMULATION.value, external_id=media_id).first()
    if post is None:
        return _unknown_object(media_id)
    return JsonResponse(
        {"data": instagram_insights(media_id, metrics, post.created_at, timezone.now())}
    )


@emulated_endpoint(["GET"], _transient)
@_graph_api
def graph_object(request: HttpRequest, account: str, object_id: str) -> HttpResponse:
    """GET /{id}?fields=: a container's status_code, or a media's permalink and caption."""
    fields = _fields(request, "id")
    container = SandboxContainer.objects.filter(container_id=object_id, account=account).first()
    if container is not None:
        # Only a video's polls change what it reports (container_status): an image's are not counted.
        if {"status_code", "status"} & set(fields) and is_video(container):
            SandboxContainer.objects.filter(pk=container.pk).update(
                status_polls=F("status_polls") + 1
            )
        status = container_status(container)
        known = {"id": container.container_id, "status_code": status, "status": STATUS_TEXT[status]}
        return JsonResponse({field: known[field] for field in fields if field in known})
    post = SandboxPost.objects.filter(platform=EMULATION.value, external_id=object_id).first()
    if post is None:
        return _unknown_object(object_id)
    return JsonResponse(_media_item(request, post, fields))


@emulated_endpoint(["GET"], _transient)
def refresh_access_token(request: HttpRequest) -> HttpResponse:
    """GET /refresh_access_token?grant_type=ig_refresh_token&access_token=: a new token."""
    if request.GET.get("grant_type") != "ig_refresh_token":
        return _invalid_parameter("grant_type must be ig_refresh_token.")
    account = account_for_token(request.GET.get("access_token"))
    if account is None:
        return _invalid_token()
    return JsonResponse(
        {
            "access_token": issue_token(account),
            "token_type": "bearer",
            "expires_in": LONG_LIVED_TOKEN_SECONDS,
        }
    )


# --- Instagram Login ------------------------------------------------------------


def _login_error(message: str) -> JsonResponse:
    return JsonResponse(
        {"error_type": "OAuthException", "code": 400, "error_message": message}, status=400
    )


@emulated_endpoint(["POST"], lambda request: JsonResponse({"error_message": "busy"}, status=503))
def login_access_token(request: HttpRequest) -> HttpResponse:
    """POST api.instagram.com/oauth/access_token: code -> short-lived token (1 h)."""
    params = request_params(request)
    if params.get("grant_type") != "authorization_code" or not params.get("client_secret"):
        return _login_error("grant_type authorization_code and client_secret are required.")
    try:
        grant = redeem_code("instagram", params)
    except CodeRefused as error:
        return _login_error(str(error))
    short_lived = f"{TOKEN_PREFIX}{grant['account']}.short"
    return JsonResponse(
        {
            "data": [
                {
                    "access_token": short_lived,
                    "user_id": ig_user_id_for(grant["account"]),
                    "permissions": grant["scope"],
                }
            ]
        }
    )


@emulated_endpoint(["GET"], lambda request: JsonResponse({"error": {"code": 2}}, status=503))
def exchange_token(request: HttpRequest) -> HttpResponse:
    """GET graph.instagram.com/access_token?grant_type=ig_exchange_token: a 60-day token."""
    params = request.GET
    if params.get("grant_type") != "ig_exchange_token" or not params.get("client_secret"):
        return JsonResponse(
            {
                "error": {
                    "message": "grant_type ig_exchange_token and client_secret are required.",
                    "type": "OAuthException",
                    "code": 100,
                }
            },
            status=400,
        )
    token = params.get("access_token", "")
    account = account_for_token(token)
    if account is None or not token.endswith(".short"):
        return JsonResponse(
            {
                "error": {
                    "message": "Invalid OAuth access token.",
                    "type": "OAuthException",
                    "code": 190,
                }
            },
            status=400,
        )
    return JsonResponse(
        {"access_token": issue_token(account), "token_type": "bearer", "expires_in": 5183944}
    )


# The Graph API accepts its paths with or without a version segment.
GRAPH = r"^instagram/(?:v\d+\.\d+/)?"

urlpatterns = [
    # The consent page (OAUTH_AUTHORIZE_URLS).
    path(
        "instagram-login/oauth/authorize",
        oauth.consent,
        {"provider": "instagram"},
        name="instagram-authorize",
    ),
    path("instagram-login/oauth/access_token", login_access_token, name="instagram-login-token"),
    re_path(GRAPH + r"access_token$", exchange_token, name="ig-exchange-token"),
    re_path(GRAPH + r"refresh_access_token$", refresh_access_token, name="ig-refresh"),
    re_path(GRAPH + r"me$", me, name="ig-me"),
    re_path(GRAPH + r"(?P<ig_user_id>\d+|me)/media$", user_media, name="ig-media"),
    re_path(
        GRAPH + r"(?P<ig_user_id>\d+|me)/media_publish$", media_publish, name="ig-media-publish"
    ),
    re_path(
        GRAPH + r"(?P<ig_user_id>\d+|me)/content_publishing_limit$",
        publishing_limit,
        name="ig-publishing-limit",
    ),
    re_path(GRAPH + r"(?P<media_id>\d+)/insights$", media_insights, name="ig-media-insights"),
    re_path(GRAPH + r"(?P<object_id>\d+)$", graph_object, name="ig-object"),
]
