"""The OAuth every emulated provider shares: consent pages, codes and refresh grants.

Authorization codes are signed, short-lived and single-use; they carry the
account chosen on the consent page, the client, the redirect URI and the PKCE
challenge, so each platform's token endpoint (in its own module) checks what a
real provider checks.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Any
from urllib.parse import urlencode

from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from sandbox import emulations
from sandbox.views.shared import issue_token

CODE_SALT = "herald.sandbox.oauth-code"
CODE_MAX_AGE = 600
REFRESH_SALT = "herald.sandbox.refresh-grant"


def _consent_error(request: HttpRequest, provider: str, message: str) -> HttpResponse:
    context = {"provider": emulations.consent(provider).name, "error": message}
    return render(request, "sandbox/consent.html", context, status=400)


def _redirect(redirect_uri: str, **params: str) -> HttpResponseRedirect:
    separator = "&" if "?" in redirect_uri else "?"
    return HttpResponseRedirect(f"{redirect_uri}{separator}{urlencode(params)}")


@csrf_exempt  # the sandbox stands in for another site; its form posts to itself
@require_http_methods(["GET", "POST"])
def consent(request: HttpRequest, provider: str) -> HttpResponse:
    """The page a user sees on the platform: allow or deny Herald, as which account."""
    params = request.GET
    page = emulations.consent(provider)
    missing = [
        name
        for name in ("client_id", "redirect_uri", "response_type", "state")
        if not params.get(name)
    ]
    if page.pkce and not params.get("code_challenge"):
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
            "provider": page.name,
            "client_id": params["client_id"],
            "scope": params.get("scope", ""),
            "account": page.account,
            "channels": page.channels,
        }
        return render(request, "sandbox/consent.html", context)
    if request.POST.get("decision") != "allow":
        return _redirect(
            redirect_uri,
            error="access_denied",
            error_description="The user denied the request.",
            state=state,
        )
    account = request.POST.get("account", "").strip() or page.account
    code = signing.dumps(
        {
            "provider": provider,
            "account": account,
            "client_id": params["client_id"],
            "redirect_uri": redirect_uri,
            "challenge": params.get("code_challenge", ""),
            "channel": request.POST.get("channel", page.channels[0] if page.channels else ""),
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
