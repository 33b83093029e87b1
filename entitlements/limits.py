"""The limits a plan sets, named once: the models, the checks, the API and the admin read them here.

Every limit is ``None`` for "unlimited". An entitlement's overrides are a mapping of
these names to values; a name that is present overrides the plan, even with ``None``
(unlimited for this user), and a name that is absent leaves the plan's value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import ValidationError

from platforms import registry


class LimitName(StrEnum):
    PLATFORMS = "platforms"
    ACCOUNTS_PER_PLATFORM = "accounts_per_platform"
    POSTS_PER_MONTH = "posts_per_month"
    AUTOMATION = "automation"
    MAX_MEDIA_BYTES = "max_media_bytes"
    API_RATE = "api_rate"


# What each limit is, for people (admin help texts, the API's /me/).
DESCRIPTIONS = {
    LimitName.PLATFORMS: "platforms allowed",
    LimitName.ACCOUNTS_PER_PLATFORM: "connected accounts per platform",
    LimitName.POSTS_PER_MONTH: "posts scheduled per calendar month",
    LimitName.AUTOMATION: "scheduled publishing (without it, only publish now by hand)",
    LimitName.MAX_MEDIA_BYTES: "largest media file, in bytes",
    LimitName.API_RATE: "API requests, e.g. 1000/hour",
}

# As DRF reads a rate: the period is its first letter, so "1000/h" is "1000/hour".
RATE_PATTERN = re.compile(r"^[1-9][0-9]{0,8}/(second|minute|hour|day|s|m|h|d)$")


def validate_api_rate(value: str) -> None:
    if not RATE_PATTERN.match(value):
        raise ValidationError(
            f"{value!r} is not a rate; write a number per second, minute, hour or day, "
            "e.g. 1000/hour."
        )


def validate_platforms(value) -> None:
    if value is None:
        return
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError("Platforms must be a list of platform names, or empty for none.")
    unknown = sorted(set(value) - set(registry.values()))
    if unknown:
        raise ValidationError(
            f"Unknown platform {', '.join(unknown)}; choose from {', '.join(registry.values())}."
        )


def validate_count(value) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 2**53:
        raise ValidationError("A limit is a whole number from 0, or null for unlimited.")


def validate_value(name: LimitName, value) -> None:
    """Refuse a value ``name`` cannot hold (``None``, unlimited, always can)."""
    if value is None:
        return
    if name == LimitName.PLATFORMS:
        validate_platforms(value)
    elif name == LimitName.AUTOMATION:
        if not isinstance(value, bool):
            raise ValidationError("Automation is true or false (or null: allowed).")
    elif name == LimitName.API_RATE:
        if not isinstance(value, str):
            raise ValidationError("The API rate is text such as 1000/hour.")
        validate_api_rate(value)
    else:
        validate_count(value)


def validate_overrides(value) -> None:
    """An entitlement's overrides: a mapping of limit names to values they can hold."""
    if not isinstance(value, dict):
        raise ValidationError("Overrides are a mapping of limit names to values.")
    known = {name.value for name in LimitName}
    unknown = sorted(set(value) - known)
    if unknown:
        raise ValidationError(
            f"Unknown limit {', '.join(unknown)}; the limits are {', '.join(sorted(known))}."
        )
    for name, limit in value.items():
        validate_value(LimitName(name), limit)


@dataclass(frozen=True)
class Limits:
    """One user's limits in force, after the plan, the overrides and the superuser rule."""

    plan_name: str
    platforms: frozenset[str] | None = None
    accounts_per_platform: int | None = None
    posts_per_month: int | None = None
    automation: bool = True
    max_media_bytes: int | None = None
    api_rate: str | None = None
    unlimited: bool = False

    def allows_platform(self, platform: str) -> bool:
        return self.platforms is None or platform in self.platforms


UNLIMITED = Limits(plan_name="unlimited (superuser)", unlimited=True)
