"""Writes to integrations that the engine and operators need."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from integrations.credentials import Credentials
from integrations.models import Integration


def mark_rate_limited(integration_id: int | None, until: dt.datetime) -> None:
    """Remember the platform's "wait until"; never shorten a longer wait already known."""
    if integration_id is None:
        return
    Integration.objects.filter(pk=integration_id).filter(
        Q(rate_limited_until__isnull=True) | Q(rate_limited_until__lt=until)
    ).update(rate_limited_until=until)


def mark_integration_error(integration_id: int | None, message: str, *, status: str) -> None:
    if integration_id is None:
        return
    Integration.objects.filter(pk=integration_id).update(
        status=status, last_error=message, last_error_at=timezone.now()
    )


def save_refreshed_tokens(credentials: Credentials) -> None:
    """Store tokens a platform just refreshed. A missing new refresh token keeps the old one."""
    integration = Integration.objects.get(pk=credentials.integration_id)
    integration.access_token = credentials.access_token
    if credentials.refresh_token:
        integration.refresh_token = credentials.refresh_token
    integration.token_expires_at = credentials.expires_at
    integration.save(
        update_fields=["access_token", "refresh_token", "token_expires_at", "updated_at"]
    )
