"""Rate limits hold on Redis, on the database, and when Redis is unreachable."""

import datetime as dt
import logging

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from publishing import rate_limits
from publishing.models import Publication
from publishing.rate_limits import reserve_slot, window_key
from tests.factories import PublicationFactory, UserFactory

pytestmark = pytest.mark.django_db


def take(publication, now):
    """Reserve as publish_one does: the slot and rate_slot_at in one transaction."""
    with transaction.atomic():
        decision = reserve_slot(publication, now)
        if decision.granted:
            Publication.objects.filter(pk=publication.pk).update(rate_slot_at=now)
    return decision


@pytest.fixture
def five_posts(settings):
    settings.PLATFORM_RATE_LIMITS = {**settings.PLATFORM_RATE_LIMITS, "discord": (3, 600)}
    owner = UserFactory()
    return [
        PublicationFactory(content__owner=owner, platform="discord", account_key=f"user:{owner.pk}")
        for _ in range(5)
    ]


def assert_window_holds(posts):
    # Herald counts the platform's 600 s and its margin (rate_limits.limit_for).
    window = dt.timedelta(seconds=600 + settings.RATE_LIMIT_MARGIN_SECONDS)
    start = timezone.now()
    decisions = [take(p, start + dt.timedelta(seconds=i)) for i, p in enumerate(posts)]
    assert [d.granted for d in decisions] == [True, True, True, False, False]
    assert decisions[3].free_at == start + window
    # Once the first slot leaves the window, exactly one more fits.
    later = start + window + dt.timedelta(milliseconds=500)
    assert take(posts[3], later).granted
    assert not take(posts[4], later).granted


def assert_a_slot_taken_again_counts_only_the_others(posts):
    """``reserve_slot`` for a publication that holds a slot (a late request) moves it to
    the new moment if the window has room without it, and refuses otherwise."""
    window = dt.timedelta(seconds=600 + settings.RATE_LIMIT_MARGIN_SECONDS)
    start = timezone.now()
    assert take(posts[0], start).granted
    later = start + window + dt.timedelta(seconds=1)
    for i, post in enumerate(posts[1:4]):
        assert take(post, later + dt.timedelta(seconds=i)).granted
    # posts[0]'s old slot has left the window; three others fill it: refused.
    decision = take(posts[0], later + dt.timedelta(seconds=5))
    assert not decision.granted
    assert decision.free_at == later + window
    # Once posts[1]'s slot frees, posts[0] takes it; posts[4] then finds the window full.
    freed = later + window + dt.timedelta(milliseconds=500)
    assert take(posts[0], freed).granted
    assert not take(posts[4], freed + dt.timedelta(milliseconds=1)).granted


def test_a_slot_taken_again_on_the_database(five_posts, settings):
    settings.REDIS_URL = ""
    assert_a_slot_taken_again_counts_only_the_others(five_posts)


@pytest.mark.redis
def test_a_slot_taken_again_on_redis(five_posts):
    from django_redis import get_redis_connection

    client = get_redis_connection("default")
    key = window_key("discord", five_posts[0].account_key)
    client.delete(key)
    assert_a_slot_taken_again_counts_only_the_others(five_posts)
    assert client.zcard(key) == 3
    client.delete(key)


def test_database_window_is_exact(five_posts, settings):
    settings.REDIS_URL = ""
    assert_window_holds(five_posts)


def test_redis_down_falls_back_to_the_database_and_says_so(five_posts, settings, caplog):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
        }
    }
    rate_limits.redis_windows.degraded = False
    with caplog.at_level(logging.WARNING, logger="publishing.rate_limits"):
        assert_window_holds(five_posts)
    assert "rate limits fall back to the database" in caplog.text
    assert caplog.text.count("fall back") == 1  # said once, not per call
    rate_limits.redis_windows.degraded = False


@pytest.mark.redis
def test_redis_window_holds_and_is_rebuilt_from_the_database_after_a_restart(five_posts):
    from django_redis import get_redis_connection

    client = get_redis_connection("default")
    key = window_key("discord", five_posts[0].account_key)
    client.delete(key)
    start = timezone.now()
    for i, post in enumerate(five_posts[:3]):
        assert take(post, start + dt.timedelta(seconds=i)).granted
    assert client.zcard(key) == 3
    client.delete(key)  # Redis restarted and lost everything
    decision = take(five_posts[3], start + dt.timedelta(seconds=3))
    assert not decision.granted
    assert client.zcard(key) == 3  # rebuilt from rate_slot_at
    client.delete(key)


@pytest.mark.redis
def test_redis_window_is_exact(five_posts):
    from django_redis import get_redis_connection

    get_redis_connection("default").delete(window_key("discord", five_posts[0].account_key))
    assert_window_holds(five_posts)


def test_the_margin_counts_each_window_longer_than_the_platform_does(five_posts, settings):
    """With RATE_LIMIT_MARGIN_SECONDS, a slot frees the margin after the platform's window:
    the platform, which counts arrivals a little after the claims, never sees one too many."""
    settings.REDIS_URL = ""
    settings.RATE_LIMIT_MARGIN_SECONDS = 5
    start = timezone.now()
    decisions = [take(p, start + dt.timedelta(seconds=i)) for i, p in enumerate(five_posts)]
    assert [d.granted for d in decisions] == [True, True, True, False, False]
    assert decisions[3].free_at == start + dt.timedelta(seconds=605)
    # At the platform's own window end the first slot still counts; past the margin it is free.
    assert not take(five_posts[3], start + dt.timedelta(seconds=600, milliseconds=500)).granted
    assert take(five_posts[3], start + dt.timedelta(seconds=605, milliseconds=500)).granted
