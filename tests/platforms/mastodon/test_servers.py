import socket

import pytest

from platforms.mastodon import servers
from platforms.mastodon.servers import BadServer, normalize_server, resolved_server
from tests.platforms.mastodon.conftest import public_resolver


@pytest.mark.parametrize(
    ("typed", "server"),
    [
        ("https://mastodon.social", "https://mastodon.social"),
        ("mastodon.social", "https://mastodon.social"),
        ("  https://Fosstodon.ORG/  ", "https://fosstodon.org"),
        ("https://social.example:443", "https://social.example"),
    ],
)
def test_a_public_https_server_is_accepted_and_normalised(typed, server):
    assert normalize_server(typed) == server


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", "Give the address"),
        ("http://mastodon.social", "over https only"),
        ("https://127.0.0.1", "not an IP address"),
        ("https://[::1]", "not an IP address"),
        ("https://2130706433", "not an IP address"),
        ("https://0x7f.1", "not an IP address"),
        ("https://localhost", "not the public name"),
        ("https://printer.local", "not the public name"),
        ("https://metadata.google.internal", "not the public name"),
        ("https://intranet", "not the public name"),
        ("https://user:pw@mastodon.social", "no user name"),
        ("https://evil.example@mastodon.social", "no user name"),
        ("https://mastodon.social:8443", "standard https port"),
        ("https://mastodon.social:99999", "does not parse"),
        ("https://mastodon.social/api", "without a path"),
        ("https://mastodon.social?x=1", "without a path"),
        ("https://[bad", "does not parse"),
        ("ftp://mastodon.social", "over https only"),
        ("https://" + "a" * 300 + ".social", "too long"),
        ("https://under_score.social", "not the public name"),
    ],
)
def test_anything_else_is_refused_with_a_reason(typed, reason):
    with pytest.raises(BadServer, match=reason):
        normalize_server(typed)


def test_the_sandbox_server_is_accepted_only_while_the_sandbox_is_on(settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    settings.PLATFORM_BASE_URLS = {"mastodon": "http://127.0.0.1:8000/sandbox/mastodon"}
    settings.SANDBOX_ENABLED = True
    assert (
        normalize_server("http://127.0.0.1:8000/sandbox/mastodon/")
        == "http://127.0.0.1:8000/sandbox/mastodon"
    )
    settings.SANDBOX_ENABLED = False
    with pytest.raises(BadServer):
        normalize_server("http://127.0.0.1:8000/sandbox/mastodon")


def test_a_base_url_outside_the_sandbox_is_no_exception(settings):
    settings.SITE_URL = "https://herald.example"
    settings.SANDBOX_ENABLED = True
    settings.PLATFORM_BASE_URLS = {"mastodon": "http://10.0.0.5/api"}
    with pytest.raises(BadServer):
        normalize_server("http://10.0.0.5/api")


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "169.254.169.254", "::1", "fd00::1"])
def test_a_name_that_points_into_a_private_network_is_refused_when_connecting(monkeypatch, address):
    monkeypatch.setattr(servers, "resolve", public_resolver("93.184.215.14", address))
    with pytest.raises(BadServer, match="private or reserved address"):
        resolved_server("https://rebind.example")


def test_a_name_that_does_not_resolve_is_refused(monkeypatch):
    def missing(host, port, **kwargs):
        raise socket.gaierror("Name or service not known")

    monkeypatch.setattr(servers, "resolve", missing)
    with pytest.raises(BadServer, match="could not be found"):
        resolved_server("https://gone.example")


def test_a_public_name_is_accepted_when_connecting():
    assert resolved_server("social.example") == "https://social.example"
