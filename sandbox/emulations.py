"""The platforms the sandbox plays: one module each in ``sandbox/views``, found, not listed.

A module that emulates a platform declares ``EMULATION = Emulation(...)`` and its
own ``urlpatterns`` (API routes, permalinks, consent page). Nothing else names it:
the URLconf, the platform choices of the sandbox's models, its per-account limits,
the consent pages and the post list all read the modules found here. Adding a
platform to the sandbox is adding one module.
"""

from __future__ import annotations

import functools
import pkgutil
from dataclasses import dataclass, field
from importlib import import_module
from types import ModuleType

VIEWS_PACKAGE = "sandbox.views"


@dataclass(frozen=True)
class Consent:
    """The emulated provider's consent page: its title, default account, PKCE rule."""

    name: str
    account: str
    pkce: bool = False
    channels: tuple[str, ...] = ()  # offered as a choice on the page (Discord's webhook)


@dataclass(frozen=True)
class Emulation:
    """What the rest of the sandbox needs to know about one emulated platform."""

    value: str  # the platform's database value, as Herald's registry has it
    label: str
    color: str  # the badge's background on the sandbox's pages
    # (requests, window in seconds) per account, by limit name; SANDBOX_RATE_LIMITS overrides.
    rate_limits: dict[str, tuple[int, int]] = field(default_factory=dict)
    consent: Consent | None = None


@functools.cache
def modules() -> tuple[ModuleType, ...]:
    """Every module of ``sandbox.views`` that declares an ``EMULATION``, by name."""
    package = import_module(VIEWS_PACKAGE)
    found = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        module = import_module(f"{VIEWS_PACKAGE}.{info.name}")
        if isinstance(getattr(module, "EMULATION", None), Emulation):
            found.append(module)
    return tuple(found)


def all_emulations() -> list[Emulation]:
    return [module.EMULATION for module in modules()]


def choices() -> list[tuple[str, str]]:
    """(value, label) of each emulated platform: the sandbox models' ``choices`` callable."""
    return [(e.value, e.label) for e in all_emulations()]


def values() -> list[str]:
    return [e.value for e in all_emulations()]


def color(value: str) -> str:
    return next((e.color for e in all_emulations() if e.value == value), "#555")


def rate_limits() -> dict[str, tuple[int, int]]:
    """Every emulation's per-account limits, by limit name."""
    return {name: limit for e in all_emulations() for name, limit in e.rate_limits.items()}


def consent(provider: str) -> Consent | None:
    """The consent page of ``provider``; None when no emulation offers one."""
    return next((e.consent for e in all_emulations() if e.value == provider), None)


def urlpatterns() -> list:
    """Each emulation's routes, in module order."""
    return [pattern for module in modules() for pattern in module.urlpatterns]
