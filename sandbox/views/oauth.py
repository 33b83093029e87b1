"""The sandbox's OAuth: consent pages and the token, exchange and revoke endpoints.

Authorization codes are signed, short-lived and single-use; they carry the
account chosen on the consent page, the client, the redirect URI and the PKCE
challenge, so the token endpoint checks what a real provider checks.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Any
from urllib.parse import urlencode

from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from sandbox.views.discord import GUILD_ID, WEBHOOK_NAME_CACHE, webhook_channel_id
from sandbox.views.instagram import ig_user_id_for
from sandbox.views.shared import (
    TOKEN_PREFIX,
    account_for_token,
    emulated_endpoint,
    issue_token,
    request_params,
    stable_snowflake,
)

CODE_SALT = "herald.sandbox.oauth-code"
CODE_MAX_AGE = 600
REFRESH_SALT = "herald.sandbox.refresh-grant"

# Per provider: the page's title, the account offered by default, the scopes'
# separator, and whether PKCE is required.
CONSENT = {
    "twitter": {"name": "X", "account": "x-herald", "pkce": True},
    "youtube": {"name": "Google · YouTube", "account": "yt-herald", "pkce": False},
    "instagram": {"name": "Instagram", "account": "ig-herald", "pkce": False},
    "discord": {"name": "Discord", "account": "discord-herald", "pkce": False},
}
DISCORD_CHANNELS = ("announcements", "general", "releases")


def _consent_error(request: HttpRequest, provider: str, message: str) -> HttpResponse:
    context = {"provider": CONSENT[provider]["name"], "error": message}
    return render(request, "sandbox/consent.html", context, status=400)


def _redirect(redirect_uri: str, **params: str) -> HttpResponseRedirect:
    separator = "&" if "?" in redirect_uri else "?"
    return HttpResponseRedirect(f"{redirect_uri}{separator}{urlencode(params)}")


@csrf_exempt  # the sandbox stands in for another site; its form posts to itself
@require_http_methods(["GET", "POST"])
def consent(request: HttpRequest, provider: str) -> HttpResponse:
    """The page a user sees on the platform: allow or deny Herald, as which account."""
    params = request.GET
    missing = [
        name
        for name in ("client_id", "redirect_uri", "response_type", "state")
        if not params.get(name)
    ]
    if CONSENT[provider]["pkce"] and not params.get("code_challenge"):
        missing.append("code_challenge")
    if missing:
        return _consent_error(request, provider, f"Missing parameter: {', '.join(missing)}.")
    if params["response_type"] != "code":
        return _consent_error(request, provider, "Unsupported response_type; use code.")
    if params.get("code_challenge") and params.get("code_challenge_method") != "S256":
        return _consent_error(request, provider, "code_challenge_method must be S256.")
    redirect_uri, state = params["redirect_uri"], params["state"]
    if request.method == "GET":
        context = {
            "provider": CONSENT[provider]["name"],
            "client_id": params["client_id"],
            "scope": params.get("scope", ""),
            "account": CONSENT[provider]["account"],
            "channels": DISCORD_CHANNELS if provider == "discord" else (),
        }
        return render(request, "sandbox/consent.html", context)
    if request.POST.get("decision") != "allow":
        return _redirect(
            redirect_uri,
            error="access_denied",
            error_description="The user denied the request.",
            state=state,
        )
    account = request.POST.get("account", "").strip() or CONSENT[provider]["account"]
    code = signing.dumps(
        {
            "provider": provider,
            "account": account,
            "client_id": params["client_id"],
            "redirect_uri": redirect_uri,
            "challenge": params.get("code_challenge", ""),
            "channel": request.POST.get("channel", DISCORD_CHANNELS[0]),
            "scope": params.get("scope", ""),
            "nonce": secrets.token_urlsafe(8),  # two consents in one second differ
        },
        salt=CODE_SALT,
        compress=True,
    )
    return _redirect(redirect_uri, code=code, state=state)


class CodeRefused(Exception):
    pass


def redeem_code(provider: str, params: dict[str, str]) -> dict[str, Any]:
    """The code's contents, once: it must be fresh, this provider's, for this client and URI."""
    try:
        grant = signing.loads(params.get("code", ""), salt=CODE_SALT, max_age=CODE_MAX_AGE)
    except signing.BadSignature:
        raise CodeRefused("The authorization code is invalid or expired.") from None
    if grant["provider"] != provider:
        raise CodeRefused("The authorization code was issued to another provider.")
    if params.get("redirect_uri") != grant["redirect_uri"]:
        raise CodeRefused("redirect_uri does not match the authorization request.")
    if params.get("client_id") and params["client_id"] != grant["client_id"]:
        raise CodeRefused("The authorization code was issued to another client.")
    if grant["challenge"]:
        digest = hashlib.sha256(params.get("code_verifier", "").encode()).digest()
        computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        if computed != grant["challenge"]:
            raise CodeRefused("The code_verifier does not match the code_challenge.")
    # Single use, as on the platforms: a replayed code is refused.
    used_key = "sandbox:oauth-code:" + hashlib.sha256(params["code"].encode()).hexdigest()
    if not cache.add(used_key, 1, CODE_MAX_AGE):
        raise CodeRefused("The authorization code was already used.")
    return grant


# --- Refresh grants -------------------------------------------------------------------


class RefreshRefused(Exception):
    """A refresh the provider refuses: ``error`` is the RFC 6749 error code."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error


