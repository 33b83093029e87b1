"""The one HTTP client of the platform modules, and the errors every platform shares.

One ``requests.Session`` per thread (connection reuse), Herald's User-Agent and the
connect/read timeouts from settings. Every failure of ``requests`` becomes one of the
engine's own errors, with a message that never carries a header value, a token or a
query string. Every call is announced on ``request_timed`` (platform, outcome,
seconds), which the metrics app turns into ``herald_platform_request_duration_seconds``.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import functools
import os
import threading
import time
from http.cookiejar import DefaultCookiePolicy
from urllib.parse import urlsplit, urlunsplit

import requests
from django.conf import settings
from django.dispatch import Signal
from django.utils import timezone

from platforms import registry
from platforms.base import Credentials, PermanentError, TransientError

_local = threading.local()

# Raised while ``requests`` builds the request, before anything goes out: a header
# value with a line break or a character Latin-1 cannot encode (a token pasted with
# junk), a URL without a scheme or a host, a body that is not JSON.
UNSENDABLE = (
    requests.exceptions.InvalidHeader,
    requests.exceptions.InvalidURL,
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidSchema,
    requests.exceptions.URLRequired,
    requests.exceptions.InvalidJSONError,
    UnicodeError,
)

# Sent after every request: ``platform`` (None when the caller's label names no
# registered platform), ``outcome`` ("timeout", "network", or None for an answer),
# ``status_code`` (None without an answer) and ``seconds``.
request_timed = Signal()


def announce(platform: str | None, seconds: float, *, outcome=None, status_code=None) -> None:
    request_timed.send(
        sender=None, platform=platform, outcome=outcome, status_code=status_code, seconds=seconds
    )


class PlatformSession(requests.Session):
    """A ``requests`` session that keeps no cookies and reads the environment once per host.

    With ``trust_env`` on, ``requests`` scans every environment variable for proxy
    settings on each request (and looks for a .netrc file): in a burst that scan
    was the largest single CPU cost of a platform call. Here the same answers
    (``*_proxy``/``no_proxy``, ``REQUESTS_CA_BUNDLE``) are read once per scheme and
    host and passed explicitly. A .netrc never supplies credentials to a platform
    call: every platform module sends its own.
    """

    def __init__(self) -> None:
        super().__init__()
        self.trust_env = False
        # A thread's one session serves every account it publishes for: a cookie set in
        # one account's answer must never go out with another's request. No platform
        # API Herald calls needs a cookie (each request carries its own credentials).
        self.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        self.verify = (
            os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        )

    def request(self, method, url, *args, **kwargs):
        if kwargs.get("proxies") is None:
            kwargs["proxies"] = environment_proxies(origin_of(url))
        return super().request(method, url, *args, **kwargs)


def origin_of(url) -> str:
    """``scheme://host[:port]`` of ``url``: what the proxy settings depend on."""
    if isinstance(url, bytes):
        url = url.decode("utf-8", "replace")
    parts = urlsplit(str(url))
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


@functools.lru_cache(maxsize=1024)
def _environment_proxies(origin: str) -> tuple[tuple[str, str], ...]:
    return tuple(requests.utils.get_environ_proxies(origin).items())


def environment_proxies(origin: str) -> dict[str, str]:
    """The proxies the environment names for ``origin`` (none when ``no_proxy`` covers it)."""
    return dict(_environment_proxies(origin))


def session() -> requests.Session:
    """A session per thread: requests sessions are not documented as thread-safe."""
    if getattr(_local, "session", None) is None:
        _local.session = PlatformSession()
    return _local.session


def requests_sent() -> int:
    """How many requests this thread has started so far.

    The engine reads it before and after a platform call: an attempt whose
    count did not move sent nothing, so it cannot have published anything.
    """
    return getattr(_local, "requests_sent", 0)


def note_request() -> None:
    """Count a request that is about to leave (it may fail on the way: counted all the same)."""
    _local.requests_sent = requests_sent() + 1


