import socket

import pytest
from django.core.cache import cache

from platforms.mastodon import servers

SERVER = "https://social.example"


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test asks the server for its limits afresh."""
    cache.clear()
    yield
    cache.clear()


def instance_answer(max_characters=500, max_media=4, url_length=23) -> dict:
    return {
        "domain": "social.example",
        "configuration": {
            "statuses": {
                "max_characters": max_characters,
                "max_media_attachments": max_media,
                "characters_reserved_per_url": url_length,
            }
        },
    }


def public_resolver(*addresses: str):
    """A stand-in for ``getaddrinfo`` that answers ``addresses`` for every name."""

    def resolve(host, port, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses]

    return resolve


@pytest.fixture(autouse=True)
def offline_dns(monkeypatch):
    """Every name resolves to a public address: tests never reach the network."""
    monkeypatch.setattr(servers, "resolve", public_resolver("93.184.215.14"))
