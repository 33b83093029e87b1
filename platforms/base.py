"""The interface between Herald and a platform's client module.

Each platform package (``platforms/<name>/client.py``) exposes four functions:

    validate(post: Post) -> list[str]
        Problems a platform would refuse, each naming the rule; [] when fine.
    publish(post: Post, credentials: Credentials) -> Published
        Send the post. Raise one of the errors below, never an HTTP exception.
    reconcile(post: Post, credentials: Credentials) -> Published | None | Unknown
        After an attempt whose outcome was not recorded: ``Published`` when the
        post is on the platform, ``None`` when it certainly is not (safe to
        send again), ``UNKNOWN`` when nothing can tell.
    refresh(credentials: Credentials) -> Credentials
        New tokens from the refresh token; ``AuthError`` when re-authorization
        is needed.

The engine only ever sees these types, so it never looks at HTTP.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field


class PlatformError(Exception):
    """Base of every error a platform module raises. ``code`` is short and stable."""

    code = "platform_error"

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class TransientError(PlatformError):
    """Worth trying again later: network trouble, timeouts, 5xx, "is_transient".

    ``maybe_sent`` is True when the platform may have acted on the request
    (e.g. a read timeout after the body went out): the engine then reconciles
    before sending again.
    """

    code = "transient"

    def __init__(self, message: str, *, code: str | None = None, maybe_sent: bool = False):
        super().__init__(message, code=code)
        self.maybe_sent = maybe_sent


class PermanentError(PlatformError):
    """The platform refused the post for good: invalid, duplicate, too long."""

    code = "permanent"


class AuthError(PlatformError):
    """The token is invalid or revoked: the integration needs re-authorization."""

    code = "auth"


class RateLimited(PlatformError):
    """The platform asked us to wait until ``until``. Not a failure, not a retry."""

    code = "rate_limited"

    def __init__(self, message: str, *, until: dt.datetime, code: str | None = None):
        super().__init__(message, code=code)
        self.until = until


@dataclass(frozen=True)
class Credentials:
    """The tokens that act for one account: what a provider grants and a client needs.

    An OAuth exchange returns one (``account`` and ``integration_id`` empty);
    the engine hands one to a client, built from an Integration. Never logged
    in full: ``repr`` hides the tokens.
    """

    access_token: str = ""
    refresh_token: str = ""
    webhook_url: str = ""
    expires_at: dt.datetime | None = None
    scopes: str = ""
    # Non-secret account details: external id, username, guild/channel ids.
    account: dict = field(default_factory=dict)
    integration_id: int | None = None

    def __repr__(self) -> str:  # never print a token
        return (
            f"Credentials(integration_id={self.integration_id!r}, account={self.account!r}, "
            f"expires_at={self.expires_at!r}, scopes={self.scopes!r})"
        )

    def secrets(self) -> tuple[str, str, str]:
        """The values to redact wherever this account's work is logged or stored."""
        return (self.access_token, self.refresh_token, self.webhook_url)


@dataclass(frozen=True)
class Measure:
    """One counted thing of a post against its platform's limit, for a live counter.

    ``used`` is in the platform's own unit (X's weighted characters, YouTube's
    description bytes, ...); ``validate()`` stays the judge, this only shows how
    close a post is.
    """

    label: str
    used: int
    limit: int
    unit: str

    @property
    def over(self) -> bool:
        return self.used > self.limit


@dataclass(frozen=True)
class MediaFile:
    kind: str  # "image" or "video"
    path: str  # local file path, readable by the worker
    mime_type: str
    size_bytes: int
    public_url: str = ""  # where the platform can fetch it (Instagram), if configured
    alt_text: str = ""


@dataclass
class Post:
    """What to publish, as the platform module sees it."""

    publication_id: int
    idempotency_key: str
    body: str
    title: str = ""
    options: dict = field(default_factory=dict)  # this platform's options from Content.options
    media: list[MediaFile] = field(default_factory=list)
    # The target account's non-secret options (Integration.account_options): a platform
    # whose limits depend on the account (a Mastodon server's) reads them here.
    account: dict = field(default_factory=dict)
    # Saved across attempts (Instagram container id, YouTube session URI, ...).
    platform_state: dict = field(default_factory=dict)
    # Persist platform_state now, before a long call, so reconcile can use it.
    checkpoint: Callable[[dict], None] = field(default=lambda state: None, repr=False)


@dataclass(frozen=True)
class Published:
    external_id: str
    permalink: str = ""


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()
