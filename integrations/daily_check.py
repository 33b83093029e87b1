"""The daily integration check: find dead or expiring tokens before a scheduled post needs them.

For every active account:
- a token that expires within ``INTEGRATION_EXPIRY_WARNING_DAYS`` is refreshed
  when the platform allows it (which also proves the refresh token still
  works); otherwise it is flagged, or marked expired once past its date;
- any other token is checked with one cheap identity call (who am I, which
  channel); a token the platform refuses marks the account ``needs_reauth``.

A platform that cannot be reached is recorded and tried again the next day:
that says nothing about the token. Each account is checked inside
``redacting`` its own tokens: what a platform answers is stored and logged
without them.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from integrations.models import Integration, OAuthState
from integrations.oauth import provider_module
from integrations.redaction import redact, redacting
from integrations.services import IntegrationError, mark_integration_error, refresh_tokens
from integrations.signals import integration_expiring
from platforms.base import AuthError, Credentials, PlatformError
from platforms.oauth import OAuthError
from platforms.registry import client_module

logger = logging.getLogger(__name__)
Status = Integration.Status

# Answers that mean "this token is no longer accepted", as opposed to an outage.
REFUSED_STATUS_CODES = {400, 401, 403, 404}
# How long finished or abandoned connect attempts are kept.
OAUTH_STATE_RETENTION = dt.timedelta(days=1)


@dataclass
class CheckReport:
    outcomes: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    states_deleted: int = 0

    def summary(self) -> str:
        counts = ", ".join(f"{n} {what}" for what, n in sorted(self.outcomes.items()))
        return f"Checked integrations: {counts or 'none active'}."


def stored_grant(integration: Integration) -> Credentials:
    return Credentials(
        access_token=integration.access_token or "",
        refresh_token=integration.refresh_token or "",
        webhook_url=integration.webhook_url or "",
        expires_at=integration.token_expires_at,
    )


def can_refresh(integration: Integration, now: dt.datetime) -> bool:
    return provider_module(integration.provider).can_refresh(stored_grant(integration), now)


def verify_account(integration: Integration) -> None:
    """One identity call with the stored token; ``OAuthError`` if the platform refuses it."""
    module = provider_module(integration.provider)
    verify = getattr(module, "verify", None)
    if verify is not None:
        verify(stored_grant(integration), integration.account_options)
    else:
        module.fetch_account(stored_grant(integration))


def account_secrets(integration: Integration) -> tuple[str | None, ...]:
    return (integration.access_token, integration.refresh_token, integration.webhook_url)


def check_integration(integration: Integration, *, now: dt.datetime) -> str:
    """Check one account; returns the outcome's name and records any problem on the row."""
    with redacting(*account_secrets(integration)):
        return check_tokens(integration, now=now)


def check_tokens(integration: Integration, *, now: dt.datetime) -> str:
    expires_at = integration.token_expires_at
    warn_from = now + dt.timedelta(days=settings.INTEGRATION_EXPIRY_WARNING_DAYS)
    if expires_at and expires_at <= warn_from:
        if can_refresh(integration, now):
            module = client_module(integration.provider)
            try:
                refresh_tokens(integration.pk, module.refresh, renew_before=warn_from)
            except AuthError as error:
                mark_integration_error(integration.pk, error.message, status=Status.NEEDS_REAUTH)
                return "needs_reauth"
            except PlatformError as error:
                note(integration, f"The daily check could not refresh the token: {error.message}")
                return "unreachable"
            return "refreshed"
        if expires_at <= now:
            message = (
                f"The token expired on {expires_at:%Y-%m-%d %H:%M} UTC; connect the account again."
            )
            mark_integration_error(integration.pk, message, status=Status.EXPIRED)
            return "expired"
        note(
            integration,
            f"The token expires on {expires_at:%Y-%m-%d %H:%M} UTC and cannot be refreshed; "
            "connect the account again before then.",
        )
        integration_expiring.send(
            sender=Integration, integration_id=integration.pk, expires_at=expires_at
        )
        return "expiring"
    try:
        verify_account(integration)
    except OAuthError as error:
        if error.transient or error.status_code not in REFUSED_STATUS_CODES:
            note(integration, f"The daily check could not reach the platform: {error}")
            return "unreachable"
        mark_integration_error(
            integration.pk,
            f"{error} Connect the account again.",
            status=Status.NEEDS_REAUTH,
        )
        return "needs_reauth"
    return "ok"


def note(integration: Integration, message: str) -> None:
    """Record a problem that does not (yet) stop the account from publishing."""
    Integration.objects.filter(pk=integration.pk).update(
        last_error=redact(message), last_error_at=timezone.now()
    )


def check_integrations(*, progress: Callable[[int, int], None] | None = None) -> CheckReport:
    """Check every active account, then forget connect attempts older than a day."""
    now = timezone.now()
    report = CheckReport()
    integrations = list(
        Integration.objects.filter(status=Status.ACTIVE).select_related("user").order_by("pk")
    )
    for done, integration in enumerate(integrations, start=1):
        outcome = check_integration(integration, now=now)
        report.outcomes[outcome] += 1
        if outcome not in ("ok", "refreshed"):
            integration.refresh_from_db(fields=["last_error"])
            report.problems.append(f"{integration} ({integration.user}): {integration.last_error}")
        if progress:
            progress(done, len(integrations))
    report.states_deleted, _ = OAuthState.objects.filter(
        created_at__lt=now - OAUTH_STATE_RETENTION
    ).delete()
    logger.info(report.summary())
    for problem in report.problems:
        logger.warning("Integration check: %s", problem)
    return report


# Far enough ahead that any stored expiry counts as "due": an operator asked for a refresh now.
REFRESH_NOW = dt.datetime.max.replace(tzinfo=dt.UTC) - dt.timedelta(days=1)


def refresh_integration(integration: Integration) -> Integration:
    """Refresh an account's tokens now, at an operator's request.

    Raises ``IntegrationError`` saying, in words, why it could not: the
    platform has no refresh for this account, refused it (the account is then
    marked ``needs_reauth``), or could not be reached (recorded as last error).
    """
    now = timezone.now()
    name = integration.get_provider_display()
    if integration.status == Status.REVOKED:
        raise IntegrationError(f"{integration} is revoked; connect it again instead.")
    if not can_refresh(integration, now):
        raise IntegrationError(
            f"{integration}: {name} gives no way to refresh this token; connect the account again."
        )
    module = client_module(integration.provider)
    with redacting(*account_secrets(integration)):
        try:
            refresh_tokens(integration.pk, module.refresh, renew_before=REFRESH_NOW)
        except AuthError as error:
            said = redact(error.message)
            mark_integration_error(integration.pk, said, status=Status.NEEDS_REAUTH)
            raise IntegrationError(
                f"{integration}: {name} refused the refresh ({said}); the account needs "
                "to be connected again."
            ) from None
        except PlatformError as error:
            said = redact(error.message)
            note(integration, f"A refresh asked from the admin failed: {said}")
            raise IntegrationError(
                f"{integration}: {name} could not be reached to refresh the token ({said}); "
                "try again later."
            ) from None
    integration.refresh_from_db()
    return integration
