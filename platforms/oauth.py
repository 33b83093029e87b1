"""What every OAuth provider shares: the account, errors in words, PKCE, the token answer.

A provider module (``platforms/<name>/oauth.py``) has ``NAME``, ``USES_PKCE``,
``authorization_url(state=, redirect_uri=, code_challenge=)``,
``exchange_code(code=, redirect_uri=, code_verifier=)`` -> ``Credentials``,
``fetch_account(grant)`` -> ``ConnectedAccount`` and ``revoke(grant)`` (or
``revoke = None`` where the platform has no revocation endpoint). It may add
``can_refresh(integration, now)``, ``verify(grant, account_options)`` and
``connect_with_tokens(...)`` where the platform differs from the plain OAuth case.

A provider with one server per account (Mastodon) sets ``PER_SERVER = True`` and adds
``server_from_input(text)`` -> the server's base URL (``OAuthError`` for an address it
will not call), ``suggested_server()`` (what the connect page fills in, or "") and
``register_client(server=, redirect_uri=)`` -> ``ServerClient``.
The flow asks the person for the server before the redirect, registers a client on it
once (kept encrypted by integrations), and passes it as ``client=`` to
``authorization_url``, ``exchange_code`` and ``revoke``.

Connecting by hand: a provider whose accounts connect from values a person types
(Bluesky's handle and app password, Discord's bot token and channel) declares
``CONNECT_BY_HAND = ConnectByHand(...)``: the fields to ask for and the function
that turns them into a grant and an account. The admin's connect page and the
API's ``POST /api/v1/integrations/`` offer it from that declaration alone. A
provider with no redirect flow at all says ``CONNECTS_BY_REDIRECT = False``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

import requests
from django.utils import timezone

from platforms.base import Credentials, PermanentError, TransientError
from platforms.http import json_body, send


class OAuthError(Exception):
    """A connect flow that cannot go on; the message is meant for the person connecting.

    ``transient`` says the provider could not be reached: trying later may work.
    """

    def __init__(self, message: str, *, transient: bool = False, status_code: int | None = None):
        super().__init__(message)
        self.transient = transient
        self.status_code = status_code


class ProviderNotConfigured(OAuthError):
    """No client id (and secret) for this provider in the environment."""


@dataclass(frozen=True)
class ConnectedAccount:
    """Who the tokens act for: the platform's id, a name to show, non-secret details."""

    external_account_id: str
    display_name: str
    account_options: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ServerClient:
    """The OAuth client Herald registered on one server of a per-server provider."""

    server: str
    client_id: str
    client_secret: str

    def __repr__(self) -> str:  # never print the secret
        return f"ServerClient(server={self.server!r}, client_id={self.client_id!r})"


def connects_by_redirect(module) -> bool:
    """Whether ``module`` (a provider) has a redirect flow (``CONNECTS_BY_REDIRECT``)."""
    return bool(getattr(module, "CONNECTS_BY_REDIRECT", True))


def is_per_server(module) -> bool:
    """Whether ``module`` (a provider) needs the account's server before the redirect."""
    return bool(getattr(module, "PER_SERVER", False))


@dataclass(frozen=True)
class TypedField:
    """One value a person types to connect an account by hand.

    A ``secret`` one is a masked input, write-only in the API, never written back
    into a form, and masked in every error and log of the connect.
    """

    name: str  # the form's and the API's field name
    label: str
    secret: bool = False
    required: bool = True
    max_length: int = 500
    help_text: str = ""


@dataclass(frozen=True)
class ConnectByHand:
    """How a provider connects from typed values: what to ask, and how to turn it into tokens.

    ``connect(values)`` gets every declared field's value (stripped, "" when not
    given) and returns the grant to store and the account it acts for, or raises
    ``OAuthError`` in words for the person typing. What is stored is the grant's
    tokens, never the typed secrets themselves.
    """

    title: str  # "Connect with an app password": the link and the page's title
    explanation: str  # the page's first paragraph
    fields: tuple[TypedField, ...]
    connect: Callable[[dict[str, str]], tuple[Credentials, ConnectedAccount]]

    def secrets(self, values: dict[str, str]) -> list[str]:
        return [values.get(f.name, "") for f in self.fields if f.secret]


def new_code_verifier() -> str:
    """A PKCE code verifier: 64 URL-safe characters (RFC 7636 allows 43 to 128)."""
    return secrets.token_urlsafe(48)


def code_challenge(verifier: str) -> str:
    """The S256 challenge of ``verifier``: base64url(sha256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def expires_at(token_answer: dict) -> dt.datetime | None:
    seconds = token_answer.get("expires_in")
    try:
        return timezone.now() + dt.timedelta(seconds=int(seconds)) if seconds else None
    except (TypeError, ValueError):
        return None


def grant_from(token_answer: dict, **extra) -> Credentials:
    """The grant of a standard OAuth token answer (``access_token``, ``expires_in``, ...)."""
    return Credentials(
        access_token=token_answer.get("access_token", ""),
        refresh_token=token_answer.get("refresh_token", ""),
        expires_at=expires_at(token_answer),
        scopes=token_answer.get("scope", ""),
        **extra,
    )


def call(provider_name: str, what: str, method: str, url: str, **kwargs) -> dict:
    """One request to a provider's OAuth or account endpoint; its JSON answer, or ``OAuthError``.

    ``what`` names the step for the message ("exchanging the authorization code").
    """
    try:
        response = send(provider_name, method, url, **kwargs)
    except TransientError:
        raise OAuthError(
            f"{provider_name} could not be reached for {what}. Try again in a minute.",
            transient=True,
        ) from None
    except PermanentError:  # never sent: a token or URL with characters HTTP cannot carry
        raise OAuthError(
            f"The request to {provider_name} for {what} could not be built: check that the "
            "tokens and URLs were copied whole, without spaces or line breaks."
        ) from None
    body = json_body(response)
    if response.status_code == 429:
        raise OAuthError(
            f"{provider_name} is rate limiting {what}. Try again in a few minutes.",
            transient=True,
            status_code=429,
        )
    if response.status_code >= 400:
        raise OAuthError(
            f"{provider_name} refused {what}: {describe_error(body, response)}",
            status_code=response.status_code,
        )
    return body


def describe_error(body: dict, response: requests.Response) -> str:
    """The provider's own words for an error, from the shapes OAuth providers use."""
    error = body.get("error")
    if isinstance(error, dict):  # Graph API: {"error": {"message", "code"}}
        return str(error.get("message") or error.get("type") or f"HTTP {response.status_code}")
    described = (
        body.get("error_description")
        or body.get("error_message")  # Instagram Login
        or body.get("detail")
        or body.get("message")
    )
    if described:
        return str(described)
    if error:
        return str(error)
    return f"HTTP {response.status_code}"


def callback_error_message(provider_name: str, error: str, description: str) -> str:
    """The words for an ``error=`` a provider sent back to the callback."""
    if error == "access_denied":
        return f"Access was denied on {provider_name}, so no account was connected."
    return f"{provider_name} reported an error: {description or error}."
