"""A platform that exists only in the composer's tests, with one option of every kind.

Registered for a test's duration with ``registry.registered(HERON)``: the composer
must offer its options as form fields without a line of composer code naming it.
"""

from __future__ import annotations

from rest_framework import serializers

from platforms import base
from platforms.base import Credentials, Post, Published
from platforms.descriptor import ClientSetting, Endpoint, Limits, Platform
from platforms.options import BoundedListField, StrictSerializer

HERON = Platform(
    value="heron",
    label="Heron",
    client="tests.composer.heron",
    oauth="tests.composer.heron",
    options="tests.composer.heron.HeronOptions",
    limits=Limits(max_text=50, max_media=2, rate_limit=(10, 600)),
    api_urls=(Endpoint("heron", "HERON_API_BASE_URL", "https://api.heron.example", "heron"),),
    authorize_url=Endpoint(
        "heron", "HERON_AUTHORIZE_URL", "https://heron.example/authorize", "heron/authorize"
    ),
    client_settings=(ClientSetting("HERON_CLIENT_ID"),),
)


class HeronOptions(StrictSerializer):
    caption = serializers.CharField(required=False, max_length=80, help_text="A short line.")
    story = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    mood = serializers.ChoiceField(choices=("calm", "loud"), required=False)
    wade = serializers.BooleanField(required=False)
    perches = BoundedListField(
        child=serializers.CharField(max_length=40), max_length=3, required=False
    )
    pond = serializers.RegexField(r"^\d+$", max_length=20, required=False)
    wingspan = serializers.IntegerField(min_value=1, max_value=300, required=False)


def validate(post: Post) -> list[str]:
    if len(post.body) > HERON.limits.max_text:
        return [f"Heron: the call is {len(post.body)} characters; the limit is 50."]
    return []


def measure(post: Post) -> list:
    return [base.Measure("Call", len(post.body), HERON.limits.max_text, "characters")]


def publish(post: Post, credentials: Credentials) -> Published:
    return Published(f"heron-{post.publication_id}")


def reconcile(post: Post, credentials: Credentials):
    return None


def refresh(credentials: Credentials) -> Credentials:
    return credentials
