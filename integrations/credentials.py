"""Credential resolution: the one way the engine gets a platform token.

An active Integration comes first. Failing that, the owner's legacy User
columns (the old system's plaintext tokens) are used, with a warning and a
counter so operators can see what still needs ``migrate_user_tokens``.
Failing both, ``NotConnected`` names the platform.
"""

from __future__ import annotations

import logging

from django.db.models import F, Sum
from django.utils import timezone

from integrations.models import Integration, LegacyTokenUse
from platforms import registry
from platforms.base import Credentials

logger = logging.getLogger(__name__)


class NotConnected(Exception):
    """No usable account for a platform."""


class IntegrationUnavailable(Exception):
    """The chosen integration exists but may not publish now (paused, revoked, ...)."""

    REASONS = {
        Integration.Status.EXPIRED: "its token expired; connect it again",
        Integration.Status.NEEDS_REAUTH: "the platform refused its token; connect it again",
        Integration.Status.REVOKED: "it was revoked",
        Integration.Status.PAUSED: "it is paused",
    }

    def __init__(self, integration: Integration):
        name = integration.display_name or integration.external_account_id
        reason = self.REASONS.get(integration.status, f"it is {integration.status}")
        super().__init__(
            f"The {integration.get_provider_display()} account {name!r} cannot publish: {reason}."
        )
        self.integration = integration


def credentials_from_integration(integration: Integration) -> Credentials:
    return Credentials(
        access_token=integration.access_token or "",
        refresh_token=integration.refresh_token or "",
        webhook_url=integration.webhook_url or "",
        expires_at=integration.token_expires_at,
        account={
            "external_account_id": integration.external_account_id,
            "display_name": integration.display_name,
            **integration.account_options,
        },
        integration_id=integration.pk,
    )


def resolve_credentials(*, owner, platform: str, integration: Integration | None) -> Credentials:
    """Credentials for ``owner`` on ``platform``: the integration, else legacy columns, else error."""
    if integration is not None:
        if integration.status != Integration.Status.ACTIVE:
            raise IntegrationUnavailable(integration)
        return credentials_from_integration(integration)
    active = (
        Integration.objects.filter(user=owner, provider=platform, status=Integration.Status.ACTIVE)
        .order_by("pk")
        .first()
    )
    if active is not None:
        return credentials_from_integration(active)
    access_column, refresh_column, webhook_column = registry.get(platform).legacy_columns
    legacy = Credentials(
        access_token=getattr(owner, access_column) if access_column else "",
        refresh_token=getattr(owner, refresh_column) if refresh_column else "",
        webhook_url=getattr(owner, webhook_column) if webhook_column else "",
        # The old columns never held the platform's account id: a module that needs it
        # asks the token (X: users/me, Instagram: /me), as it does for a migrated row.
        account={"legacy_user_id": owner.pk},
    )
    if legacy.access_token or legacy.webhook_url:
        count_legacy_fallback(owner, platform)
        logger.warning(
            "Using the deprecated User token columns for %s (user %s); run migrate_user_tokens.",
            platform,
            owner.pk,
        )
        return legacy
    raise NotConnected(f"No {platform} account is connected for user {owner.get_username()!r}.")


def count_legacy_fallback(owner, platform: str) -> None:
    """Count a fallback where operators can see it (admin: Legacy token uses)."""
    now = timezone.now()
    _, created = LegacyTokenUse.objects.get_or_create(
        user=owner, provider=platform, defaults={"uses": 1, "last_used_at": now}
    )
    if not created:
        LegacyTokenUse.objects.filter(user=owner, provider=platform).update(
            uses=F("uses") + 1, last_used_at=now
        )


def legacy_fallback_count() -> int:
    return LegacyTokenUse.objects.aggregate(total=Sum("uses"))["total"] or 0
