"""Every HTTP call through the platform client lands in the request histogram by outcome."""

import pytest
import requests
import responses

from platforms import http, registry
from platforms.base import TransientError

pytestmark = pytest.mark.django_db

BASE = "https://api.x.test"


def test_outcomes_of_calls_through_send(scrape, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        responses.RequestsMock(assert_all_requests_are_fired=True) as api,
    ):
        api.get(f"{BASE}/ok", status=200)
        api.get(f"{BASE}/slow-down", status=429)
        api.get(f"{BASE}/down", status=503)
        api.get(f"{BASE}/hang", body=requests.ReadTimeout("read timed out"))
        api.get(f"{BASE}/refused", body=requests.ConnectionError("connection refused"))
        api.get(f"{BASE}/token", status=401)
        api.get(f"{BASE}/bad", status=400)
        assert http.send("X", "GET", f"{BASE}/ok").status_code == 200
        assert http.send("X", "GET", f"{BASE}/slow-down").status_code == 429
        for path in ("down", "hang", "refused"):
            with pytest.raises(TransientError):
                http.send("X", "GET", f"{BASE}/{path}")
        assert http.send("Discord", "GET", f"{BASE}/token").status_code == 401
        assert http.send("Discord", "GET", f"{BASE}/bad").status_code == 400

    result = scrape()
    counts = {
        ("twitter", "ok"): 1,
        ("twitter", "rate_limited"): 1,
        ("twitter", "server_error"): 1,
        ("twitter", "timeout"): 1,
        ("twitter", "network"): 1,
        ("discord", "auth"): 1,
        ("discord", "client_error"): 1,
    }
    for sample in result.samples("herald_platform_request_duration_seconds_count"):
        key = (sample.labels["platform"], sample.labels["outcome"])
        assert sample.value == counts.get(key, 0), key
    # A mocked call takes well under a second; the buckets are cumulative up to +Inf.
    labels = {"platform": "twitter", "outcome": "ok"}
    assert result.value("herald_platform_request_duration_seconds_bucket", le="1.0", **labels) == 1
    assert result.value("herald_platform_request_duration_seconds_bucket", le="+Inf", **labels) == 1
    assert 0 <= result.value("herald_platform_request_duration_seconds_sum", **labels) < 1


def test_every_caller_of_send_names_a_known_platform():
    """The platform modules' LABEL and the OAuth providers' NAME all map to a platform."""
    for platform in registry.all_platforms():
        module = platform.client_module()
        assert registry.platform_of_label(module.LABEL) == platform.value
        provider = platform.oauth_module()
        assert registry.platform_of_label(provider.NAME) == platform.value
