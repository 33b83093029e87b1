"""Start a connect flow, and finish it when the provider sends the browser back.

The ``state`` sent to the provider is a random value stored with the user who
started the flow (an ``OAuthState`` row), so the callback needs no session: an
API client opens the authorization URL in any browser. A state is accepted
once, before it expires, for its own provider only.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from integrations.models import Integration, OAuthState
from integrations.oauth import CLIENT_SETTINGS, PROVIDERS, provider_module
from integrations.oauth.base import (
    OAuthError,
    ProviderNotConfigured,
    callback_error_message,
    code_challenge,
    new_code_verifier,
)
from integrations.services import save_connection


class StateRefused(OAuthError):
    """The callback's ``state`` is unknown, used, expired, or not this provider's."""


@dataclass(frozen=True)
class ProviderStatus:
    provider: str
    name: str
    configured: bool
    missing_settings: tuple[str, ...]


@dataclass(frozen=True)
class Connected:
    integration: Integration
    created: bool
    return_to: str


def provider_statuses() -> list[ProviderStatus]:
    """Every provider, and whether the environment configures it."""
    return [
        ProviderStatus(
            provider=provider,
            name=module.NAME,
            configured=module.is_configured(),
            missing_settings=tuple(
                name for name in CLIENT_SETTINGS[provider] if not getattr(settings, name)
            ),
        )
        for provider, module in PROVIDERS.items()
    ]


def callback_url(provider: str) -> str:
    return f"{settings.SITE_URL}{reverse('integrations:oauth-callback', args=[provider])}"


def safe_return_to(return_to: str) -> str:
    """Only a path on this site: a connect link must not become an open redirect."""
    if return_to and url_has_allowed_host_and_scheme(return_to, allowed_hosts=None):
        return return_to if return_to.startswith("/") else ""
    return ""


def start_connect(*, user, provider: str, return_to: str = "") -> str:
    """Record a new state for ``user`` and return the provider's authorization URL."""
    module = provider_module(provider)
    if not module.is_configured():
        missing = " and ".join(CLIENT_SETTINGS[provider])
        raise ProviderNotConfigured(
            f"{module.NAME} is not configured: set {missing} in the environment."
        )
    verifier = new_code_verifier() if module.USES_PKCE else ""
    state = OAuthState.objects.create(
        state=secrets.token_urlsafe(32),
        user=user,
        provider=provider,
        code_verifier=verifier,
        redirect_uri=callback_url(provider),
        return_to=safe_return_to(return_to),
    )
    return module.authorization_url(
        state=state.state,
        redirect_uri=state.redirect_uri,
        code_challenge=code_challenge(verifier) if verifier else "",
    )


def claim_state(provider: str, value: str, *, browser_user=None) -> OAuthState:
    """The state row for this callback, marked used; ``StateRefused`` otherwise (CSRF check)."""
    refused = StateRefused(
        "This connection attempt could not be verified (the state does not match one Herald "
        "started, was already used, or expired). Nothing was connected; start again."
    )
    if not value:
        raise refused
    oldest = timezone.now() - dt.timedelta(seconds=settings.OAUTH_STATE_MAX_AGE)
    state = (
        OAuthState.objects.select_related("user")
        .filter(state=value, provider=provider, used_at__isnull=True, created_at__gte=oldest)
        .first()
    )
    if state is None:
        raise refused
    if browser_user is not None and browser_user.is_authenticated and browser_user != state.user:
        raise refused
    # Compare-and-set: of two callbacks racing with one state, one wins.
    claimed = OAuthState.objects.filter(pk=state.pk, used_at__isnull=True).update(
        used_at=timezone.now()
    )
    if claimed != 1:
        raise refused
    return state


def complete_connect(*, provider: str, params, browser_user=None) -> Connected:
    """Check the state, exchange the code, name the account, and save the Integration.

    ``params`` is the callback's query string. Raises ``OAuthError`` with a
    message for the person connecting; nothing is saved then.
    """
    module = provider_module(provider)
    state = claim_state(provider, params.get("state", ""), browser_user=browser_user)
    error = params.get("error")
    if error:
        raise OAuthError(
            callback_error_message(module.NAME, error, params.get("error_description", ""))
        )
    code = params.get("code")
    if not code:
        raise OAuthError(f"{module.NAME} sent no authorization code back; start again.")
    grant = module.exchange_code(
        code=code, redirect_uri=state.redirect_uri, code_verifier=state.code_verifier
    )
    account = module.fetch_account(grant)
    integration, created = save_connection(
        user=state.user, provider=provider, grant=grant, account=account
    )
    return Connected(integration=integration, created=created, return_to=state.return_to)
