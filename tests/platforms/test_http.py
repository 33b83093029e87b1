"""The platform client maps every failure of ``requests`` to the engine's errors, in safe words."""

import datetime as dt
import logging

import pytest
import requests
from django.utils import timezone

from platforms import http
from platforms.base import PermanentError, TransientError

BASE = "https://api.x.test"
SECRET = "leaked-secret"
exceptions = requests.exceptions

# The exception's own text as ``requests`` or ``http.client`` words it: it quotes the
# header value or the URL, query string included.
HEADER = "a header holds a line break or a character HTTP headers cannot carry"
URL = "the URL is not a valid http(s) URL"
NEVER_SENT = [
    (
        exceptions.InvalidHeader(
            f"Invalid leading whitespace, reserved character(s), or return character(s) in "
            f"header value: 'Bearer token\r\nX-Leak: {SECRET}'"
        ),
        HEADER,
    ),
    (UnicodeEncodeError("latin-1", f"Bearer €{SECRET}", 7, 8, "ordinal not in range(256)"), HEADER),
    (exceptions.InvalidURL(f"Failed to parse: https://[api.x.test/?access_token={SECRET}"), URL),
    (exceptions.MissingSchema(f"Invalid URL 'api.x.test/?access_token={SECRET}': No scheme"), URL),
    (exceptions.InvalidSchema(f"No connection adapters were found for 'ftp://{SECRET}'"), URL),
    (exceptions.URLRequired(f"Invalid URL {SECRET!r}"), URL),
    (
        exceptions.InvalidJSONError(f"Object of type set is not JSON serializable: {SECRET}"),
        "the body cannot be written as JSON",
    ),
]
MAYBE_SENT = [
    exceptions.TooManyRedirects(f"Exceeded 30 redirects: {BASE}/?access_token={SECRET}"),
    exceptions.ChunkedEncodingError(f"Connection broken: {SECRET}"),
    exceptions.ContentDecodingError(f"Received response with content-encoding: gzip {SECRET}"),
    exceptions.Timeout(f"timed out: {SECRET}"),
    exceptions.ReadTimeout(f"read timed out: {SECRET}"),
    exceptions.RetryError(f"Max retries exceeded: {SECRET}"),
    exceptions.RequestException(f"something else: {SECRET}"),
    exceptions.ConnectionError(f"Connection aborted: RemoteDisconnected {SECRET}"),
]
NOT_SENT_TRANSIENT = [
    exceptions.ConnectTimeout(f"connect timed out: {SECRET}"),
    exceptions.ConnectionError(f"NewConnectionError: connection refused {SECRET}"),
]


def failing_send(api, error: Exception) -> Exception:
    api.get(f"{BASE}/2/users/me", body=error)
    with pytest.raises((PermanentError, TransientError)) as raised:
        http.send(
            "X",
            "GET",
            f"{BASE}/2/users/me",
            params={"access_token": SECRET},
            headers={"Authorization": f"Bearer {SECRET}"},
        )
    return raised.value


def assert_told_safely(error: Exception, caplog) -> None:
    """Neither the message nor a logged traceback carries the token or the query string."""
    assert SECRET not in str(error)
    assert "GET https://api.x.test/2/users/me" in str(error)
    with caplog.at_level(logging.INFO):
        try:
            raise error
        except (PermanentError, TransientError):
            logging.getLogger("tests").exception("The call failed")
    assert "The call failed" in caplog.text
    assert SECRET not in caplog.text


@pytest.mark.parametrize(
    ("cause", "reason"), NEVER_SENT, ids=[type(error).__name__ for error, _ in NEVER_SENT]
)
def test_a_request_that_cannot_be_built_is_a_permanent_error_never_sent(api, caplog, cause, reason):
    error = failing_send(api, cause)
    assert type(error) is PermanentError
    assert error.code == "unsendable_request"
    assert str(error) == (
        f"X: the request could not be built: {reason} (GET https://api.x.test/2/users/me)"
    )
    assert_told_safely(error, caplog)


@pytest.mark.parametrize("cause", MAYBE_SENT, ids=lambda error: type(error).__name__)
def test_a_failure_after_the_request_went_out_is_transient_and_maybe_sent(api, caplog, cause):
    error = failing_send(api, cause)
    assert type(error) is TransientError
    assert error.maybe_sent is True
    assert_told_safely(error, caplog)


