"""Instagram: Instagram Login, then the short-lived token exchanged for a long-lived one."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings

from platforms.base import Credentials
from platforms.oauth import ConnectedAccount, OAuthError, call, expires_at

NAME = "Instagram"
USES_PKCE = False
SCOPES = "instagram_business_basic,instagram_business_content_publish"


def graph_url(path: str) -> str:
    return f"{settings.PLATFORM_BASE_URLS['instagram']}{path}"


def authorization_url(*, state: str, redirect_uri: str, code_challenge: str) -> str:
    query = {
        "client_id": settings.INSTAGRAM_CLIENT_ID,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": SCOPES,
        "state": state,
    }
    return f"{settings.OAUTH_AUTHORIZE_URLS['instagram']}?{urlencode(query)}"


def exchange_code(*, code: str, redirect_uri: str, code_verifier: str) -> Credentials:
    """Code -> short-lived token (1 h) -> long-lived token (60 days)."""
    answer = call(
        NAME,
        "the authorization code",
        "POST",
        f"{settings.PLATFORM_BASE_URLS['instagram_login']}/oauth/access_token",
        data={
            "client_id": settings.INSTAGRAM_CLIENT_ID,
            "client_secret": settings.INSTAGRAM_CLIENT_SECRET,
            "grant_type": "authorization_code",
            "redirect_uri": redirect_uri,
            "code": code,
        },
    )
    # Current docs answer {"data": [{...}]}; older ones a flat object.
    short = (answer.get("data") or [answer])[0]
    if not short.get("access_token"):
        raise OAuthError(f"{NAME} answered without a token; try connecting again.")
    long_lived = call(
        NAME,
        "the long-lived token exchange",
        "GET",
        graph_url("/access_token"),
        params={
            "grant_type": "ig_exchange_token",
            "client_secret": settings.INSTAGRAM_CLIENT_SECRET,
            "access_token": short["access_token"],
        },
    )
    permissions = short.get("permissions") or SCOPES
    if isinstance(permissions, list):
        permissions = ",".join(permissions)
    return Credentials(
        access_token=long_lived.get("access_token", ""),
        expires_at=expires_at(long_lived),
        scopes=permissions,
    )


def fetch_account(grant: Credentials) -> ConnectedAccount:
    answer = call(
        NAME,
        "the account lookup",
        "GET",
        graph_url("/me"),
        params={"fields": "user_id,username", "access_token": grant.access_token},
    )
    user_id = answer.get("user_id") or answer.get("id")
    if not user_id:
        raise OAuthError(f"{NAME} answered without the account's id; try connecting again.")
    username = answer.get("username", "")
    return ConnectedAccount(
        external_account_id=str(user_id),
        display_name=f"@{username}" if username else str(user_id),
        account_options={"username": username},
    )


# Instagram Login has no token revocation endpoint: a revoked Integration forgets its
# token, and the user removes Herald under the account's "Apps and websites" settings.
revoke = None


def can_refresh(grant: Credentials, now) -> bool:
    """Instagram refreshes a long-lived token with itself, while it is still valid."""
    return bool(grant.access_token) and (grant.expires_at is None or grant.expires_at > now)
