"""Emulation of the Discord HTTP API v10: bot channel messages, webhooks, OAuth2."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path, re_path
from django.utils import timezone
from django.views.decorators.http import require_GET

from sandbox.emulations import Consent, Emulation
from sandbox.limits import RateState, take_rate_slot
from sandbox.metrics import discord_reactions
from sandbox.models import SandboxPost
from sandbox.views import oauth, pages
from sandbox.views.oauth import CodeRefused, basic_client_id, redeem_code
from sandbox.views.shared import (
    DISCORD_EPOCH_MS,
    account_for_token,
    authorization_token,
    describe_file,
    emulated_endpoint,
    is_multipart,
    issue_token,
    post_permalink,
    read_json_object,
    request_params,
    snowflake,
    stable_snowflake,
)

RATE_LIMIT = "discord"

EMULATION = Emulation(
    value="discord",
    label="Discord",
    color="#5865f2",
    rate_limits={"discord": (120, 60)},  # per bot (or webhook) and channel
    consent=Consent(
        name="Discord",
        account="discord-herald",
        channels=("announcements", "general", "releases"),
    ),
)
MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_EMBED_CHARS = 6000
MAX_NONCE = 25
# Discord checks an enforced nonce for uniqueness "in the past few minutes".
NONCE_WINDOW = dt.timedelta(minutes=5)
WEBHOOK_ACCOUNT_PREFIX = "webhook:"
# The name given to a webhook the sandbox's OAuth flow created (by webhook id).
WEBHOOK_NAME_CACHE = "sandbox:discord-webhook-name:{}"
DELETED_WEBHOOK_CACHE = "sandbox:discord-webhook-deleted:{}"
# Every channel of the sandbox belongs to one guild, so permalinks are stable.
GUILD_ID = stable_snowflake("discord-guild:sandbox")
# Discord reads a boolean query string as Python does: these spellings only.
QUERY_TRUE = frozenset({"True", "true", "1"})
QUERY_FALSE = frozenset({"False", "false", "0"})


# --- Answers ------------------------------------------------------------------------


def _error(status: int, message: str, code: int, **extra: Any) -> JsonResponse:
    return JsonResponse({"message": message, "code": code, **extra}, status=status)


def _unauthorized() -> JsonResponse:
    return _error(401, "401: Unauthorized", 0)


def _form_error(field: str, error_code: str, message: str) -> JsonResponse:
    return _error(
        400,
        "Invalid Form Body",
        50035,
        errors={field: {"_errors": [{"code": error_code, "message": message}]}},
    )


def _query_flag(request: HttpRequest, name: str) -> bool | JsonResponse:
    """A boolean query parameter read as Discord reads it, or the 400 it answers.

    Absent, ``False``, ``false`` and ``0`` are false; ``True``, ``true`` and ``1`` are
    true; any other value is a 50035 form error.
    """
    value = request.GET.get(name)
    if value is None or value in QUERY_FALSE:
        return False
    if value in QUERY_TRUE:
        return True
    return _form_error(name, "BOOLEAN_TYPE_COERCE", f"Value {value!r} is not bool.")


def _transient(request: HttpRequest) -> HttpResponse:
    return _error(503, "503: Service Unavailable", 0)


def _with_rate_headers(response: HttpResponse, state: RateState, bucket: str) -> HttpResponse:
    response.headers["X-RateLimit-Limit"] = str(state.limit)
    response.headers["X-RateLimit-Remaining"] = str(state.remaining)
    response.headers["X-RateLimit-Reset"] = f"{state.resets_at.timestamp():.3f}"
    response.headers["X-RateLimit-Reset-After"] = f"{state.seconds_to_reset():.3f}"
    response.headers["X-RateLimit-Bucket"] = hashlib.sha256(bucket.encode()).hexdigest()[:32]
    if state.exceeded:
        response.headers["Retry-After"] = str(math.ceil(state.seconds_to_reset()))
        response.headers["X-RateLimit-Scope"] = "user"
    return response


def _rate_limited(state: RateState) -> JsonResponse:
    return JsonResponse(
        {
            "message": "You are being rate limited.",
            "retry_after": round(state.seconds_to_reset(), 3),
            "global": False,
        },
        status=429,
    )


# --- Messages -----------------------------------------------------------------------


def _author(post: SandboxPost) -> dict[str, Any]:
    if post.account.startswith(WEBHOOK_ACCOUNT_PREFIX):
        webhook_id = post.account.removeprefix(WEBHOOK_ACCOUNT_PREFIX)
        username = post.raw_request.get("username") or "Sandbox Webhook"
        return {"id": webhook_id, "username": username, "discriminator": "0000", "bot": True}
    return {
        "id": stable_snowflake(f"discord-user:{post.account}"),
        "username": post.account,
        "discriminator": "0",
        "bot": True,
    }


def message_object(request: HttpRequest, post: SandboxPost) -> dict[str, Any]:
    """The message object Discord answers for a stored post."""
    permalink = post_permalink(request, post)
    message: dict[str, Any] = {
        "id": post.external_id,
        "type": 0,
        "channel_id": post.target,
        "guild_id": GUILD_ID,
        "author": _author(post),
        "content": post.text,
        "embeds": post.raw_request.get("embeds") or [],
        "attachments": [
            {
                "id": item["id"],
                "filename": item["filename"],
                "size": item["size"],
                "content_type": item["content_type"],
                "url": f"{permalink}#attachment-{index}",
                "proxy_url": f"{permalink}#attachment-{index}",
            }
            for index, item in enumerate(post.media)
        ],
        "mentions": [],
        "mention_roles": [],
        "mention_everyone": False,
        "pinned": False,
        "tts": bool(post.raw_request.get("tts")),
        "timestamp": post.created_at.isoformat(),
        "edited_timestamp": None,
        "flags": 0,
    }
    reactions = discord_reactions(post.external_id, post.created_at, timezone.now())
    if reactions:
        message["reactions"] = reactions
    if post.nonce:
        message["nonce"] = post.nonce
    if post.account.startswith(WEBHOOK_ACCOUNT_PREFIX):
        message["webhook_id"] = post.account.removeprefix(WEBHOOK_ACCOUNT_PREFIX)
    return message


def _read_payload(request: HttpRequest) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """The JSON payload and the described files; None when the body is not valid JSON."""
    if not is_multipart(request):
        payload = read_json_object(request)
        return (payload, []) if payload is not None else None
    raw = request.POST.get("payload_json")
    if raw:
        try:
            payload = json.loads(raw)
        except ValueError:
            return None
        if not isinstance(payload, dict):
            return None
    else:
        payload = {key: request.POST[key] for key in ("content", "nonce") if key in request.POST}
    files = [
        {"id": snowflake(DISCORD_EPOCH_MS), **describe_file(field, upload)}
        for field, upload in sorted(request.FILES.items())
    ]
    return payload, files


def _embed_chars(embeds: list[Any]) -> int:
    total = 0
    for embed in embeds:
        if not isinstance(embed, dict):
            continue
        total += len(str(embed.get("title", ""))) + len(str(embed.get("description", "")))
        total += len(str((embed.get("footer") or {}).get("text", "")))
        total += len(str((embed.get("author") or {}).get("name", "")))
        for field in embed.get("fields") or []:
            if isinstance(field, dict):
                total += len(str(field.get("name", ""))) + len(str(field.get("value", "")))
    return total


def _validate(payload: dict[str, Any], files: list[dict[str, Any]]) -> JsonResponse | None:
    content = payload.get("content") or ""
    embeds = payload.get("embeds") or []
    if not isinstance(content, str):
        return _form_error("content", "BASE_TYPE_STRING", "Must be a string.")
    if len(content) > MAX_CONTENT:
        return _form_error(
            "content", "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_CONTENT} or fewer in length."
        )
    if not isinstance(embeds, list) or len(embeds) > MAX_EMBEDS:
        return _form_error(
            "embeds", "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_EMBEDS} or fewer in length."
        )
    if _embed_chars(embeds) > MAX_EMBED_CHARS:
        return _form_error(
            "embeds", "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000"
        )
    if len(str(payload.get("nonce") or "")) > MAX_NONCE:
        return _form_error("nonce", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    if not content and not embeds and not files and not payload.get("sticker_ids"):
        return _error(400, "Cannot send an empty message", 50006)
    return None


def _create_message(
    request: HttpRequest, account: str, channel_id: str
) -> tuple[SandboxPost | None, JsonResponse | None]:
    """Store the message in the request, or find the one an enforced nonce already made."""
    parsed = _read_payload(request)
    if parsed is None:
        return None, _error(400, "The request body contains invalid JSON.", 50109)
    payload, files = parsed
    problem = _validate(payload, files)
    if problem is not None:
        return None, problem
    nonce = str(payload.get("nonce") or "")
    if nonce and payload.get("enforce_nonce"):
        earlier = SandboxPost.objects.filter(
            platform=EMULATION.value,
            account=account,
            target=channel_id,
            nonce=nonce,
            created_at__gte=timezone.now() - NONCE_WINDOW,
        ).first()
        if earlier is not None:
            return earlier, None
    post = SandboxPost.objects.create(
        platform=EMULATION.value,
        account=account,
        target=channel_id,
        external_id=snowflake(DISCORD_EPOCH_MS),
        text=payload.get("content") or "",
        media=files,
        nonce=nonce,
        raw_request=payload,
    )
    return post, None


def _channel_message_list(request: HttpRequest, channel_id: str) -> JsonResponse:
    try:
        limit = min(max(int(request.GET.get("limit", 50)), 1), 100)
    except ValueError:
        return _form_error("limit", "NUMBER_TYPE_COERCE", "Value is not int.")
    posts = SandboxPost.objects.filter(platform=EMULATION.value, target=channel_id)[:limit]
    return JsonResponse([message_object(request, post) for post in posts], safe=False)


# --- Bot endpoints ------------------------------------------------------------------


@emulated_endpoint(["GET"], _transient)
def channel(request: HttpRequest, channel_id: str) -> HttpResponse:
    """GET /api/v10/channels/{id}: a text channel of the sandbox guild, for any bot token."""
    if account_for_token(authorization_token(request, scheme="Bot")) is None:
        return _unauthorized()
    return JsonResponse(
        {"id": channel_id, "type": 0, "guild_id": GUILD_ID, "name": f"channel-{channel_id[-4:]}"}
    )


@emulated_endpoint(["GET", "POST"], _transient)
def channel_messages(request: HttpRequest, channel_id: str) -> HttpResponse:
    """POST /api/v10/channels/{id}/messages creates; GET lists the newest messages."""
    account = account_for_token(authorization_token(request, scheme="Bot"))
    if account is None:
        return _unauthorized()
    bucket = f"{account}:{channel_id}"
    state = take_rate_slot(RATE_LIMIT, bucket)
    if state.exceeded:
        return _with_rate_headers(_rate_limited(state), state, bucket)
    if request.method == "GET":
        return _with_rate_headers(_channel_message_list(request, channel_id), state, bucket)
    post, problem = _create_message(request, account, channel_id)
    response = problem or JsonResponse(message_object(request, post))
    return _with_rate_headers(response, state, bucket)


@emulated_endpoint(["GET"], _transient)
def channel_message(request: HttpRequest, channel_id: str, message_id: str) -> HttpResponse:
    """GET /api/v10/channels/{id}/messages/{message_id}."""
    account = account_for_token(authorization_token(request, scheme="Bot"))
    if account is None:
        return _unauthorized()
    bucket = f"{account}:{channel_id}"
    state = take_rate_slot(RATE_LIMIT, bucket)
    if state.exceeded:
        return _with_rate_headers(_rate_limited(state), state, bucket)
    post = SandboxPost.objects.filter(
        platform=EMULATION.value, target=channel_id, external_id=message_id
    ).first()
    if post is None:
        return _with_rate_headers(_error(404, "Unknown Message", 10008), state, bucket)
    return _with_rate_headers(JsonResponse(message_object(request, post)), state, bucket)


# --- Webhook endpoints --------------------------------------------------------------


def webhook_channel_id(webhook_id: str) -> str:
    """The channel a sandbox webhook posts into, the same for the same webhook."""
    return stable_snowflake(f"discord-webhook-channel:{webhook_id}")


def webhook_object(request: HttpRequest, webhook_id: str, webhook_token: str) -> dict[str, Any]:
    """GET /api/webhooks/{id}/{token}: the webhook, as Discord answers it (no user)."""
    return {
        "id": webhook_id,
        "type": 1,
        "name": cache.get(WEBHOOK_NAME_CACHE.format(webhook_id)) or "Herald",
        "avatar": None,
        "channel_id": webhook_channel_id(webhook_id),
        "guild_id": GUILD_ID,
        "application_id": None,
        "token": webhook_token,
    }


@emulated_endpoint(["GET", "POST", "DELETE"], _transient)
def execute_webhook(request: HttpRequest, webhook_id: str, webhook_token: str) -> HttpResponse:
    """POST /api/webhooks/{id}/{token}: the message when ``wait`` is true, else 204.

    ``wait`` is a boolean query string (``True``, ``true`` or ``1``; discord.py sends
    ``1``). GET describes the webhook; DELETE deletes it, after which it answers 404.
    """
    if account_for_token(webhook_token) is None:
        return _error(401, "Invalid Webhook Token", 50027)
    if cache.get(DELETED_WEBHOOK_CACHE.format(webhook_id)):
        return _error(404, "Unknown Webhook", 10015)
    if request.method == "GET":
        return JsonResponse(webhook_object(request, webhook_id, webhook_token))
    if request.method == "DELETE":
        cache.set(DELETED_WEBHOOK_CACHE.format(webhook_id), True, None)
        return HttpResponse(status=204)
    account = f"{WEBHOOK_ACCOUNT_PREFIX}{webhook_id}"
    channel_id = webhook_channel_id(webhook_id)
    state = take_rate_slot(RATE_LIMIT, account)
    if state.exceeded:
        return _with_rate_headers(_rate_limited(state), state, account)
    # Read before anything is stored: a malformed flag leaves no message behind.
    wait = _query_flag(request, "wait")
    if isinstance(wait, JsonResponse):
        return _with_rate_headers(wait, state, account)
    post, problem = _create_message(request, account, channel_id)
    if problem is not None:
        return _with_rate_headers(problem, state, account)
    if wait:
        return _with_rate_headers(JsonResponse(message_object(request, post)), state, account)
    return _with_rate_headers(HttpResponse(status=204), state, account)


@emulated_endpoint(["GET"], _transient)
def webhook_message(
    request: HttpRequest, webhook_id: str, webhook_token: str, message_id: str
) -> HttpResponse:
    """GET /api/webhooks/{id}/{token}/messages/{message_id}: a message the webhook sent."""
    if account_for_token(webhook_token) is None:
        return _error(401, "Invalid Webhook Token", 50027)
    post = SandboxPost.objects.filter(
        platform=EMULATION.value,
        account=f"{WEBHOOK_ACCOUNT_PREFIX}{webhook_id}",
        external_id=message_id,
    ).first()
    if post is None:
        return _error(404, "Unknown Message", 10008)
    return JsonResponse(message_object(request, post))


# --- OAuth2 -------------------------------------------------------------------


def webhook_id_for(account: str, channel: str) -> str:
    return stable_snowflake(f"discord-webhook:{account}:{channel}")


@emulated_endpoint(["POST"], lambda request: JsonResponse({"message": "busy"}, status=503))
def oauth2_token(request: HttpRequest) -> HttpResponse:
    """POST /api/oauth2/token (client in Basic auth): a token and the incoming webhook."""
    params = request_params(request)
    params.setdefault("client_id", basic_client_id(request))
    if params.get("grant_type") != "authorization_code":
        return JsonResponse({"error": "unsupported_grant_type"}, status=400)
    if not params["client_id"]:
        return JsonResponse({"error": "invalid_client"}, status=401)
    try:
        grant = redeem_code("discord", params)
    except CodeRefused as error:
        return JsonResponse({"error": "invalid_grant", "error_description": str(error)}, status=400)
    webhook_id = webhook_id_for(grant["account"], grant["channel"])
    webhook_token = issue_token(grant["account"])
    name = f"Herald #{grant['channel']}"
    cache.set(WEBHOOK_NAME_CACHE.format(webhook_id), name, None)
    return JsonResponse(
        {
            "token_type": "Bearer",
            "access_token": issue_token(grant["account"]),
            "expires_in": 604800,
            "refresh_token": issue_token(grant["account"]),
            "scope": "webhook.incoming",
            "webhook": {
                "application_id": grant["client_id"],
                "name": name,
                # Shaped as Discord's: Herald re-points it at the configured Discord host.
                "url": f"https://discord.com/api/webhooks/{webhook_id}/{webhook_token}",
                "channel_id": webhook_channel_id(webhook_id),
                "token": webhook_token,
                "type": 1,
                "avatar": None,
                "guild_id": GUILD_ID,
                "id": webhook_id,
            },
        }
    )


@emulated_endpoint(["POST"], lambda request: JsonResponse({"message": "busy"}, status=503))
def oauth2_revoke(request: HttpRequest) -> HttpResponse:
    """POST /api/oauth2/token/revoke: 200 with an empty object."""
    if not request_params(request).get("token"):
        return JsonResponse({"error": "invalid_request"}, status=400)
    return JsonResponse({})


@require_GET
def permalink(
    request: HttpRequest, guild_id: str, channel_id: str, message_id: str
) -> HttpResponse:
    """discord.com/channels/<guild>/<channel>/<message>: the message's page in the sandbox."""
    return pages.permalink(request, EMULATION.value, message_id)


