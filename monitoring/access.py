"""Who may read /metrics: Prometheus with the bearer token, or a staff operator's session."""

from __future__ import annotations

import enum
import secrets

from django.conf import settings
from django.http import HttpRequest


class Access(enum.Enum):
    GRANTED = "granted"
    UNAUTHENTICATED = "unauthenticated"  # 401: no or wrong token, no session
    FORBIDDEN = "forbidden"  # 403: logged in, but not staff


def bearer_token(request: HttpRequest) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def token_matches(token: str) -> bool:
    """Constant-time comparison; an empty METRICS_TOKEN turns token access off."""
    expected = settings.METRICS_TOKEN
    return bool(expected and token) and secrets.compare_digest(
        token.encode("utf-8"), expected.encode("utf-8")
    )


def metrics_access(request: HttpRequest) -> Access:
    if token_matches(bearer_token(request)):
        return Access.GRANTED
    user = request.user
    if user.is_authenticated and user.is_active and user.is_staff:
        return Access.GRANTED
    return Access.FORBIDDEN if user.is_authenticated else Access.UNAUTHENTICATED
