"""Start a connect flow, and finish it when the provider sends the browser back.

The ``state`` sent to the provider is a random value stored with the user who
started the flow (an ``OAuthState`` row), and with the browser that runs it:

* The API answers Herald's own start URL. The first browser to open it binds
  the flow (the row keeps a hash of a random secret that only that browser
  holds, in a cookie) and goes on to the provider; another browser is refused.
* The admin's connect button binds the operator's browser at once.
* The callback accepts the state only with that browser's cookie, once,
  before it expires, for its own provider only.

So an authorization URL that leaks, or a callback URL replayed in another
browser, cannot connect the consenting account to the user who started.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from integrations.models import Integration, OAuthState, RegisteredClient
from integrations.oauth import (
    client_settings,
    is_configured,
    missing_settings,
    provider_module,
    providers,
)
from integrations.services import save_connection
from platforms.oauth import (
    OAuthError,
    ProviderNotConfigured,
    ServerClient,
    callback_error_message,
    code_challenge,
    connects_by_redirect,
    is_per_server,
    new_code_verifier,
)


class StateRefused(OAuthError):
    """The ``state`` is unknown, used, expired, not this provider's, or not this browser's."""


REFUSAL = (
    "This connection attempt could not be verified (the state does not match one Herald "
    "started in this browser, was already used, or expired). Nothing was connected; start again."
)
COOKIE_PREFIX = "herald_oauth_"


@dataclass(frozen=True)
class ProviderStatus:
    provider: str
    name: str
    configured: bool
    missing_settings: tuple[str, ...]
    # The provider has one server per account: the person names it before the redirect.
    asks_for_server: bool = False
    suggested_server: str = ""  # filled in on the connect page (the sandbox's, when it is on)


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
            configured=is_configured(provider),
            missing_settings=missing_settings(provider),
            asks_for_server=is_per_server(module),
            suggested_server=module.suggested_server() if is_per_server(module) else "",
        )
        for provider, module in providers().items()
    ]


def callback_url(provider: str) -> str:
    return f"{settings.SITE_URL}{reverse('integrations:oauth-callback', args=[provider])}"


def safe_return_to(return_to: str) -> str:
    """Only a path on this site: a connect link must not become an open redirect."""
    if return_to and url_has_allowed_host_and_scheme(return_to, allowed_hosts=None):
        return return_to if return_to.startswith("/") else ""
    return ""


@dataclass(frozen=True)
class BrowserBinding:
    """A flow bound to a browser: the cookie it keeps, and the provider page to send it to."""

    authorization_url: str
    cookie_name: str
    cookie_value: str
    cookie_path: str
    max_age: int


def start_url(provider: str, state: str) -> str:
    """Herald's own authorization URL: the first browser to open it runs the flow."""
    path = reverse("integrations:oauth-start", args=[provider])
    return f"{settings.SITE_URL}{path}?{urlencode({'state': state})}"


def binding_cookie_name(state: str) -> str:
    """One cookie per flow, named after its state (hashed: the state comes from a URL)."""
    return COOKIE_PREFIX + hashlib.sha256(state.encode()).hexdigest()[:16]


def binding_cookie_path(provider: str) -> str:
    """The provider's folder, which holds both the start URL and the callback."""
    return reverse("integrations:oauth-start", args=[provider]).removesuffix("start/")


def binding_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_state(
    *, user, provider: str, return_to: str, browser_binding: str, server: str = ""
) -> OAuthState:
    """A new flow; for a per-server provider, ``server`` is checked and given a client first."""
    module = provider_module(provider)
    if not connects_by_redirect(module):
        by_hand = getattr(module, "CONNECT_BY_HAND", None)
        raise OAuthError(
            f"{module.NAME} has no redirect flow: connect it by hand"
            + (f" ({by_hand.title})." if by_hand else ".")
        )
    if not is_configured(provider):
        missing = " and ".join(client_settings(provider))
        raise ProviderNotConfigured(
            f"{module.NAME} is not configured: set {missing} in the environment."
        )
    if is_per_server(module):
        server = module.server_from_input(server)
        server_client(provider, server)
    else:
        server = ""
    return OAuthState.objects.create(
        state=secrets.token_urlsafe(32),
        user=user,
        provider=provider,
        code_verifier=new_code_verifier() if module.USES_PKCE else "",
        redirect_uri=callback_url(provider),
        server=server,
        return_to=safe_return_to(return_to),
        browser_binding=browser_binding,
    )


def server_client(provider: str, server: str) -> ServerClient:
    """Herald's client on ``server``: the one kept, else registered there now and kept.

    The registration names Herald's one callback URL, the same for every flow.
    """
    kept = RegisteredClient.objects.filter(provider=provider, server=server).first()
    if kept is None:
        registered = provider_module(provider).register_client(
            server=server, redirect_uri=callback_url(provider)
        )
        try:
            with transaction.atomic():
                kept = RegisteredClient.objects.create(
                    provider=provider,
                    server=server,
                    client_id=registered.client_id,
                    client_secret=registered.client_secret,
                )
        except IntegrityError:  # a concurrent flow registered one first: use that one
            kept = RegisteredClient.objects.get(provider=provider, server=server)
    return ServerClient(server=server, client_id=kept.client_id, client_secret=kept.client_secret)


