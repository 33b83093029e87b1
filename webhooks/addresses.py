"""Where an endpoint may point: never at Herald's own network.

In production an endpoint URL must be https, and every address its name
resolves to must be public: private, loopback, link-local (169.254.169.254,
the cloud metadata service), reserved, multicast and unspecified ranges are
refused. The name is checked at registration for a clear 400, and again at
each delivery on the socket itself: the check runs on the address the
connection actually reached, so a name that resolves elsewhere later (DNS
rebinding) gains nothing. With WEBHOOK_ALLOW_LOCAL_URLS (on with DEBUG),
http to localhost and local addresses are allowed for development.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

LOCAL_NAMES = {"localhost", "127.0.0.1", "::1"}


class AddressRefused(Exception):
    """The URL or the address it reaches is not allowed; the message says why."""


def allow_local() -> bool:
    return bool(settings.WEBHOOK_ALLOW_LOCAL_URLS)


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
        or not ip.is_global
    )


def resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise AddressRefused(f"The host {host} cannot be resolved.") from None
    return sorted({info[4][0] for info in infos})


def check_url(url: str) -> None:
    """Refuse a URL Herald must not call; resolve its name now (at registration)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise AddressRefused("The URL is not valid.") from None
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        raise AddressRefused("The URL must start with https:// and name a host.")
    if parts.username or parts.password:
        raise AddressRefused("The URL must not contain a user name or password.")
    if parts.scheme == "http" and not (allow_local() and host in LOCAL_NAMES):
        if allow_local():
            raise AddressRefused("Use https://, or http:// only to localhost or 127.0.0.1.")
        raise AddressRefused("The URL must use https://.")
    if allow_local():
        return
    default_port = 443 if parts.scheme == "https" else 80
    for address in resolve(host, port or default_port):
        if not is_public(address):
            raise AddressRefused(
                f"The host {host} is a private, loopback, link-local or reserved address: "
                "Herald only calls public addresses."
            )


def check_peer(sock: socket.socket) -> None:
    """Refuse a connection that reached a non-public address (after any DNS trickery)."""
    if allow_local():
        return
    address = sock.getpeername()[0]
    if not is_public(address):
        sock.close()
        raise AddressRefused(
            "The endpoint's host resolved to a private, loopback, link-local or reserved "
            "address: Herald only calls public addresses."
        )


class GuardedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        check_peer(sock)
        return sock


class GuardedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        check_peer(sock)
        return sock


class GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = GuardedHTTPConnection


class GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = GuardedHTTPSConnection


class GuardedAdapter(HTTPAdapter):
    """A requests adapter whose connections check the address they reached."""

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": GuardedHTTPPool,
            "https": GuardedHTTPSPool,
        }
