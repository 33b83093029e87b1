"""Writes to integrations: connecting, the lifecycle, and what the engine records.

Views, admin actions, the API and commands call these; none of them set
``Integration.status`` or tokens themselves.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from entitlements.services import check_new_account
from integrations.credentials import credentials_from_integration
from integrations.models import Integration, RegisteredClient
from integrations.oauth import provider_module, providers
from integrations.redaction import redact, redacting
from integrations.selectors import connected_count
from integrations.signals import integration_needs_reauth, integration_released
from platforms.base import Credentials
from platforms.oauth import (
    ConnectByHand,
    ConnectedAccount,
    OAuthError,
    ServerClient,
    TypedField,
    is_per_server,
)

logger = logging.getLogger(__name__)
Status = Integration.Status


class IntegrationError(Exception):
    """A lifecycle step that is not possible now; the message says why."""


def mark_rate_limited(integration_id: int | None, until: dt.datetime) -> None:
    """Remember the platform's "wait until"; never shorten a longer wait already known."""
    if integration_id is None:
        return
    Integration.objects.filter(pk=integration_id).filter(
        Q(rate_limited_until__isnull=True) | Q(rate_limited_until__lt=until)
    ).update(rate_limited_until=until)


# The statuses in which an account publishes nothing until its owner connects it again.
MUST_RECONNECT = (Integration.Status.NEEDS_REAUTH, Integration.Status.EXPIRED)


@transaction.atomic
def mark_integration_error(integration_id: int | None, message: str, *, status: str) -> None:
    """Record what the platform said (redacted: it may quote a token) and the new status.

    The first time an account enters a status that needs its owner (needs_reauth,
    expired), ``integration_needs_reauth`` is sent, once, not at every failed attempt.
    """
    if integration_id is None:
        return
    said = redact(message)
    account = Integration.objects.filter(pk=integration_id)
    entered = account.exclude(status=status).update(
        status=status, last_error=said, last_error_at=timezone.now()
    )
    if not entered:
        account.update(last_error=said, last_error_at=timezone.now())
    elif status in MUST_RECONNECT:
        integration_needs_reauth.send(
            sender=Integration, integration_id=integration_id, message=said
        )


def refresh_tokens(
    integration_id: int, refresh: Callable[[Credentials], Credentials], *, renew_before: dt.datetime
) -> Credentials:
    """Refresh an integration's tokens with the platform module's ``refresh``, one caller at a time.

    The row is locked for the call: X rotates refresh tokens, so two workers
    refreshing at once would leave one of them holding a dead token. A caller
    that waited finds the tokens already renewed and uses them as they are.
    """
    with transaction.atomic():
        integration = Integration.objects.select_for_update().get(pk=integration_id)
        current = credentials_from_integration(integration)
        if current.expires_at and current.expires_at >= renew_before:
            return current
        with redacting(*current.secrets()):
            renewed = refresh(current)
        integration.access_token = renewed.access_token
        if renewed.refresh_token:  # a provider that sends none keeps the old one valid
            integration.refresh_token = renewed.refresh_token
        integration.token_expires_at = renewed.expires_at
        integration.save(
            update_fields=["access_token", "refresh_token", "token_expires_at", "updated_at"]
        )
    return renewed


# --- Connecting -----------------------------------------------------------------------


def save_connection(
    *, user, provider: str, grant: Credentials, account: ConnectedAccount
) -> tuple[Integration, bool]:
    """Create the Integration, or update the same one on a reconnect.

    The account is identified by ``(user, provider, external_account_id)``, so
    connecting it again never makes a duplicate. A grant without a refresh
    token keeps the stored one. A paused account stays paused.

    A new account must fit the user's plan (its platforms, its accounts per
    platform): ``EntitlementExceeded`` otherwise, and nothing is stored. Every
    connect path (the OAuth callback, tokens entered by hand) comes through here.
    """
    identity = {
        "user": user,
        "provider": provider,
        "external_account_id": account.external_account_id,
    }
    with transaction.atomic():
        check_plan_allows(user, provider, account.external_account_id)
        return store_connection(identity, grant=grant, account=account)


def check_plan_allows(user, provider: str, external_account_id: str) -> None:
    """Refuse (``EntitlementExceeded``) an account the user's plan has no room for.

    An account already stored and not revoked is a reconnect, not a new account. A new
    one, or a revoked one coming back, needs the platform in the plan and a free place
    there. Call inside the transaction that stores the account: the check locks the
    user's entitlement row until it commits, so two connects racing for the last place
    are counted one after the other.
    """
    stored = Integration.objects.filter(
        user_id=user.pk, provider=provider, external_account_id=external_account_id
    ).exclude(status=Status.REVOKED)
    if stored.exists():
        return
    check_new_account(
        user,
        provider,
        # The account itself is not counted: a racing connect of the same one is a reconnect.
        count_connected=lambda: connected_count(
            user, provider, excluding_account=external_account_id
        ),
    )


