"""The event store: the database without Redis, Redis with it, and never a broken publish."""

import datetime as dt
import logging
import socket

import pytest
from django.db import transaction
from django.utils import timezone

from content.choices import Status
from monitoring import store
from monitoring.models import MetricValue
from publishing.services import Target, schedule_content
from tests.factories import IntegrationFactory, UserFactory

BUCKETS = (1, 5, 10)
LABELS = {"platform": "twitter"}
LABELS_KEY = (("platform", "twitter"),)


def observe_some(capture) -> None:
    with capture(execute=True):
        store.increment("herald_test_events", LABELS)
        store.increment("herald_test_events", LABELS, 2)
        for value in (0.5, 3, 3, 60):
            store.observe("herald_test_seconds", LABELS, value, BUCKETS)


def assert_read_back() -> None:
    snapshot = store.read()
    assert snapshot.counters["herald_test_events"] == {(("platform", "twitter"),): 3}
    histogram = snapshot.histograms["herald_test_seconds"][(("platform", "twitter"),)]
    assert (histogram.count, histogram.sum) == (4, 66.5)
    # Stored per bucket, made cumulative when read.
    assert histogram.cumulative(BUCKETS) == [("1.0", 1), ("5.0", 3), ("10.0", 3), ("+Inf", 4)]


@pytest.mark.django_db
def test_database_store(settings, django_capture_on_commit_callbacks, django_assert_num_queries):
    settings.REDIS_URL = ""
    observe_some(django_capture_on_commit_callbacks)
    assert_read_back()
    # The counter; the histogram's sum, count and the 3 buckets used (1, 5, +Inf).
    assert MetricValue.objects.count() == 1 + 2 + 3
    # One statement per observation, whatever the number of parts.
    with django_assert_num_queries(1), django_capture_on_commit_callbacks(execute=True):
        store.observe("herald_test_seconds", LABELS, 7, BUCKETS)


@pytest.mark.redis
@pytest.mark.django_db
def test_redis_store(settings, django_capture_on_commit_callbacks, django_assert_num_queries):
    assert settings.REDIS_URL
    # Nothing goes to the database.
    with django_assert_num_queries(0):
        observe_some(django_capture_on_commit_callbacks)
    assert_read_back()
    stored = store.redis_client().hgetall(store.REDIS_HASH)
    assert len(stored) == 1 + 2 + 3
    assert MetricValue.objects.count() == 0


@pytest.mark.django_db
def test_a_rolled_back_transaction_records_nothing(settings, django_capture_on_commit_callbacks):
    settings.REDIS_URL = ""
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        store.increment("herald_test_events", LABELS)
        raise RuntimeError("the claim failed")
    assert store.read().counters == {}


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def unreachable_redis(settings):
    """REDIS_URL set, and the cache (whose client the store uses) pointing at nothing."""
    url = f"redis://127.0.0.1:{closed_port()}/13"
    settings.REDIS_URL = url
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": url,
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": 0.2,
                "SOCKET_TIMEOUT": 0.2,
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }


def store_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "monitoring.store"]


@pytest.mark.django_db
def test_redis_down_logs_once_and_publishing_goes_on(
    unreachable_redis, drain, scrape, caplog, fake_platform
):
    owner = UserFactory()
    content = schedule_content(
        owner=owner,
        body="Hello",
        targets=[Target(platform="twitter", integration=IntegrationFactory(user=owner))],
        scheduled_for=timezone.now() - dt.timedelta(seconds=1),
    )
    with caplog.at_level(logging.WARNING):
        assert drain() == ["published"]
        result = scrape()
    assert content.publications.get().status == Status.PUBLISHED
    # Several observations failed (tick passes, the lag); one warning for all of them.
    [warning] = store_warnings(caplog)
    assert "metrics store could not record an observation (ConnectionError" in warning
    # The scrape still answers what the database knows, and says the store is down.
    assert result.value("herald_metrics_store_up") == 0
    assert result.value("herald_publications", platform="twitter", state="PUBLISHED") == 1
    assert "herald_publish_lag_seconds" not in result.families


@pytest.mark.django_db(transaction=True)
def test_a_database_error_logs_and_does_not_raise(settings, monkeypatch, caplog, scrape):
    """Outside a transaction, as a worker records; the table is gone, say."""
    settings.REDIS_URL = ""
    monkeypatch.setattr(MetricValue._meta, "db_table", "metrics_no_such_table")
    with caplog.at_level(logging.WARNING):
        store.increment("herald_test_events", LABELS)
        store.observe("herald_test_seconds", LABELS, 1.5, BUCKETS)
        result = scrape()
    [warning] = store_warnings(caplog)
    assert "could not record an observation" in warning
    assert result.value("herald_metrics_store_up") == 0


def test_the_warning_comes_back_after_a_minute(monkeypatch, caplog):
    clock = iter([1000.0, 1030.0, 1061.0])
    monkeypatch.setattr(store.time, "monotonic", lambda: next(clock))
    error = store.redis.ConnectionError("refused")
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            store.warn_store_failure("record an observation", error)
    assert len(store_warnings(caplog)) == 2


@pytest.mark.django_db
def test_buffered_observations_are_summed_and_written_in_one_statement(
    settings, django_assert_num_queries, django_capture_on_commit_callbacks
):
    """With a flush interval, a process adds observations up and writes the sums once."""
    settings.REDIS_URL = ""
    settings.METRICS_FLUSH_SECONDS = 60  # the writing thread will not run during the test
    with django_assert_num_queries(0), django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            store.increment("herald_test_events", LABELS)
        store.observe("herald_test_seconds", LABELS, 0.5, BUCKETS)
        store.observe("herald_test_seconds", LABELS, 7, BUCKETS)
    assert MetricValue.objects.count() == 0  # nothing written yet
    with django_assert_num_queries(1):
        store.flush()
    assert store.read().counters["herald_test_events"] == {LABELS_KEY: 5}
    histogram = store.read().histograms["herald_test_seconds"][LABELS_KEY]
    assert (histogram.count, histogram.sum) == (2, 7.5)
    with django_assert_num_queries(1):  # read() flushed nothing new: only its own query
        store.read()


@pytest.mark.django_db
def test_read_writes_this_process_buffer_first(settings, django_capture_on_commit_callbacks):
    settings.REDIS_URL = ""
    settings.METRICS_FLUSH_SECONDS = 60
    with django_capture_on_commit_callbacks(execute=True):
        store.increment("herald_test_events", LABELS, 3)
    assert MetricValue.objects.count() == 0
    assert store.read().counters["herald_test_events"] == {LABELS_KEY: 3}
