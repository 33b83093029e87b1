"""Connect pages: choose a provider, go to its consent page, come back to the callback.

Thin: the flow is integrations/oauth/flow.py, the writes integrations/services.py.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from entitlements.services import EntitlementExceeded
from integrations import services
from integrations.oauth import provider_module
from integrations.oauth.flow import (
    BrowserBinding,
    StateRefused,
    bind_browser,
    binding_cookie_name,
    binding_cookie_path,
    complete_connect,
    provider_statuses,
    start_connect_in_browser,
)
from platforms.oauth import OAuthError, connects_by_redirect

logger = logging.getLogger(__name__)


def integrations_list_url() -> str:
    return reverse("admin:integrations_integration_changelist")


def page_context(request, title: str, **extra) -> dict:
    """The admin's own context, so the pages look and navigate like the rest of the admin."""
    return {**admin.site.each_context(request), "title": title, **extra}


@staff_member_required
@permission_required("integrations.manage_integration", raise_exception=True)
@require_GET
def connect_index(request):
    """Every provider, configured or not, with the ways it offers to connect an account."""
    rows = [
        {
            "status": status,
            "by_redirect": connects_by_redirect(provider_module(status.provider)),
            "by_hand": services.hand_connect(status.provider),
        }
        for status in provider_statuses()
    ]
    context = page_context(request, "Connect an account", providers=rows)
    return render(request, "integrations/connect.html", context)


@staff_member_required
@permission_required("integrations.manage_integration", raise_exception=True)
@require_POST
def connect_start(request, provider: str):
    try:
        binding = start_connect_in_browser(
            user=request.user,
            provider=provider,
            return_to=integrations_list_url(),
            server=request.POST.get("server", ""),
        )
    except OAuthError as error:
        messages.error(request, str(error))
        return redirect("integrations:connect")
    return to_provider(binding)


def to_provider(binding: BrowserBinding):
    """Off to the consent page, with the cookie that ties the flow to this browser.

    SameSite=Lax: the cookie comes back on the provider's top-level redirect to
    the callback, and on nothing another site sends in the background.
    """
    response = redirect(binding.authorization_url)
    response.set_cookie(
        binding.cookie_name,
        binding.cookie_value,
        max_age=binding.max_age,
        path=binding.cookie_path,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


def not_connected_page(request, provider: str, error: OAuthError | EntitlementExceeded):
    logger.info("Connect flow for %s ended without an account: %s", provider, error)
    if isinstance(error, EntitlementExceeded):
        status = 403  # the plan refuses it: nothing to retry until the plan changes
    else:
        status = 400 if isinstance(error, StateRefused) else 502 if error.transient else 400
    context = {
        "title": "The account was not connected",
        "message": str(error),
        "provider": provider,
        "back_url": integrations_list_url() if request.user.is_staff else "",
    }
    return render(request, "integrations/connect_result.html", context, status=status)


@never_cache
@require_GET
def oauth_start(request, provider: str):
    """The authorization URL the API hands out: the first browser to open it runs the flow."""
    state = request.GET.get("state", "")
    try:
        binding = bind_browser(
            provider=provider,
            value=state,
            browser_secret=request.COOKIES.get(binding_cookie_name(state), ""),
            browser_user=request.user,
        )
    except OAuthError as error:
        return not_connected_page(request, provider, error)
    return to_provider(binding)


@require_GET
def oauth_callback(request, provider: str):
    """Where the provider sends the browser back.

    The state names the user who started; the cookie, the browser that runs the flow.
    """
    cookie_name = binding_cookie_name(request.GET.get("state", ""))
    try:
        connected = complete_connect(
            provider=provider,
            params=request.GET,
            browser_user=request.user,
            browser_secret=request.COOKIES.get(cookie_name, ""),
        )
    except (OAuthError, EntitlementExceeded) as error:
        response = not_connected_page(request, provider, error)
    else:
        integration = connected.integration
        verb = "connected" if connected.created else "reconnected; its tokens were updated"
        message = f"{integration} is {verb}."
        if request.user.is_authenticated and request.user.is_staff and connected.return_to:
            messages.success(request, message)
            response = redirect(connected.return_to)
        else:
            context = {"title": "Account connected", "message": message, "ok": True}
            response = render(request, "integrations/connect_result.html", context)
    # The flow is over either way (or was never this browser's): the cookie has no more use.
    response.delete_cookie(cookie_name, path=binding_cookie_path(provider), samesite="Lax")
    return response


@staff_member_required
@permission_required("integrations.manage_integration", raise_exception=True)
@require_http_methods(["GET", "POST"])
def connect_by_hand(request, provider: str):
    """Connect with the values a provider asks to be typed: an app password, a bot token.

    A typed secret is never written back into the form.
    """
    try:
        spec = services.hand_connect(provider)
    except OAuthError:  # not a provider at all
        spec = None
    if spec is None:
        raise Http404("This platform does not connect with values typed by hand.")
    name = provider_module(provider).NAME
    error, status = "", 200
    if request.method == "POST":
        try:
            integration, created = services.connect_by_hand(
                user=request.user,
                provider=provider,
                values={f.name: request.POST.get(f.name, "") for f in spec.fields},
            )
        except OAuthError as failure:
            error, status = str(failure), 400
        except EntitlementExceeded as refusal:
            error, status = str(refusal), 403
        else:
            verb = "connected" if created else "reconnected"
            messages.success(request, f"{integration} is {verb}.")
            return redirect(integrations_list_url())
    fields = [
        {"field": f, "value": "" if f.secret else request.POST.get(f.name, "")} for f in spec.fields
    ]
    context = page_context(
        request, f"{name}: {spec.title}", error=error, spec=spec, fields=fields, provider_name=name
    )
    return render(request, "integrations/connect_by_hand.html", context, status=status)