def issue_refresh_token(account: str, scope: str) -> str:
    """A refresh token for ``account`` that carries its grant's scopes, signed."""
    return f"{issue_token(account)}.{signing.dumps(scope, salt=REFRESH_SALT)}"


def _granted_scope(refresh_token: str, default: str) -> str:
    """The scopes of the grant behind ``refresh_token``.

    A token that carries none (one written by hand, as the demo's seeded
    integrations are) stands for a grant of ``default``, the provider's full scope.
    """
    signed = refresh_token.split(".", 2)[2] if refresh_token.count(".") >= 2 else ""
    if not signed:
        return default
    try:
        scope = signing.loads(signed, salt=REFRESH_SALT)
    except signing.BadSignature:
        raise RefreshRefused("invalid_grant", "The refresh token is invalid.") from None
    if not isinstance(scope, str):
        raise RefreshRefused("invalid_grant", "The refresh token is invalid.")
    return scope


def refreshed_scope(*, refresh_token: str, requested: str, default: str) -> tuple[str, str]:
    """The scope a refresh answers, and the scope of the grant it came from.

    RFC 6749 section 6: the refreshed scope never exceeds the original grant; a
    request may ask for a subset, and a scope outside the grant is invalid_scope.
    """
    granted = _granted_scope(refresh_token, default)
    granted_scopes = granted.split()
    wanted = set(requested.split())
    if not wanted:
        return granted, granted
    outside = sorted(wanted.difference(granted_scopes))
    if outside:
        raise RefreshRefused(
            "invalid_scope",
            f"The requested scope exceeds the original grant: {' '.join(outside)}.",
        )
    return " ".join(scope for scope in granted_scopes if scope in wanted), granted


def basic_client_id(request: HttpRequest) -> str:
    """The client id of an ``Authorization: Basic`` header, or ''."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return ""
    try:
        return base64.b64decode(value).decode().partition(":")[0]
    except (ValueError, UnicodeDecodeError):
        return ""


# --- X ------------------------------------------------------------------------------


def x_authorization_code(params: dict[str, str]) -> JsonResponse:
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
            "expires_in": 7200,
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
def x_revoke(request: HttpRequest) -> HttpResponse:
    """POST /2/oauth2/revoke: X answers ``revoked: true`` for any well-formed request."""
    if not request_params(request).get("token"):
        return JsonResponse(
            {"error": "invalid_request", "error_description": "Missing token."}, status=400
        )
    return JsonResponse({"revoked": True})


# --- Google -------------------------------------------------------------------------


def google_authorization_code(params: dict[str, str]) -> JsonResponse:
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
            "expires_in": 3599,
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


# --- Instagram ----------------------------------------------------------------------


def _instagram_error(message: str) -> JsonResponse:
    return JsonResponse(
        {"error_type": "OAuthException", "code": 400, "error_message": message}, status=400
    )


@emulated_endpoint(["POST"], lambda request: JsonResponse({"error_message": "busy"}, status=503))
def instagram_access_token(request: HttpRequest) -> HttpResponse:
    """POST api.instagram.com/oauth/access_token: code -> short-lived token (1 h)."""
    params = request_params(request)
    if params.get("grant_type") != "authorization_code" or not params.get("client_secret"):
        return _instagram_error("grant_type authorization_code and client_secret are required.")
    try:
        grant = redeem_code("instagram", params)
    except CodeRefused as error:
        return _instagram_error(str(error))
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
def instagram_exchange(request: HttpRequest) -> HttpResponse:
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


# --- Discord ------------------------------------------------------------------------


def discord_webhook_id(account: str, channel: str) -> str:
    return stable_snowflake(f"discord-webhook:{account}:{channel}")


@emulated_endpoint(["POST"], lambda request: JsonResponse({"message": "busy"}, status=503))
def discord_token(request: HttpRequest) -> HttpResponse:
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
    webhook_id = discord_webhook_id(grant["account"], grant["channel"])
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
def discord_revoke(request: HttpRequest) -> HttpResponse:
    """POST /api/oauth2/token/revoke: 200 with an empty object."""
    if not request_params(request).get("token"):
        return JsonResponse({"error": "invalid_request"}, status=400)
    return JsonResponse({})
