"""Mastodon: OAuth 2.0 on the account's own server, with a client registered there.

Checked against Mastodon's documentation (Dec 2026):
- ``POST /api/v1/apps`` (https://docs.joinmastodon.org/methods/apps/#create):
  ``client_name``, ``redirect_uris``, ``scopes``, ``website`` -> an Application with
  ``client_id`` and ``client_secret``. Registered once per server and kept
  (https://docs.joinmastodon.org/client/token/).
- ``GET /oauth/authorize`` and ``POST /oauth/token`` (https://docs.joinmastodon.org/methods/oauth/):
  the authorization code grant with ``client_id``, ``client_secret``,
  ``redirect_uri``; PKCE (``code_challenge_method=S256``) where the server supports
  it, ignored by older ones. The token answer has no ``expires_in`` and no refresh
  token: Mastodon's access tokens do not expire.
- ``POST /oauth/revoke`` (https://docs.joinmastodon.org/methods/oauth/#revoke):
  ``client_id``, ``client_secret`` and ``token``.
- ``GET /api/v1/accounts/verify_credentials``
  (https://docs.joinmastodon.org/methods/accounts/#verify_credentials): the account
  behind the token (``id``, ``username``, ``acct``, ``display_name``).
- Scopes (https://docs.joinmastodon.org/api/oauth-scopes/): the granular ones Herald uses.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from django.conf import settings

from platforms.base import Credentials
from platforms.mastodon.servers import (
    BadServer,
    normalize_server,
    resolved_server,
    sandbox_server,
)
from platforms.oauth import ConnectedAccount, OAuthError, ServerClient, call, grant_from

NAME = "Mastodon"
USES_PKCE = True
PER_SERVER = True
CLIENT_NAME = "Herald"
SCOPES = "read:accounts read:statuses write:statuses write:media"


# A server's redirect could lead anywhere: Herald calls the server it checked, only.
NO_REDIRECTS = {"allow_redirects": False}


def server_from_input(text: str) -> str:
    """The server a person typed, as Herald will call it; ``OAuthError`` (a 400) if refused."""
    try:
        return resolved_server(text)
    except BadServer as error:
        raise OAuthError(str(error), status_code=400) from None


def suggested_server() -> str:
    """The server the connect page offers: the sandbox's while it is on, else none."""
    return sandbox_server()


def register_client(*, server: str, redirect_uri: str) -> ServerClient:
    """Register Herald as an application on ``server``: once per server, then kept."""
    answer = call(
        NAME,
        "registering Herald as an application",
        "POST",
        f"{server}/api/v1/apps",
        data={
            "client_name": CLIENT_NAME,
            "redirect_uris": redirect_uri,
            "scopes": SCOPES,
            "website": settings.SITE_URL,
        },
        **NO_REDIRECTS,
    )
    if not answer.get("client_id") or not answer.get("client_secret"):
        raise OAuthError(f"{NAME} registered no client id and secret; try again.")
    return ServerClient(
        server=server,
        client_id=str(answer["client_id"]),
        client_secret=str(answer["client_secret"]),
    )


def authorization_url(
    *, state: str, redirect_uri: str, code_challenge: str, client: ServerClient
) -> str:
    query = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": redirect_uri,
        "scope": SCOPES,
        "state": state,
    }
    if code_challenge:
        query.update(code_challenge=code_challenge, code_challenge_method="S256")
    return f"{client.server}/oauth/authorize?{urlencode(query)}"


def exchange_code(
    *, code: str, redirect_uri: str, code_verifier: str, client: ServerClient
) -> Credentials:
    """The token for ``code``; it does not expire and comes with no refresh token."""
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "client_id": client.client_id,
        "client_secret": client.client_secret,
        "scope": SCOPES,
    }
    if code_verifier:
        data["code_verifier"] = code_verifier
    answer = call(
        NAME,
        "the authorization code",
        "POST",
        f"{client.server}/oauth/token",
        data=data,
        **NO_REDIRECTS,
    )
    if not answer.get("access_token"):
        raise OAuthError(f"{NAME} answered without an access token; try connecting again.")
    return grant_from(answer, account={"server": client.server})


def fetch_account(grant: Credentials) -> ConnectedAccount:
    """The account behind the token, on the grant's server.

    Account ids are only unique within one server, so Herald's external id is
    ``<id>@<host>``; the server and the bare id go to the account's options.
    """
    server = grant.account.get("server", "")
    answer = call(
        NAME,
        "the account lookup",
        "GET",
        f"{server}/api/v1/accounts/verify_credentials",
        headers={"Authorization": f"Bearer {grant.access_token}"},
        **NO_REDIRECTS,
    )
    if not answer.get("id"):
        raise OAuthError(f"{NAME} answered without the account's id; try connecting again.")
    host = urlsplit(server).hostname or server
    username = str(answer.get("username") or answer["id"])
    return ConnectedAccount(
        external_account_id=f"{answer['id']}@{host}",
        display_name=f"@{username}@{host}",
        account_options={"server": server, "account_id": str(answer["id"]), "username": username},
    )


def verify(grant: Credentials, account_options: dict) -> ConnectedAccount:
    """One identity call with the stored token, on the account's own server."""
    try:
        server = normalize_server(str(account_options.get("server", "")))
    except BadServer as error:
        raise OAuthError(f"The account's server is not usable: {error}", status_code=400) from None
    return fetch_account(Credentials(access_token=grant.access_token, account={"server": server}))


def revoke(grant: Credentials, *, client: ServerClient) -> None:
    """Revoke the token on its server; Mastodon asks for the client's id and secret."""
    call(
        NAME,
        "the revocation",
        "POST",
        f"{client.server}/oauth/revoke",
        data={
            "client_id": client.client_id,
            "client_secret": client.client_secret,
            "token": grant.access_token,
        },
        **NO_REDIRECTS,
    )


def can_refresh(grant: Credentials, now) -> bool:
    """Mastodon's tokens do not expire and have no refresh token."""
    return False