# Discord accepts its API paths with or without a version segment.
API = r"^discord/api/(?:v\d+/)?"
SNOWFLAKE = r"\d+"

urlpatterns = [
    # Permalinks in Discord's shape (PLATFORM_PERMALINK_BASES points here).
    path(
        "discord/channels/<str:guild_id>/<str:channel_id>/<str:message_id>",
        permalink,
        name="discord-permalink",
    ),
    # The consent page (OAUTH_AUTHORIZE_URLS).
    path(
        "discord/oauth2/authorize", oauth.consent, {"provider": "discord"}, name="discord-authorize"
    ),
    re_path(API + r"oauth2/token$", oauth2_token, name="discord-oauth2-token"),
    re_path(API + r"oauth2/token/revoke$", oauth2_revoke, name="discord-oauth2-revoke"),
    re_path(API + rf"channels/(?P<channel_id>{SNOWFLAKE})$", channel, name="discord-channel"),
    re_path(
        API + rf"channels/(?P<channel_id>{SNOWFLAKE})/messages$",
        channel_messages,
        name="discord-channel-messages",
    ),
    re_path(
        API + rf"channels/(?P<channel_id>{SNOWFLAKE})/messages/(?P<message_id>{SNOWFLAKE})$",
        channel_message,
        name="discord-channel-message",
    ),
    re_path(
        API + rf"webhooks/(?P<webhook_id>{SNOWFLAKE})/(?P<webhook_token>[^/]+)$",
        execute_webhook,
        name="discord-webhook",
    ),
    re_path(
        API + rf"webhooks/(?P<webhook_id>{SNOWFLAKE})/(?P<webhook_token>[^/]+)"
        rf"/messages/(?P<message_id>{SNOWFLAKE})$",
        webhook_message,
        name="discord-webhook-message",
    ),
]