def safe_url(url: str) -> str:
    """``url`` without its query string (which may hold an access token) or user info."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
    except ValueError:  # a bracketed host or a port that does not parse
        return "(a URL that does not parse)"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def send(label: str, method: str, url: str, **kwargs) -> requests.Response:
    """Send one request; network trouble and 5xx answers raise ``TransientError``.

    ``maybe_sent`` says whether the platform may have acted: a refused
    connection or a connect timeout never reached it; a read timeout, a
    dropped connection or a broken answer may have. A request that cannot
    even be built (a header with a line break) raises ``PermanentError``: it
    never went out, and trying again cannot help.
    """
    kwargs.setdefault("timeout", settings.PLATFORM_HTTP_TIMEOUT)
    kwargs["headers"] = {
        "User-Agent": settings.PLATFORM_USER_AGENT,
        **(kwargs.get("headers") or {}),
    }
    where = f"{method} {safe_url(url)}"
    platform = registry.platform_of_label(label)
    started = time.monotonic()
    note_request()
    try:
        response = session().request(method, url, **kwargs)
    except requests.ConnectTimeout:
        announce(platform, time.monotonic() - started, outcome="timeout")
        raise TransientError(f"{label}: connection timed out ({where})", code="timeout") from None
    except requests.ReadTimeout:
        announce(platform, time.monotonic() - started, outcome="timeout")
        raise TransientError(
            f"{label}: no answer in time ({where})", code="timeout", maybe_sent=True
        ) from None
    except requests.Timeout:  # neither a connect nor a read timeout: it may have gone out
        announce(platform, time.monotonic() - started, outcome="timeout")
        raise TransientError(
            f"{label}: timed out ({where})", code="timeout", maybe_sent=True
        ) from None
    except requests.ConnectionError as error:
        announce(platform, time.monotonic() - started, outcome="network")
        never_connected = "NewConnectionError" in repr(error) or "NameResolution" in repr(error)
        raise TransientError(
            f"{label}: could not connect ({where})"
            if never_connected
            else f"{label}: the connection dropped ({where})",
            code="network",
            maybe_sent=not never_connected,
        ) from None
    except UNSENDABLE as error:
        # Nothing went out, and sending it again cannot work. The exception's own text
        # quotes the offending header value or URL, so it is described, never shown.
        raise PermanentError(
            f"{label}: the request could not be built: {unsendable_reason(error)} ({where})",
            code="unsendable_request",
        ) from None
    except requests.TooManyRedirects:
        announce(platform, time.monotonic() - started, outcome="network")
        raise TransientError(
            f"{label}: too many redirects ({where})", code="network", maybe_sent=True
        ) from None
    except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError):
        # The platform answered, so it had the request, but the answer came back broken.
        announce(platform, time.monotonic() - started, outcome="network")
        raise TransientError(
            f"{label}: the answer arrived broken ({where})", code="network", maybe_sent=True
        ) from None
    except requests.RequestException as error:
        announce(platform, time.monotonic() - started, outcome="network")
        raise TransientError(
            f"{label}: the request failed ({type(error).__name__}) ({where})",
            code="network",
            maybe_sent=True,
        ) from None
    announce(platform, time.monotonic() - started, status_code=response.status_code)
    if response.status_code >= 500:
        raise TransientError(
            f"{label} answered {response.status_code} ({where})",
            code=f"http_{response.status_code}",
            # A gateway timeout may hide a request the platform carried out.
            maybe_sent=response.status_code in (502, 504),
        )
    return response


def unsendable_reason(error: Exception) -> str:
    """What was wrong with a request ``requests`` refused to build, without quoting it."""
    if isinstance(error, requests.exceptions.InvalidHeader | UnicodeError):
        return "a header holds a line break or a character HTTP headers cannot carry"
    if isinstance(error, requests.exceptions.InvalidJSONError):
        return "the body cannot be written as JSON"
    return "the URL is not a valid http(s) URL"


def json_body(response: requests.Response) -> dict:
    """The JSON object of an answer, or {} when it has none."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {"data": body}


def retry_after(response: requests.Response, default: dt.timedelta) -> dt.datetime:
    """When to try again, from ``Retry-After`` (seconds or an HTTP date), else ``default``."""
    now = timezone.now()
    value = response.headers.get("Retry-After", "").strip()
    if value:
        try:
            return now + dt.timedelta(seconds=float(value))
        except (ValueError, OverflowError):  # "soon", "nan", "1e20": not a usable delay
            pass
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):  # neither seconds nor an HTTP date
            parsed = None
        if parsed is not None:
            # "-0000" means UTC with the zone unknown, which parses to a naive datetime.
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    return now + default


def epoch_to_datetime(value: str | int | float | None, default: dt.datetime) -> dt.datetime:
    try:
        return dt.datetime.fromtimestamp(float(value), tz=dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):  # "inf", "1e20": out of range
        return default


def renewed(credentials: Credentials, token_answer: dict, default_lifetime: int) -> Credentials:
    """The credentials after an OAuth token answer (``access_token``, ``expires_in``, ...).

    A provider that sends no new refresh token keeps the old one valid.
    """
    lifetime = int(token_answer.get("expires_in") or default_lifetime)
    return Credentials(
        access_token=token_answer["access_token"],
        refresh_token=token_answer.get("refresh_token") or credentials.refresh_token,
        expires_at=timezone.now() + dt.timedelta(seconds=lifetime),
        account=credentials.account,
        integration_id=credentials.integration_id,
    )
