"""Connect pages: choose a provider, go to its consent page, come back to the callback.

Thin: the flow is integrations/oauth/flow.py, the writes integrations/services.py.
"""

from __future__ import annotations

import logging

from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from integrations.oauth import provider_module
from integrations.oauth.base import OAuthError
from integrations.oauth.flow import StateRefused, complete_connect, provider_statuses, start_connect
from integrations.services import connect_with_tokens

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
    """Every provider, configured or not, with a button to connect an account."""
    context = page_context(request, "Connect an account", providers=provider_statuses())
    return render(request, "integrations/connect.html", context)


@staff_member_required
@permission_required("integrations.manage_integration", raise_exception=True)
@require_POST
def connect_start(request, provider: str):
    try:
        url = start_connect(user=request.user, provider=provider, return_to=integrations_list_url())
    except OAuthError as error:
        messages.error(request, str(error))
        return redirect("integrations:connect")
    return redirect(url)


@require_GET
def oauth_callback(request, provider: str):
    """Where the provider sends the browser back; the state, not the session, names the user."""
    try:
        connected = complete_connect(
            provider=provider, params=request.GET, browser_user=request.user
        )
    except OAuthError as error:
        logger.info("Connect flow for %s ended without an account: %s", provider, error)
        status = 400 if isinstance(error, StateRefused) else 502 if error.transient else 400
        context = {
            "title": "The account was not connected",
            "message": str(error),
            "provider": provider,
            "back_url": integrations_list_url() if request.user.is_staff else "",
        }
        return render(request, "integrations/connect_result.html", context, status=status)
    integration = connected.integration
    verb = "connected" if connected.created else "reconnected; its tokens were updated"
    message = f"{integration} is {verb}."
    if request.user.is_authenticated and request.user.is_staff and connected.return_to:
        messages.success(request, message)
        return redirect(connected.return_to)
    context = {"title": "Account connected", "message": message, "ok": True}
    return render(request, "integrations/connect_result.html", context)


@staff_member_required
@permission_required("integrations.manage_integration", raise_exception=True)
@require_http_methods(["GET", "POST"])
def discord_bot(request):
    """Connect Discord with a bot token and a channel id instead of a webhook."""
    error = ""
    if request.method == "POST":
        try:
            integration, created = connect_with_tokens(
                user=request.user,
                provider="discord",
                access_token=request.POST.get("bot_token", "").strip(),
                channel_id=request.POST.get("channel_id", "").strip(),
            )
        except OAuthError as failure:
            error = str(failure)
        else:
            verb = "connected" if created else "reconnected"
            messages.success(request, f"{integration} is {verb} through the bot.")
            return redirect(integrations_list_url())
    context = page_context(
        request,
        "Connect Discord with a bot",
        error=error,
        channel_id=request.POST.get("channel_id", ""),
        provider_name=provider_module("discord").NAME,
    )
    return render(request, "integrations/discord_bot.html", context, status=400 if error else 200)
