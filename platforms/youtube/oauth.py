"""YouTube: Google OAuth 2.0 for a web server, offline access for a refresh token."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings

from platforms.base import Credentials
from platforms.oauth import ConnectedAccount, OAuthError, call, grant_from

NAME = "YouTube"
USES_PKCE = True
SCOPES = (
    "https://www.googleapis.com/auth/youtube.upload "
    "https://www.googleapis.com/auth/youtube.readonly"
)


def oauth_url(path: str) -> str:
    return f"{settings.PLATFORM_BASE_URLS['google_oauth']}{path}"


def authorization_url(*, state: str, redirect_uri: str, code_challenge: str) -> str:
    query = {
        "response_type": "code",
        "client_id": settings.GOOGLE_CLIENT_ID,
        "redirect_uri": redirect_uri,
        "scope": SCOPES,
        "state": state,
        "code_challenge": code_challenge,
        "code_challenge_method": "S256",
        # offline: a refresh token; consent: Google sends it again on a reconnect.
        "access_type": "offline",
        "prompt": "consent",
        "include_granted_scopes": "true",
    }
    return f"{settings.OAUTH_AUTHORIZE_URLS['youtube']}?{urlencode(query)}"


def exchange_code(*, code: str, redirect_uri: str, code_verifier: str) -> Credentials:
    answer = call(
        NAME,
        "the authorization code",
        "POST",
        oauth_url("/token"),
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
            "client_id": settings.GOOGLE_CLIENT_ID,
            "client_secret": settings.GOOGLE_CLIENT_SECRET,
        },
    )
    return grant_from(answer)


def fetch_account(grant: Credentials) -> ConnectedAccount:
    answer = call(
        NAME,
        "the channel lookup",
        "GET",
        f"{settings.PLATFORM_BASE_URLS['youtube']}/youtube/v3/channels",
        params={"part": "snippet", "mine": "true"},
        headers={"Authorization": f"Bearer {grant.access_token}"},
    )
    channels = answer.get("items") or []
    if not channels:
        raise OAuthError(
            "This Google account has no YouTube channel; create one and connect again."
        )
    channel = channels[0]
    title = (channel.get("snippet") or {}).get("title") or channel["id"]
    return ConnectedAccount(external_account_id=str(channel["id"]), display_name=title)


def revoke(grant: Credentials) -> None:
    """Revoking the refresh token ends every access token issued from it."""
    call(
        NAME,
        "the revocation",
        "POST",
        oauth_url("/revoke"),
        data={"token": grant.refresh_token or grant.access_token},
    )


def can_refresh(grant: Credentials, now) -> bool:
    """Google's refresh token renews the access token."""
    return bool(grant.refresh_token)
