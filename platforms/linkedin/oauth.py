"""LinkedIn: OAuth 2.0 authorization code flow, the member named by OpenID Connect's userinfo.

Checked against LinkedIn's documentation on Microsoft Learn (Dec 2026):
- Authorization code flow
  (https://learn.microsoft.com/en-us/linkedin/shared/authentication/authorization-code-flow):
  ``GET https://www.linkedin.com/oauth/v2/authorization`` with ``response_type=code``,
  ``client_id``, ``redirect_uri``, ``state`` and a space-separated ``scope``; the code is
  exchanged at ``POST https://www.linkedin.com/oauth/v2/accessToken`` (form:
  ``grant_type=authorization_code``, ``code``, ``redirect_uri``, ``client_id``,
  ``client_secret``) for ``access_token`` and ``expires_in`` (60 days). A web app
  authenticates with its secret: no PKCE.
- Sign In with LinkedIn using OpenID Connect
  (https://learn.microsoft.com/en-us/linkedin/consumer/integrations/self-serve/sign-in-with-linkedin-v2):
  scopes ``openid profile``; ``GET https://api.linkedin.com/v2/userinfo`` answers ``sub``
  (the member id: the author is ``urn:li:person:<sub>``) and ``name``. ``w_member_social``
  (Share on LinkedIn) lets the token post as the member; posting as an organization the
  member administers needs ``w_organization_social`` too, which LinkedIn grants to apps
  approved for Community Management (ask for it with ``LINKEDIN_SCOPES``).
- Programmatic refresh tokens
  (https://learn.microsoft.com/en-us/linkedin/shared/authentication/programmatic-refresh-tokens):
  only approved apps receive ``refresh_token`` (valid a year; each refresh gives a new
  60-day access token). Others must connect the member again within 60 days.
- Revocation: ``POST https://www.linkedin.com/oauth/v2/revoke`` (form ``token``,
  ``client_id``, ``client_secret``, RFC 7009's shape). The Microsoft Learn pages checked
  document token introspection (``/oauth/v2/introspectToken``) beside it, not this
  endpoint itself; a failed revocation is reported to the operator, and the integration
  forgets its tokens all the same.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings

from platforms.base import Credentials
from platforms.oauth import ConnectedAccount, OAuthError, call, grant_from

NAME = "LinkedIn"
USES_PKCE = False
SCOPES = "openid profile w_member_social"


def scopes() -> str:
    """``LINKEDIN_SCOPES`` when set (e.g. with ``w_organization_social``), else ``SCOPES``."""
    return getattr(settings, "LINKEDIN_SCOPES", "") or SCOPES


def oauth_url(path: str) -> str:
    return f"{settings.PLATFORM_BASE_URLS['linkedin_oauth']}{path}"


def client_credentials() -> dict[str, str]:
    return {
        "client_id": settings.LINKEDIN_CLIENT_ID,
        "client_secret": settings.LINKEDIN_CLIENT_SECRET,
    }


def authorization_url(*, state: str, redirect_uri: str, code_challenge: str) -> str:
    query = {
        "response_type": "code",
        "client_id": settings.LINKEDIN_CLIENT_ID,
        "redirect_uri": redirect_uri,
        "state": state,
        "scope": scopes(),
    }
    return f"{settings.OAUTH_AUTHORIZE_URLS['linkedin']}?{urlencode(query)}"


def exchange_code(*, code: str, redirect_uri: str, code_verifier: str) -> Credentials:
    answer = call(
        NAME,
        "the authorization code",
        "POST",
        oauth_url("/oauth/v2/accessToken"),
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            **client_credentials(),
        },
    )
    if not answer.get("access_token"):
        raise OAuthError(f"{NAME} answered without a token; try connecting again.")
    return grant_from(answer)


def fetch_account(grant: Credentials) -> ConnectedAccount:
    answer = call(
        NAME,
        "the member lookup",
        "GET",
        f"{settings.PLATFORM_BASE_URLS['linkedin']}/v2/userinfo",
        headers={"Authorization": f"Bearer {grant.access_token}"},
    )
    member_id = answer.get("sub")
    if not member_id or not isinstance(member_id, str):
        raise OAuthError(f"{NAME} answered without the member's id; try connecting again.")
    return ConnectedAccount(
        external_account_id=member_id, display_name=str(answer.get("name") or member_id)
    )


def revoke(grant: Credentials) -> None:
    """Revoke the access token (LinkedIn's refresh token, where issued, goes with the grant)."""
    call(
        NAME,
        "the revocation",
        "POST",
        oauth_url("/oauth/v2/revoke"),
        data={"token": grant.access_token or grant.refresh_token, **client_credentials()},
    )


def can_refresh(grant: Credentials, now) -> bool:
    """Only apps approved for programmatic refresh get a refresh token; others reconnect.

    Without one the 60-day access token simply runs out, and the daily check warns
    before it does.
    """
    return bool(grant.refresh_token)
