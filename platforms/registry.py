"""The platforms Herald speaks to: one descriptor each, and the lookups every app uses.

A descriptor (platforms/descriptor.py) is data only, so that
``config/settings.py`` can build its per-platform defaults from it. Each app
asks the registry instead of naming a platform: the choices of a model field,
the API's options, rate-limit defaults, the OAuth providers, the clients.

``registered(descriptor)`` adds a platform for the duration of a ``with``
block (tests); a platform added for good is one line in ``DESCRIPTORS``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import import_module
from types import ModuleType

from platforms.bluesky import BLUESKY
from platforms.descriptor import ClientSetting, Endpoint, LegacyColumns, Limits, Platform
from platforms.discord import DISCORD
from platforms.instagram import INSTAGRAM
from platforms.linkedin import LINKEDIN
from platforms.mastodon import MASTODON
from platforms.x import X
from platforms.youtube import YOUTUBE

# One entry per platform, in the order menus list them.
DESCRIPTORS: dict[str, Platform] = {
    p.value: p
    for p in (
        X,
        DISCORD,
        INSTAGRAM,
        YOUTUBE,
        MASTODON,
        BLUESKY,
        LINKEDIN,
    )
}


class UnknownPlatform(KeyError):
    """A platform value no descriptor has."""


def all_platforms() -> list[Platform]:
    return list(DESCRIPTORS.values())


def values() -> list[str]:
    return list(DESCRIPTORS)


def choices() -> list[tuple[str, str]]:
    """(value, label) pairs: a model field's ``choices`` callable, a form's choices."""
    return [(p.value, p.label) for p in DESCRIPTORS.values()]


class LiveChoices:
    """``choices()`` read again on each iteration: for a field built once, at import.

    DRF rebuilds a serializer's fields for each instance, so a ChoiceField given
    these follows the registry.
    """

    def __iter__(self):
        return iter(choices())


def get(value: str) -> Platform:
    try:
        return DESCRIPTORS[value]
    except KeyError:
        raise UnknownPlatform(value) from None


def label(value: str) -> str:
    return get(value).label


def platform_of_label(request_label: str) -> str | None:
    """The platform whose modules send requests under ``request_label``; None if none."""
    for platform in DESCRIPTORS.values():
        if request_label in (platform.label, *platform.request_labels):
            return platform.value
    return None


def client_module(value: str) -> ModuleType:
    """The client module of ``value``; settings.PLATFORM_MODULES may swap it (tests, bench)."""
    from django.conf import settings  # here: config/settings.py imports this module

    swapped = getattr(settings, "PLATFORM_MODULES", {}).get(value)
    return import_module(swapped) if swapped else get(value).client_module()


def metrics_module(value: str) -> ModuleType | None:
    """The metrics reader of ``value``; None when the platform offers no numbers.

    settings.PLATFORM_METRICS_MODULES may swap it (tests, bench).
    """
    from django.conf import settings  # here: config/settings.py imports this module

    swapped = getattr(settings, "PLATFORM_METRICS_MODULES", {}).get(value)
    return import_module(swapped) if swapped else get(value).metrics_module()


def with_metrics() -> list[Platform]:
    """The platforms that offer numbers about their posts."""
    return [p for p in DESCRIPTORS.values() if p.metrics]


def oauth_module(value: str) -> ModuleType:
    return get(value).oauth_module()


def legacy_columns() -> dict[str, LegacyColumns]:
    """The old system's User token columns, by platform."""
    return {p.value: p.legacy_columns for p in DESCRIPTORS.values()}


def default_rate_limits() -> dict[str, tuple[int, int]]:
    return {p.value: p.limits.rate_limit for p in DESCRIPTORS.values()}


@contextmanager
def registered(platform: Platform) -> Iterator[Platform]:
    """``platform`` is known for the duration of the block (a test's fifth platform).

    Settings built from the registry at start-up (base URLs, rate limits,
    client settings) are refreshed with it, and restored afterwards.
    """
    from django.conf import settings  # here: config/settings.py imports this module

    if platform.value in DESCRIPTORS:
        raise ValueError(f"A platform {platform.value!r} is already registered.")
    saved = {name: getattr(settings, name) for name in SETTINGS_FROM_REGISTRY}
    saved_clients = {s.name: getattr(settings, s.name, None) for s in platform.client_settings}
    DESCRIPTORS[platform.value] = platform
    try:
        defaults = settings_defaults(env=lambda name: "", sandbox_base=sandbox_base(settings))
        for name in SETTINGS_FROM_REGISTRY:
            # Keep what the running settings (or a test) chose for the other platforms.
            setattr(settings, name, {**defaults[name], **saved[name]})
        for setting in platform.client_settings:
            setattr(settings, setting.name, defaults[setting.name])
        yield platform
    finally:
        del DESCRIPTORS[platform.value]
        for name, value in saved.items():
            setattr(settings, name, value)
        for name, value in saved_clients.items():
            if value is None:
                delattr(settings, name)
            else:
                setattr(settings, name, value)


def sandbox_base(settings) -> str:
    return f"{settings.SITE_URL}/sandbox" if settings.SANDBOX_ENABLED else ""


# The settings ``settings_defaults`` builds (besides each client setting's own name).
SETTINGS_FROM_REGISTRY = (
    "PLATFORM_BASE_URLS",
    "PLATFORM_PERMALINK_BASES",
    "OAUTH_AUTHORIZE_URLS",
    "PLATFORM_RATE_LIMITS",
    "OAUTH_CLIENT_SETTINGS",
)


def endpoint_url(endpoint: Endpoint, env, sandbox: str) -> str:
    if endpoint.env and env(endpoint.env):
        return env(endpoint.env)
    return f"{sandbox}/{endpoint.sandbox_path}" if sandbox else endpoint.default


def settings_defaults(*, env, sandbox_base: str) -> dict:
    """The per-platform settings, from the descriptors and the environment.

    ``env(name)`` reads one variable ("" when unset). Called by
    config/settings.py at start-up, before Django settings exist.
    """
    platforms = DESCRIPTORS.values()
    built: dict = {
        "PLATFORM_BASE_URLS": {
            e.key: endpoint_url(e, env, sandbox_base) for p in platforms for e in p.api_urls
        },
        "PLATFORM_PERMALINK_BASES": {
            p.permalink_base.key: endpoint_url(p.permalink_base, env, sandbox_base)
            for p in platforms
            if p.permalink_base
        },
        "OAUTH_AUTHORIZE_URLS": {
            p.value: endpoint_url(p.authorize_url, env, sandbox_base) for p in platforms
        },
        "PLATFORM_RATE_LIMITS": default_rate_limits(),
        # The environment variables each provider needs, for "not configured" messages.
        "OAUTH_CLIENT_SETTINGS": {
            p.value: tuple(s.name for s in p.client_settings if s.required) for p in platforms
        },
    }
    for platform in platforms:
        for setting in platform.client_settings:
            sandbox_value = f"sandbox-{setting.name.lower().replace('_', '-')}"
            built[setting.name] = env(setting.name) or (
                sandbox_value if sandbox_base and setting.sandbox_default else ""
            )
    return built


__all__ = [
    "ClientSetting",
    "Endpoint",
    "LegacyColumns",
    "Limits",
    "LiveChoices",
    "Platform",
    "UnknownPlatform",
    "all_platforms",
    "choices",
    "client_module",
    "get",
    "label",
    "legacy_columns",
    "metrics_module",
    "oauth_module",
    "registered",
    "settings_defaults",
    "values",
    "with_metrics",
]
