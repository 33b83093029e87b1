"""Sign-in lockout (django-axes): whose attempts count, and what a locked-out client sees.

Every sign-in goes through ``django.contrib.auth.authenticate(request=...)``: the
admin login and ``POST /api/v1/auth/token/``. After ``AXES_FAILURE_LIMIT``
failures for one username, or from one address, axes refuses both for
``AXES_COOLOFF_TIME``, the right password included. The API answers that in its
own error shape (api/auth_views.py); every other page gets ``lockout_response``.
"""

from __future__ import annotations

import ipaddress
import math

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def cool_off_seconds() -> int:
    """How long a lockout lasts after the latest failure (the Retry-After of a lockout)."""
    return math.ceil(settings.AXES_COOLOFF_TIME.total_seconds())


def lockout_message() -> str:
    minutes = math.ceil(cool_off_seconds() / 60)
    return (
        "Too many failed sign-in attempts for this account or from this address. "
        f"Try again in {minutes} minute{'s' if minutes != 1 else ''}."
    )


def client_ip_address(request: HttpRequest) -> str | None:
    """The client's address, as ``TRUSTED_PROXY_COUNT`` says to read it.

    With no proxy in front, the connection's address: a header the client
    writes cannot move it. Behind N proxies, the address the outermost of them
    saw, counted from the right of X-Forwarded-For (the part the proxies wrote),
    as DRF's ``NUM_PROXIES`` does; anything that is not an address falls back
    to the connection's.
    """
    remote_address = request.META.get("REMOTE_ADDR")
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [hop for hop in forwarded if hop]
    if not proxies or not forwarded:
        return remote_address
    candidate = forwarded[-min(proxies, len(forwarded))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote_address


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: the admin login's lockout page, 429 with Retry-After."""
    context = {
        **admin.site.each_context(request),
        "title": "Sign-in locked",
        "message": lockout_message(),
    }
    response = render(
        request, "admin/lockout.html", context, status=settings.AXES_HTTP_RESPONSE_CODE
    )
    response["Retry-After"] = str(cool_off_seconds())
    return response
