"""X: OAuth 2.0 Authorization Code with PKCE, ``offline.access`` for a refresh token."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings

from platforms.base import Credentials
from platforms.oauth import ConnectedAccount, OAuthError, call, grant_from

NAME = "X"
USES_PKCE = True
SCOPES = "tweet.read tweet.write users.read media.write offline.access"


def api_url(path: str) -> str:
    return f"{settings.PLATFORM_BASE_URLS['twitter']}{path}"


def client_auth() -> tuple[str, str] | None:
    """Confidential clients authenticate with HTTP Basic; public clients send only client_id."""
    return (settings.X_CLIENT_ID, settings.X_CLIENT_SECRET) if settings.X_CLIENT_SECRET else None


def authorization_url(*, state: str, redirect_uri: str, code_challenge: str) -> str:
    query = {
        "response_type": "code",
        "client_id": settings.X_CLIENT_ID,
        "redirect_uri": redirect_uri,
        "scope": SCOPES,
        "state": state,
        "code_challenge": code_challenge,
        "code_challenge_method": "S256",
    }
    return f"{settings.OAUTH_AUTHORIZE_URLS['twitter']}?{urlencode(query)}"


def exchange_code(*, code: str, redirect_uri: str, code_verifier: str) -> Credentials:
    answer = call(
        NAME,
        "the authorization code",
        "POST",
        api_url("/2/oauth2/token"),
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
            "client_id": settings.X_CLIENT_ID,
        },
        auth=client_auth(),
    )
    return grant_from(answer)


def fetch_account(grant: Credentials) -> ConnectedAccount:
    answer = call(
        NAME,
        "the account lookup",
        "GET",
        api_url("/2/users/me"),
        headers={"Authorization": f"Bearer {grant.access_token}"},
    )
    user = answer.get("data") or {}
    if not user.get("id"):
        raise OAuthError(f"{NAME} answered without the account's id; try connecting again.")
    return ConnectedAccount(
        external_account_id=str(user["id"]),
        display_name=f"@{user.get('username', user['id'])}",
        account_options={"username": user.get("username", "")},
    )


def revoke(grant: Credentials) -> None:
    """Revoke the refresh token (which ends the access token too), else the access token."""
    token, hint = (
        (grant.refresh_token, "refresh_token")
        if grant.refresh_token
        else (grant.access_token, "access_token")
    )
    call(
        NAME,
        "the revocation",
        "POST",
        api_url("/2/oauth2/revoke"),
        data={"token": token, "token_type_hint": hint, "client_id": settings.X_CLIENT_ID},
        auth=client_auth(),
    )


def can_refresh(grant: Credentials, now) -> bool:
    """X's refresh token (``offline.access``) renews the access token."""
    return bool(grant.refresh_token)
