"""Which Mastodon servers Herald will talk to: the guard against server-side request forgery.

A person types the server's address when connecting, and Herald then calls it from
the inside of its network. So a server is only an ``https`` URL whose host is a DNS
name: no IP literal (v4, v6 or the integer forms ``requests`` would resolve), no
``localhost``, no user info, no port but 443, no path, query or fragment. When a
person names a server, its name must also resolve to public addresses only. Herald
never follows a server's redirects (platforms/mastodon/client.py). The one
exception is the sandbox's emulated server, when the sandbox is on.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from urllib.parse import urlsplit

from django.conf import settings

# A DNS name: labels of letters, digits and hyphens, a dot between, a letter in the last.
HOST_NAME = re.compile(
    r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$"
)
LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa")
MAX_SERVER_LENGTH = 200


# Patched in tests, which never reach the network.
resolve = socket.getaddrinfo


class BadServer(ValueError):
    """The address is not one Herald will call; the message says why, for the person typing."""


def sandbox_server() -> str:
    """The sandbox's emulated server, when the sandbox is on; '' otherwise."""
    base = settings.PLATFORM_BASE_URLS.get("mastodon", "").rstrip("/")
    if base and settings.SANDBOX_ENABLED and base.startswith(f"{settings.SITE_URL}/sandbox/"):
        return base
    return ""


def normalize_server(text: str) -> str:
    """``https://host`` for what a person typed (``host`` alone is read as https), or BadServer."""
    text = (text or "").strip()
    if not text:
        raise BadServer("Give the address of your Mastodon server, e.g. https://mastodon.social.")
    if len(text) > MAX_SERVER_LENGTH:
        raise BadServer("That server address is too long.")
    sandbox = sandbox_server()
    if sandbox and text.rstrip("/") == sandbox:
        return sandbox
    if "://" not in text:
        text = f"https://{text}"
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise BadServer("That server address does not parse as a URL.") from None
    if parts.scheme.lower() != "https":
        raise BadServer("A Mastodon server is reached over https only.")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise BadServer("A server address holds no user name or password.")
    if port not in (None, 443):
        raise BadServer("A Mastodon server is reached on the standard https port only.")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise BadServer("Give the server alone (https://example.social), without a path.")
    host = (parts.hostname or "").rstrip(".").lower()
    if is_ip_literal(host):
        raise BadServer("Give the server's name, not an IP address.")
    if not HOST_NAME.match(host) or host == "localhost" or host.endswith(LOCAL_SUFFIXES):
        raise BadServer("That is not the public name of a server.")
    return f"https://{host}"


def is_ip_literal(host: str) -> bool:
    """An address in any form a resolver would take: dotted, bracketed v6, or one integer."""
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        pass
    # "2130706433", "0x7f.1", "127.1": digits-and-dots or hex forms that inet_aton accepts.
    return bool(re.fullmatch(r"[0-9.]+|0x[0-9a-f.x]+", host))


def resolved_server(text: str) -> str:
    """``normalize_server``, and the name must resolve to public addresses only.

    Asked when a person names a server (connecting): a public-looking name that
    points into Herald's own network is refused too. The sandbox is not looked up.
    """
    server = normalize_server(text)
    if server == sandbox_server():
        return server
    host = server.removeprefix("https://")
    try:
        addresses = {info[4][0] for info in resolve(host, 443, proto=socket.IPPROTO_TCP)}
    except (OSError, UnicodeError):
        raise BadServer(f"{host} could not be found: check the server's name.") from None
    for address in addresses:
        if not ipaddress.ip_address(address.split("%", 1)[0]).is_global:
            raise BadServer(f"{host} points to a private or reserved address.")
    return server


def checked_server(account: dict) -> str:
    """The stored server of an account, checked again (a row edited by hand is not trusted)."""
    return normalize_server(str(account.get("server", "")))