def store_connection(
    identity: dict, *, grant: Credentials, account: ConnectedAccount
) -> tuple[Integration, bool]:
    """``save_connection``'s write, once the plan allowed it."""
    user, provider = identity["user"], identity["provider"]
    try:
        with transaction.atomic():
            integration, created = Integration.objects.get_or_create(**identity)
    except IntegrityError:  # a concurrent callback created it first: update that row
        integration, created = Integration.objects.get(**identity), False
    integration.display_name = account.display_name
    integration.account_options = {**integration.account_options, **account.account_options}
    integration.access_token = grant.access_token or integration.access_token
    integration.refresh_token = grant.refresh_token or integration.refresh_token
    integration.webhook_url = grant.webhook_url or integration.webhook_url
    integration.token_expires_at = grant.expires_at
    integration.scopes = grant.scopes
    if integration.status != Status.PAUSED:
        integration.status = Status.ACTIVE
    integration.last_error = ""
    integration.last_error_at = None
    integration.rate_limited_until = None
    integration.save()
    logger.info(
        "%s %s integration %s for user %s.",
        "Connected" if created else "Reconnected",
        provider,
        integration.pk,
        user.pk,
    )
    return integration, created


def redacted_errors(connect):
    """Mask the tokens ``connect`` was given in its logs and in the ``OAuthError`` it raises.

    A platform may quote a token it refuses; the message goes back to the
    person who typed it, into the API's 400 answer and the admin page.
    """

    @functools.wraps(connect)
    def run(**fields):
        typed = [fields.get(name) for name in ("access_token", "refresh_token", "webhook_url")]
        with redacting(*typed):
            try:
                return connect(**fields)
            except OAuthError as error:
                error.args = (redact(str(error)),)
                raise error from None

    return run


@redacted_errors
def connect_with_tokens(
    *,
    user,
    provider: str,
    access_token: str = "",
    refresh_token: str = "",
    webhook_url: str = "",
    channel_id: str = "",
    expires_at: dt.datetime | None = None,
) -> tuple[Integration, bool]:
    """Connect an account from tokens entered by hand, after the platform confirms them.

    Discord takes a webhook URL, or a bot token and a channel id. Raises
    ``OAuthError`` with the platform's answer when the tokens do not work.
    """
    module = provider_module(provider)
    check_token_characters(
        {
            getattr(module, "ACCESS_TOKEN_NAME", "access token"): access_token,
            "refresh token": refresh_token,
            "webhook URL": webhook_url,
            "channel id": channel_id,
        }
    )
    grant = Credentials(
        access_token=access_token,
        refresh_token=refresh_token,
        webhook_url=webhook_url,
        expires_at=expires_at,
    )
    account_from_tokens = getattr(module, "account_from_tokens", None)
    if account_from_tokens is not None:
        account = account_from_tokens(grant, channel_id=channel_id)
    elif not access_token:
        raise OAuthError(f"{module.NAME} needs an access token.")
    else:
        account = module.fetch_account(grant)
    return save_connection(user=user, provider=provider, grant=grant, account=account)


def hand_connect(provider: str) -> ConnectByHand | None:
    """How ``provider`` connects from typed values, if it does (its ``CONNECT_BY_HAND``)."""
    return getattr(provider_module(provider), "CONNECT_BY_HAND", None)


def typed_fields() -> list[TypedField]:
    """Every field some provider asks to be typed, each name once (the API accepts them all)."""
    fields: dict[str, TypedField] = {}
    for module in providers().values():
        spec = getattr(module, "CONNECT_BY_HAND", None)
        for typed in spec.fields if spec else ():
            fields.setdefault(typed.name, typed)
    return list(fields.values())


TOKEN_FIELDS = ("access_token", "refresh_token", "webhook_url")


def typed_by_hand(spec: ConnectByHand, fields: dict) -> bool:
    """Whether a request connects by hand: it has the provider's secret, or no token at all."""
    return any(fields.get(f.name) for f in spec.fields if f.secret) or not any(
        fields.get(name) for name in TOKEN_FIELDS
    )


