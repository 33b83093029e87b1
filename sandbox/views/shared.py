"""What every emulated platform does the same way: tokens, ids, latency, failures, bodies."""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import secrets
import time
from collections.abc import Callable, Iterable
from time import sleep
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from sandbox.models import SandboxPost

View = Callable[..., HttpResponse]

TOKEN_PREFIX = "sandbox-"
# Milliseconds from the Unix epoch to X's and Discord's snowflake epochs.
TWITTER_EPOCH_MS = 1288834974657
DISCORD_EPOCH_MS = 1420070400000

_system_random = secrets.SystemRandom()


# --- Tokens ---------------------------------------------------------------------------


def account_for_token(token: str | None) -> str | None:
    """The account a sandbox token stands for, or None when the token is not one.

    ``sandbox-x-alice`` is the account ``x-alice``. Tokens the sandbox issues on
    refresh append ``.<random>`` so that they differ yet name the same account.
    """
    if not token or not token.startswith(TOKEN_PREFIX):
        return None
    account = token.removeprefix(TOKEN_PREFIX).split(".", 1)[0].strip()
    return account or None


def issue_token(account: str) -> str:
    """A new token for ``account``, different from every earlier one."""
    return f"{TOKEN_PREFIX}{account}.{secrets.token_urlsafe(12)}"


def authorization_token(request: HttpRequest, scheme: str = "Bearer") -> str | None:
    """The credential of an ``Authorization: <scheme> <token>`` header, if present."""
    name, _, value = request.headers.get("Authorization", "").partition(" ")
    if name.lower() != scheme.lower():
        return None
    return value.strip() or None


# --- Ids ------------------------------------------------------------------------------


def snowflake(epoch_ms: int = TWITTER_EPOCH_MS) -> str:
    """A new time-ordered 64-bit id, shaped like X's and Discord's."""
    elapsed = int(time.time() * 1000) - epoch_ms
    return str((elapsed << 22) | secrets.randbits(22))


def stable_snowflake(seed: str) -> str:
    """A snowflake-shaped id that is always the same for the same seed."""
    number = int(hashlib.sha256(seed.encode()).hexdigest()[:16], 16)
    return str((number % (1 << 41)) << 22 | (number % (1 << 22)))


def random_digits(prefix: str, length: int = 17) -> str:
    """A new numeric id of ``length`` digits starting with ``prefix`` (Graph API ids)."""
    body = "".join(str(secrets.randbelow(10)) for _ in range(length - len(prefix)))
    return prefix + body


def stable_digits(seed: str, prefix: str, length: int = 17) -> str:
    """A numeric id that is always the same for the same seed."""
    number = int(hashlib.sha256(seed.encode()).hexdigest(), 16)
    return prefix + str(number)[: length - len(prefix)]


def stable_urlsafe(seed: str, length: int) -> str:
    """A URL-safe text id that is always the same for the same seed."""
    digest = base64.urlsafe_b64encode(hashlib.sha256(seed.encode()).digest()).decode()
    return digest[:length]


# --- Behaviour shared by every endpoint ----------------------------------------------


def simulate_latency() -> None:
    """Sleep SANDBOX_LATENCY_MS, so clients meet a network that takes time."""
    latency_ms = int(getattr(settings, "SANDBOX_LATENCY_MS", 0) or 0)
    if latency_ms > 0:
        sleep(latency_ms / 1000)  # module-level name: a test patches it here, not every thread's


def should_fail() -> bool:
    """True for a SANDBOX_FAILURE_RATE share of requests: a simulated outage."""
    rate = float(getattr(settings, "SANDBOX_FAILURE_RATE", 0) or 0)
    return rate > 0 and _system_random.random() < min(rate, 1.0)


def emulated_endpoint(
    methods: Iterable[str], transient_error: Callable[[HttpRequest], HttpResponse]
) -> Callable[[View], View]:
    """Make ``view`` an API endpoint: no CSRF, given methods, latency, random outages.

    The outage is answered before the view runs, so nothing is stored: a client
    that retries must not end up with two posts.
    """

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            simulate_latency()
            if should_fail():
                return transient_error(request)
            return view(request, *args, **kwargs)

        return csrf_exempt(require_http_methods(list(methods))(wrapper))

    return decorator


# --- Request bodies -------------------------------------------------------------------


def is_multipart(request: HttpRequest) -> bool:
    return request.content_type == "multipart/form-data"


def read_json_object(request: HttpRequest) -> dict[str, Any] | None:
    """The request body as a JSON object; None when it is not one."""
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


def request_params(request: HttpRequest) -> dict[str, str]:
    """Query string and form fields together, the form winning (Graph and X accept both)."""
    params = {key: request.GET.get(key, "") for key in request.GET}
    if request.method == "POST" and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        params.update({key: request.POST.get(key, "") for key in request.POST})
    return params


def describe_file(field: str, upload: UploadedFile) -> dict[str, Any]:
    """Size and checksum of an uploaded file: the sandbox keeps facts, not bytes."""
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    return {
        "field": field,
        "filename": upload.name or "",
        "content_type": upload.content_type or "application/octet-stream",
        "size": upload.size or 0,
        "sha256": digest.hexdigest(),
    }


def chain_digest(previous: str, chunk: bytes) -> str:
    """SHA-256 over the previous digest and the next chunk: a checksum built chunk by chunk."""
    return hashlib.sha256(previous.encode() + chunk).hexdigest()


def post_permalink(request: HttpRequest, post: SandboxPost) -> str:
    """The absolute address of the post's sandbox page, which stands in for the platform's."""
    return request.build_absolute_uri(post.get_absolute_url())
