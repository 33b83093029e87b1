"""Bluesky accounts connect with an app password, exchanged once for a session.

Why not Bluesky's OAuth: it requires DPoP-bound tokens, pushed authorization
requests (PAR) and a client-metadata document published at the client id's URL
(https://docs.bsky.app/docs/advanced-guides/oauth-client). The maintained
Python SDK (``atproto`` 0.0.73, https://atproto.blue) logs in with a password
and has no OAuth client (no DPoP, no PAR) for a server app; Bluesky's own
Python material for it is a cookbook example of a Flask app
(https://github.com/bluesky-social/cookbook, ``python-oauth-web-app``), not a
maintained library, and writing DPoP-bound token handling here would be a
second, unreviewed OAuth client. App passwords are Bluesky's documented way for
third-party apps to act for an account without its main password, and the
account owner can revoke one at any time
(https://docs.bsky.app/docs/advanced-guides/posts, the "Authentication" part).

The flow, checked against the public documentation:
- ``POST /xrpc/com.atproto.server.createSession`` with ``identifier`` (handle,
  DID or email) and ``password`` answers ``accessJwt``, ``refreshJwt``,
  ``did`` and ``handle``
  (https://docs.bsky.app/docs/api/com-atproto-server-create-session). The app
  password is sent once and never stored: Herald keeps the two session tokens,
  encrypted like every platform's tokens.
- ``createSession`` is limited to 30 per 5 minutes and 300 a day per account
  (https://docs.bsky.app/docs/advanced-guides/rate-limits): Herald calls it
  only when someone connects, and keeps the session alive with
  ``com.atproto.server.refreshSession`` (``client.refresh``).
- ``GET /xrpc/com.atproto.server.getSession`` with the access token names the
  account (https://docs.bsky.app/docs/api/com-atproto-server-get-session).
- ``POST /xrpc/com.atproto.server.deleteSession`` with the refresh token ends
  the session (https://docs.bsky.app/docs/api/com-atproto-server-delete-session);
  the app password itself is revoked in Bluesky's settings.
"""

from __future__ import annotations

import re

from platforms.base import AuthError, Credentials, PlatformError, RateLimited
from platforms.bluesky import client
from platforms.http import json_body, send
from platforms.oauth import ConnectByHand, ConnectedAccount, OAuthError, TypedField, call

NAME = "Bluesky"
USES_PKCE = False
CONNECTS_BY_REDIRECT = False
# App passwords look like xxxx-xxxx-xxxx-xxxx; a main password is refused by nothing
# here, but the page asks for an app password and says why.
APP_PASSWORD_HINT = re.compile(r"^[a-z0-9]{4}(-[a-z0-9]{4}){3}$")


def authorization_url(*, state: str, redirect_uri: str, code_challenge: str) -> str:
    raise OAuthError(
        "Bluesky connects with an app password, not a redirect: use the connect page's "
        "app password form, or POST identifier and app_password to /api/v1/integrations/."
    )


def exchange_code(*, code: str, redirect_uri: str, code_verifier: str) -> Credentials:
    raise OAuthError("Bluesky connects with an app password; there is no code to exchange.")


def account_of(grant: Credentials, session: dict) -> ConnectedAccount:
    did = str(session.get("did") or grant.account.get("did") or "")
    if not did.startswith("did:"):
        raise OAuthError(f"{NAME} answered without the account's DID; try connecting again.")
    handle = str(session.get("handle") or grant.account.get("handle") or "")
    return ConnectedAccount(
        external_account_id=did,
        display_name=f"@{handle}" if handle else did,
        account_options={"did": did, "handle": handle},
    )


def fetch_account(grant: Credentials) -> ConnectedAccount:
    """The account behind the stored session (the daily check calls this)."""
    session = call(
        NAME,
        "the session lookup",
        "GET",
        client.xrpc("com.atproto.server.getSession"),
        headers=client.auth_headers(grant),
    )
    return account_of(grant, session)


def revoke(grant: Credentials) -> None:
    """End the session; the app password stays until its owner deletes it on Bluesky."""
    if grant.refresh_token:
        call(
            NAME,
            "the sign-out",
            "POST",
            client.xrpc("com.atproto.server.deleteSession"),
            headers={"Authorization": f"Bearer {grant.refresh_token}"},
        )


def can_refresh(grant: Credentials, now) -> bool:
    """The refresh token renews the session (and is replaced by a new one)."""
    return bool(grant.refresh_token)


def connect_with_app_password(values: dict[str, str]) -> tuple[Credentials, ConnectedAccount]:
    """Exchange a handle (or email, or DID) and an app password for a session."""
    identifier, password = values.get("identifier", ""), values.get("app_password", "")
    if not identifier or not password:
        raise OAuthError(f"{NAME} needs the account's handle and an app password.")
    try:
        response = send(
            NAME,
            "POST",
            client.xrpc("com.atproto.server.createSession"),
            json={"identifier": identifier.removeprefix("@"), "password": password},
        )
    except PlatformError as error:
        raise OAuthError(
            f"{NAME} could not be reached to sign in ({error.code}). Try again in a minute.",
            transient=error.code != "unsendable_request",
        ) from None
    if response.status_code == 429:
        raise OAuthError(
            f"{NAME} is rate limiting sign-ins for this account (30 per 5 minutes, 300 a "
            "day). Try again later.",
            transient=True,
            status_code=429,
        )
    if response.status_code in (400, 401):
        error, said = client.xrpc_error(response)
        hint = (
            ""
            if APP_PASSWORD_HINT.match(password)
            else " Use an app password (Settings → Privacy and security → App passwords)."
        )
        raise OAuthError(
            f"{NAME} refused the sign-in: {said or error or response.status_code}.{hint}",
            status_code=response.status_code,
        )
    if response.status_code >= 400:
        raise OAuthError(
            f"{NAME} refused the sign-in ({response.status_code}).",
            status_code=response.status_code,
        )
    session = json_body(response)
    try:
        grant = client.credentials_from_session(session)
    except (AuthError, RateLimited) as error:
        raise OAuthError(f"{NAME}: {error.message}") from None
    return grant, account_of(grant, session)


CONNECT_BY_HAND = ConnectByHand(
    title="Connect with an app password",
    explanation=(
        "Bluesky lets apps act for an account through an app password (Settings → Privacy "
        "and security → App passwords), which its owner can revoke at any time. Herald signs "
        "in with it once and keeps only the session it gets back, encrypted; the app "
        "password itself is never stored."
    ),
    fields=(
        TypedField(
            "identifier",
            "Handle or email",
            max_length=253,
            help_text="Bluesky: the account's handle (alice.bsky.social), email or DID.",
        ),
        TypedField(
            "app_password",
            "App password",
            secret=True,
            max_length=100,
            help_text="Bluesky: an app password (xxxx-xxxx-xxxx-xxxx), never stored.",
        ),
    ),
    connect=connect_with_app_password,
)