@pytest.mark.parametrize("cause", NOT_SENT_TRANSIENT, ids=lambda error: type(error).__name__)
def test_a_connection_never_made_is_transient_and_not_sent(api, caplog, cause):
    error = failing_send(api, cause)
    assert type(error) is TransientError
    assert error.maybe_sent is False
    assert_told_safely(error, caplog)


@pytest.mark.parametrize(
    "token",
    [f"token\r\nX-Leak: {SECRET}", f"token\n{SECRET}", f"token\r{SECRET}"],
    ids=["CR/LF", "LF", "CR"],
)
def test_a_real_header_with_a_line_break_is_refused_before_anything_is_sent(api, caplog, token):
    """No mocked failure: ``requests`` itself refuses the header while preparing the request."""
    with pytest.raises(PermanentError) as raised:
        http.send("X", "GET", f"{BASE}/2/users/me", headers={"Authorization": f"Bearer {token}"})
    assert len(api.calls) == 0
    assert_told_safely(raised.value, caplog)


def test_a_url_that_does_not_parse_is_named_without_failing():
    assert http.safe_url("https://[api.x.test/path?access_token=x") == "(a URL that does not parse)"
    assert http.safe_url("https://api.x.test:99999/path") == "(a URL that does not parse)"
    assert http.safe_url("https://user:pw@api.x.test:8443/p?q=1") == "https://api.x.test:8443/p"


def test_platform_sessions_read_proxies_from_the_environment_once_per_host(monkeypatch):
    """No scan of the environment per request, and the same answers requests would give."""
    from platforms import http

    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("NO_PROXY", "bypassed.example")
    http._environment_proxies.cache_clear()
    try:
        assert http.environment_proxies("https://api.x.com")["https"] == (
            "http://proxy.internal:3128"
        )
        assert http.environment_proxies("https://bypassed.example") == {}
        monkeypatch.setenv("HTTPS_PROXY", "http://changed:1")
        # Read once per origin: a process's environment does not change under it.
        assert http.environment_proxies("https://api.x.com")["https"] == (
            "http://proxy.internal:3128"
        )
        assert http.origin_of("https://user:secret@api.x.com:8443/2/tweets?x=1") == (
            "https://api.x.com:8443"
        )
    finally:
        http._environment_proxies.cache_clear()
    assert http.PlatformSession().trust_env is False


def answer_with_retry_after(value: str) -> requests.Response:
    response = requests.Response()
    response.status_code = 429
    response.headers["Retry-After"] = value
    return response


@pytest.mark.parametrize("value", ["soon", "nan", "1e20", "inf", "Mon, 99 Foo 2026"])
def test_a_garbled_retry_after_falls_back_to_the_default(value):
    before = timezone.now()
    until = http.retry_after(answer_with_retry_after(value), dt.timedelta(minutes=5))
    assert before + dt.timedelta(minutes=5) <= until <= timezone.now() + dt.timedelta(minutes=5)


def test_retry_after_reads_seconds_and_http_dates_as_aware_times():
    until = http.retry_after(answer_with_retry_after("30"), dt.timedelta(hours=1))
    assert dt.timedelta(seconds=29) < until - timezone.now() <= dt.timedelta(seconds=30)
    dated = http.retry_after(
        answer_with_retry_after("Wed, 02 Dec 2026 00:00:00 -0000"), dt.timedelta(hours=1)
    )
    assert dated == dt.datetime(2026, 12, 2, tzinfo=dt.UTC)


def test_a_cookie_a_platform_sets_never_goes_out_with_a_later_request(api):
    """A thread's one session serves every account it publishes for: a platform's cookie
    kept from one account's answer would tie that account to the next one's request."""
    api.get(
        f"{BASE}/2/users/me",
        json={"data": {"id": "1"}},
        headers={"Set-Cookie": "guest_id=v1%3Aalice; Domain=api.x.test; Path=/"},
    )
    api.get(f"{BASE}/2/users/me", json={"data": {"id": "2"}})

    http.send("X", "GET", f"{BASE}/2/users/me", headers={"Authorization": "Bearer alice"})
    http.send("X", "GET", f"{BASE}/2/users/me", headers={"Authorization": "Bearer bob"})

    assert api.calls[0].response.headers["Set-Cookie"].startswith("guest_id=")
    assert "Cookie" not in api.calls[1].request.headers
    assert api.calls[1].request.headers["Authorization"] == "Bearer bob"
    assert len(http.session().cookies) == 0