def client_arguments(provider: str, server: str) -> dict:
    """``client=`` for a per-server provider's calls; nothing for the others."""
    if not is_per_server(provider_module(provider)):
        return {}
    return {"client": server_client(provider, server)}


def binding_for(state: OAuthState, secret: str) -> BrowserBinding:
    verifier = state.code_verifier
    authorization_url = provider_module(state.provider).authorization_url(
        state=state.state,
        redirect_uri=state.redirect_uri,
        code_challenge=code_challenge(verifier) if verifier else "",
        **client_arguments(state.provider, state.server),
    )
    return BrowserBinding(
        authorization_url=authorization_url,
        cookie_name=binding_cookie_name(state.state),
        cookie_value=secret,
        cookie_path=binding_cookie_path(state.provider),
        max_age=settings.OAUTH_STATE_MAX_AGE,
    )


def start_connect(*, user, provider: str, return_to: str = "", server: str = "") -> str:
    """Record a new state for ``user`` and return Herald's start URL for it (for the API).

    No browser is bound yet: the first one to open the URL is. ``server``: the
    account's server, for a provider that asks for one (ignored by the others).
    """
    state = create_state(
        user=user, provider=provider, return_to=return_to, browser_binding="", server=server
    )
    return start_url(provider, state.state)


def start_connect_in_browser(
    *, user, provider: str, return_to: str = "", server: str = ""
) -> BrowserBinding:
    """Record a new state for ``user``, bound to the browser asking (the admin's button)."""
    secret = secrets.token_urlsafe(32)
    state = create_state(
        user=user,
        provider=provider,
        return_to=return_to,
        browser_binding=binding_hash(secret),
        server=server,
    )
    return binding_for(state, secret)


def open_state(provider: str, value: str, *, browser_user) -> OAuthState:
    """The unused, unexpired state ``value`` of ``provider``; ``StateRefused`` otherwise.

    A browser logged in to Herald as another user than the one who started is refused too.
    """
    if not value:
        raise StateRefused(REFUSAL)
    oldest = timezone.now() - dt.timedelta(seconds=settings.OAUTH_STATE_MAX_AGE)
    state = (
        OAuthState.objects.select_related("user")
        .filter(state=value, provider=provider, used_at__isnull=True, created_at__gte=oldest)
        .first()
    )
    if state is None:
        raise StateRefused(REFUSAL)
    if browser_user is not None and browser_user.is_authenticated and browser_user != state.user:
        raise StateRefused(REFUSAL)
    return state


def holds_binding(state: OAuthState, browser_secret: str) -> bool:
    return bool(state.browser_binding and browser_secret) and secrets.compare_digest(
        state.browser_binding, binding_hash(browser_secret)
    )


def bind_browser(
    *, provider: str, value: str, browser_secret: str = "", browser_user=None
) -> BrowserBinding:
    """The start URL opened: bind the flow to this browser, or refuse another one.

    The browser that bound the flow may open the URL again (a reload); any other
    browser is refused, so a start URL that leaks after use is worth nothing.
    """
    state = open_state(provider, value, browser_user=browser_user)
    if holds_binding(state, browser_secret):
        return binding_for(state, browser_secret)
    if state.browser_binding:
        raise StateRefused(REFUSAL)
    secret = secrets.token_urlsafe(32)
    # Compare-and-set: of two browsers opening the URL at once, one wins.
    bound = OAuthState.objects.filter(pk=state.pk, browser_binding="").update(
        browser_binding=binding_hash(secret)
    )
    if bound != 1:
        raise StateRefused(REFUSAL)
    return binding_for(state, secret)


def claim_state(
    provider: str, value: str, *, browser_user=None, browser_secret: str = ""
) -> OAuthState:
    """The state row for this callback, marked used; ``StateRefused`` otherwise (CSRF check).

    Another browser is refused before the state is used, so it cannot spoil the
    flow for the browser that runs it.
    """
    state = open_state(provider, value, browser_user=browser_user)
    if not holds_binding(state, browser_secret):
        raise StateRefused(REFUSAL)
    # Compare-and-set: of two callbacks racing with one state, one wins.
    claimed = OAuthState.objects.filter(pk=state.pk, used_at__isnull=True).update(
        used_at=timezone.now()
    )
    if claimed != 1:
        raise StateRefused(REFUSAL)
    return state


def complete_connect(
    *, provider: str, params, browser_user=None, browser_secret: str = ""
) -> Connected:
    """Check the state and the browser, exchange the code, name the account, save it.

    ``params`` is the callback's query string, ``browser_secret`` the value of
    the flow's cookie. Raises ``OAuthError`` with a message for the person
    connecting; nothing is saved then.
    """
    module = provider_module(provider)
    state = claim_state(
        provider,
        params.get("state", ""),
        browser_user=browser_user,
        browser_secret=browser_secret,
    )
    error = params.get("error")
    if error:
        raise OAuthError(
            callback_error_message(module.NAME, error, params.get("error_description", ""))
        )
    code = params.get("code")
    if not code:
        raise OAuthError(f"{module.NAME} sent no authorization code back; start again.")
    grant = module.exchange_code(
        code=code,
        redirect_uri=state.redirect_uri,
        code_verifier=state.code_verifier,
        **client_arguments(provider, state.server),
    )
    account = module.fetch_account(grant)
    integration, created = save_connection(
        user=state.user, provider=provider, grant=grant, account=account
    )
    return Connected(integration=integration, created=created, return_to=state.return_to)
