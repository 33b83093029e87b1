"""What a platform package declares about itself: one ``Platform`` descriptor.

Data only: no client import and no settings read, so that config/settings.py
can build its per-platform defaults from the descriptors at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module
from types import ModuleType
from typing import NamedTuple


@dataclass(frozen=True)
class Endpoint:
    """A base URL: the environment variable that overrides it, the real one, the sandbox's."""

    key: str  # its key in settings.PLATFORM_BASE_URLS / OAUTH_AUTHORIZE_URLS / ...
    env: str  # "" when it cannot be overridden
    default: str
    sandbox_path: str  # under SITE_URL/sandbox when the sandbox is on


@dataclass(frozen=True)
class ClientSetting:
    """One OAuth client setting read from the environment (``X_CLIENT_ID``, ...)."""

    name: str
    required: bool = True  # a provider is configured when every required one is set
    sandbox_default: bool = True  # the sandbox fills it in when unset


@dataclass(frozen=True)
class Limits:
    """What one post may hold, and the default rate limit per account."""

    max_text: int  # in the platform's own count
    max_media: int
    rate_limit: tuple[int, int]  # (posts, window in seconds); PLATFORM_RATE_LIMITS overrides


class LegacyColumns(NamedTuple):
    """The old system's User columns for this platform (``None``: no such column)."""

    access_token: str | None = None
    refresh_token: str | None = None
    webhook_url: str | None = None


@dataclass(frozen=True)
class Platform:
    """Everything the rest of Herald may know about one platform."""

    value: str  # stored in the database; never changes ("twitter" for X)
    label: str  # what a person reads
    client: str  # module path: validate, publish, reconcile, refresh
    oauth: str  # module path: the OAuth provider (connect, identity, revoke)
    options: str  # "module.Class": the serializer of this platform's Content.options
    limits: Limits
    api_urls: tuple[Endpoint, ...]  # -> settings.PLATFORM_BASE_URLS
    authorize_url: Endpoint  # -> settings.OAUTH_AUTHORIZE_URLS
    client_settings: tuple[ClientSetting, ...]
    permalink_base: Endpoint | None = None  # -> settings.PLATFORM_PERMALINK_BASES
    legacy_columns: LegacyColumns = field(default_factory=LegacyColumns)
    # The names its modules give ``platforms.http.send`` (request metrics by platform).
    request_labels: tuple[str, ...] = ()
    # Regular expressions of secrets in its URLs: group 1 is kept, the rest of the match
    # is masked wherever Herald logs or stores a text.
    secret_url_patterns: tuple[str, ...] = ()
    # Module path of its metrics reader (platforms/metrics.py says what it offers);
    # None: Herald collects no numbers for this platform.
    metrics: str | None = None

    def client_module(self) -> ModuleType:
        return import_module(self.client)

    def metrics_module(self) -> ModuleType | None:
        return import_module(self.metrics) if self.metrics else None

    def oauth_module(self) -> ModuleType:
        return import_module(self.oauth)

    def options_serializer(self) -> type:
        module, _, name = self.options.rpartition(".")
        return getattr(import_module(module), name)