def connect_by_hand(*, user, provider: str, values: dict[str, str]) -> tuple[Integration, bool]:
    """Connect an account from the values its provider declares (``CONNECT_BY_HAND``).

    The provider turns them into a grant, checked with the platform, and only
    that grant is stored: a typed password never is. The typed secrets are masked
    in the logs meanwhile and in the ``OAuthError`` raised.
    """
    module = provider_module(provider)
    spec = hand_connect(provider)
    if spec is None:
        raise OAuthError(f"{module.NAME} does not connect with values typed by hand.")
    typed = {f.name: (values.get(f.name) or "").strip() for f in spec.fields}
    with redacting(*spec.secrets(typed)):
        try:
            missing = [f.label for f in spec.fields if f.required and not typed[f.name]]
            if missing:
                raise OAuthError(f"{module.NAME} needs: {', '.join(missing)}.")
            check_token_characters({f.label.lower(): typed[f.name] for f in spec.fields})
            grant, account = spec.connect(typed)
        except OAuthError as error:
            error.args = (redact(str(error)),)
            raise error from None
    return save_connection(user=user, provider=provider, grant=grant, account=account)


def check_token_characters(values: dict[str, str]) -> None:
    """Tokens, webhook URLs and ids are visible ASCII; anything else was pasted with junk.

    A line break or a character Latin-1 cannot encode would only fail later, in
    the HTTP header. The message names the field, never the value.
    """
    for name, value in values.items():
        if not all("!" <= character <= "~" for character in value):
            raise OAuthError(
                f"The {name} may only hold printable ASCII characters, without spaces, line "
                "breaks or control characters: check that it was copied whole."
            )


# --- Lifecycle ------------------------------------------------------------------------


def pause_integration(integration: Integration) -> Integration:
    """Stop publishing through an active account; due posts wait until it is resumed."""
    return move_status(
        integration, Status.ACTIVE, Status.PAUSED, "Only an active account can be paused"
    )


def resume_integration(integration: Integration) -> Integration:
    """Publish through a paused account again; the posts it held are due at once."""
    move_status(integration, Status.PAUSED, Status.ACTIVE, "Only a paused account can be resumed")
    integration_released.send(sender=Integration, integration=integration)
    return integration


def move_status(integration: Integration, current: str, new: str, refusal: str) -> Integration:
    """Compare-and-set ``current`` -> ``new``; ``IntegrationError`` naming the real status."""
    changed = Integration.objects.filter(pk=integration.pk, status=current).update(
        status=new, updated_at=timezone.now()
    )
    integration.refresh_from_db()
    if not changed:
        raise IntegrationError(
            f"{refusal}; {integration} is {integration.get_status_display().lower()}."
        )
    return integration


def revoke_arguments(module, integration: Integration) -> dict:
    """``client=`` for a per-server provider (its revocation needs the client's secret)."""
    if not is_per_server(module):
        return {}
    server = integration.account_options.get("server", "")
    kept = RegisteredClient.objects.filter(provider=integration.provider, server=server).first()
    if kept is None:
        raise OAuthError(f"{module.NAME} has no client of Herald's on {server or 'its server'}.")
    return {
        "client": ServerClient(
            server=server, client_id=kept.client_id, client_secret=kept.client_secret
        )
    }


@dataclass(frozen=True)
class Revoked:
    integration: Integration
    platform_message: str  # what happened at the platform, in words


def revoke_integration(integration: Integration) -> Revoked:
    """Revoke at the platform where it has an endpoint, then forget the tokens.

    The account is revoked in Herald even when the platform's call fails: the
    failure is recorded as the last error, so the operator knows to remove
    Herald in the platform's own settings.
    """
    if integration.status == Status.REVOKED:
        raise IntegrationError(f"{integration} is already revoked.")
    module = provider_module(integration.provider)
    grant = Credentials(
        access_token=integration.access_token or "",
        refresh_token=integration.refresh_token or "",
        webhook_url=integration.webhook_url or "",
    )
    error = ""
    if module.revoke is None:
        platform_message = (
            f"{module.NAME} has no revocation endpoint: remove Herald in the account's "
            "settings too."
        )
    elif not (grant.access_token or grant.refresh_token or grant.webhook_url):
        platform_message = "No token was stored, so there was nothing to revoke at the platform."
    else:
        # The platform's refusal may quote the token: masked in logs and in the message.
        with redacting(grant.access_token, grant.refresh_token, grant.webhook_url):
            try:
                module.revoke(grant, **revoke_arguments(module, integration))
                platform_message = f"{module.NAME} revoked the access."
            except OAuthError as failure:
                error = redact(
                    f"Revoked in Herald, but {failure} Remove Herald in the account's settings."
                )
                platform_message = error
    now = timezone.now()
    integration.status = Status.REVOKED
    integration.access_token = None
    integration.refresh_token = None
    integration.webhook_url = None
    integration.token_expires_at = None
    if error:
        integration.last_error, integration.last_error_at = error, now
    integration.save()
    integration_released.send(sender=Integration, integration=integration)
    return Revoked(integration=integration, platform_message=platform_message)
