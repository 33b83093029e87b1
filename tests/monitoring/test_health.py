"""/health/ answers 200 when Herald can publish on time, and 503 naming what cannot."""

import datetime as dt
import socket
import time

import pytest
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_q.conf import Conf
from waffle.models import Switch

from config.environment import database_from_url
from content.choices import Status
from flags.switches import AUTOMATION_SWITCH
from monitoring import health
from publishing import holds
from publishing.models import EngineHeartbeat
from tests.factories import PublicationFactory

pytestmark = pytest.mark.django_db

URL = "/health/"


def beat(age: dt.timedelta) -> None:
    EngineHeartbeat.objects.update_or_create(
        name=EngineHeartbeat.TICK, defaults={"last_tick_at": timezone.now() - age}
    )


def due_since(age: dt.timedelta, **fields):
    return PublicationFactory(next_attempt_at=timezone.now() - age, **fields)


@pytest.fixture
def ticking():
    beat(dt.timedelta(seconds=10))


def get(client, expected_status: int) -> dict:
    response = client.get(URL)
    assert response.status_code == expected_status, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def redis_cache_at(settings, port: int, timeout: float = 0.5) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://:hunter2-secret@127.0.0.1:{port}/0",
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": timeout,
                "SOCKET_TIMEOUT": timeout,
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }


@pytest.fixture
def redis_broker(monkeypatch):
    """django-q2 configured as settings does with REDIS_URL: the broker rides the cache's client."""
    monkeypatch.setattr(Conf, "ORM", None)
    monkeypatch.setattr(Conf, "DJANGO_REDIS", "default")


@pytest.fixture
def orm_broker(monkeypatch):
    """django-q2 configured as settings does without REDIS_URL: the broker is the database."""
    monkeypatch.setattr(Conf, "ORM", "default")


def test_all_well_is_200_with_the_breakdown(client, ticking):
    due_since(dt.timedelta(seconds=30))  # due, but well within the limit
    response = client.get(URL)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    assert body["status"] == "ok"
    assert body["failing"] == []
    assert set(body["checks"]) == {"database", "cache", "broker", "scheduler", "overdue"}
    assert all(check["ok"] for check in body["checks"].values())
    assert all(isinstance(check["ms"], float) for check in body["checks"].values())
    scheduler = body["checks"]["scheduler"]
    assert 9 <= scheduler["age_seconds"] <= 60
    assert scheduler["limit_seconds"] == 180
    overdue = body["checks"]["overdue"]
    assert (overdue["count"], overdue["oldest_seconds"], overdue["held_by_switch"]) == (0, None, 0)
    assert body["switches"][AUTOMATION_SWITCH] is True


def test_head_works_and_writes_are_refused(client, ticking):
    assert client.head(URL).status_code == 200
    assert client.post(URL).status_code == 405


def test_a_heartbeat_four_minutes_old_fails_the_scheduler(client):
    beat(dt.timedelta(minutes=4))
    body = get(client, 503)
    assert body["status"] == "failing"
    assert body["failing"] == ["scheduler"]
    scheduler = body["checks"]["scheduler"]
    assert not scheduler["ok"]
    assert 240 <= scheduler["age_seconds"] < 300
    assert scheduler["message"] == (
        "The scheduler has not ticked for 4 min (limit 3 min): is the django-q2 cluster running?"
    )


def test_the_tick_age_limit_comes_from_settings(client, settings):
    settings.HEALTH_MAX_TICK_AGE = 600
    beat(dt.timedelta(minutes=4))
    assert get(client, 200)["checks"]["scheduler"]["limit_seconds"] == 600


def test_no_heartbeat_at_all_is_never_ticked(client):
    body = get(client, 503)
    assert body["failing"] == ["scheduler"]
    scheduler = body["checks"]["scheduler"]
    assert scheduler["last_tick"] is None
    assert "never ticked" in scheduler["message"]


def test_a_post_six_minutes_overdue_fails(client, ticking):
    due_since(dt.timedelta(minutes=6))
    due_since(dt.timedelta(minutes=2))
    body = get(client, 503)
    assert body["failing"] == ["overdue"]
    overdue = body["checks"]["overdue"]
    assert overdue["count"] == 1
    assert 360 <= overdue["oldest_seconds"] < 420
    assert overdue["message"].startswith(
        "1 publication is overdue by more than 5 min (oldest 6 min)"
    )


def test_a_post_two_minutes_overdue_is_fine(client, ticking):
    due_since(dt.timedelta(minutes=2))
    assert get(client, 200)["checks"]["overdue"]["count"] == 0


def test_rows_that_are_not_due_or_ended_are_not_overdue(client, ticking):
    # A rate-limited hold pushes next_attempt_at to when the window frees.
    PublicationFactory(
        content__scheduled_for=timezone.now() - dt.timedelta(hours=2),
        status=Status.QUEUED,
        **holds.rate_window_full("twitter").fields(),
        next_attempt_at=timezone.now() + dt.timedelta(minutes=20),
    )
    due_since(dt.timedelta(hours=1), status=Status.FAILED)
    due_since(dt.timedelta(hours=1), status=Status.PUBLISHING)
    assert get(client, 200)["checks"]["overdue"]["count"] == 0


def test_a_switch_hold_is_reported_but_not_a_failure(client, ticking):
    Switch.objects.filter(name=AUTOMATION_SWITCH).update(active=False)
    due_since(
        dt.timedelta(minutes=30),
        status=Status.QUEUED,
        **holds.switch_off(AUTOMATION_SWITCH).fields(),
    )
    due_since(dt.timedelta(minutes=10))
    body = get(client, 200)
    assert body["switches"][AUTOMATION_SWITCH] is False
    overdue = body["checks"]["overdue"]
    assert (overdue["count"], overdue["held_by_switch"]) == (0, 2)


def test_a_platform_switch_holds_only_its_platform(client, ticking):
    Switch.objects.filter(name="publishing_discord").update(active=False)
    due_since(dt.timedelta(minutes=10), platform="discord")
    due_since(dt.timedelta(minutes=7), platform="twitter")
    body = get(client, 503)
    overdue = body["checks"]["overdue"]
    assert (overdue["count"], overdue["held_by_switch"]) == (1, 1)
    assert 420 <= overdue["oldest_seconds"] < 480
    assert body["switches"]["publishing_discord"] is False


def test_a_switch_turned_back_on_leaves_nothing_hidden(client, ticking):
    # Held while the switch was off; the switch is on again but nothing sent it.
    due_since(
        dt.timedelta(minutes=30),
        status=Status.QUEUED,
        **holds.switch_off(AUTOMATION_SWITCH).fields(),
    )
    assert get(client, 503)["checks"]["overdue"]["count"] == 1


def test_a_dead_cluster_is_noticed_even_with_automation_off(client):
    Switch.objects.filter(name=AUTOMATION_SWITCH).update(active=False)
    beat(dt.timedelta(minutes=10))
    assert get(client, 503)["failing"] == ["scheduler"]


def test_an_unreachable_database_is_a_503_in_json_not_a_500(client, monkeypatch, orm_broker):
    def refuse(*args, **kwargs):
        raise OperationalError(
            "connection to postgres://herald:s3cret-pw@db.internal:5432/herald failed"
        )

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get(URL)
    assert response.status_code == 503
    body = response.json()
    assert {"database", "scheduler", "overdue"} <= set(body["failing"])
    database = body["checks"]["database"]
    assert database["error"] == "OperationalError"
    assert "db.internal" in database["message"]
    assert "s3cret-pw" not in response.content.decode()
    assert body["checks"]["scheduler"]["message"] == "Not checked: the database is unreachable."
    # The ORM broker is the database.
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["broker"]["backend"] == "orm"


def test_an_exception_in_one_check_fails_only_that_check(client, ticking, monkeypatch):
    monkeypatch.setattr(health.selectors, "tick_last_seen", lambda: 1 / 0)
    body = get(client, 503)
    assert body["failing"] == ["scheduler"]
    assert body["checks"]["scheduler"]["error"] == "ZeroDivisionError"
    assert body["checks"]["overdue"]["ok"] is True


def test_unreachable_redis_fails_the_cache_and_the_broker(client, ticking, settings, redis_broker):
    redis_cache_at(settings, closed_port())
    started = time.monotonic()
    response = client.get(URL)
    assert time.monotonic() - started < 5
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["cache", "broker"]
    for name in ("cache", "broker"):
        check = body["checks"][name]
        assert check["error"] == "ConnectionError"
        assert "Connection refused" in check["message"]
    assert body["checks"]["broker"]["backend"] == "redis"
    assert "hunter2-secret" not in response.content.decode()


def test_a_hung_redis_cannot_hang_the_health_check(client, ticking, settings, redis_broker):
    # A server that accepts connections and never answers.
    with socket.socket() as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen(8)
        redis_cache_at(settings, hung.getsockname()[1], timeout=0.75)
        started = time.monotonic()
        body = get(client, 503)
        elapsed = time.monotonic() - started
    assert body["failing"] == ["cache", "broker"]
    assert body["checks"]["cache"]["error"] == "TimeoutError"
    # The cache and the broker share the client: one socket timeout, not two.
    assert elapsed < 1.4


def test_the_error_message_keeps_no_credentials():
    error = ValueError(
        "cannot reach redis://:p4ss@cache.internal:6379/0 with access_token=abc123def456 "
        + "x" * 300
    )
    message = health.describe_error(error)
    assert "p4ss" not in message
    assert "abc123def456" not in message
    assert message.startswith("cannot reach redis://[redacted]@cache.internal:6379/0")
    assert len(message) <= health.MESSAGE_LIMIT


def test_the_health_check_makes_four_queries(client, ticking, django_assert_max_num_queries):
    Switch.objects.filter(name="publishing_youtube").update(active=False)
    due_since(dt.timedelta(minutes=6))
    due_since(dt.timedelta(minutes=6), platform="youtube")
    # SELECT 1, the heartbeat, the switches, one aggregate over the due index.
    with django_assert_max_num_queries(4):
        client.get(URL)


def test_postgres_connections_give_up_after_a_connect_timeout():
    assert database_from_url("postgres://u:p@h/db")["OPTIONS"]["connect_timeout"] == "5"
    options = database_from_url("postgres://u:p@h/db?connect_timeout=2")["OPTIONS"]
    assert options["connect_timeout"] == "2"


@pytest.mark.postgres
def test_the_overdue_query_can_use_the_due_indexes(client, ticking):
    due_since(dt.timedelta(minutes=6))
    with CaptureQueriesContext(connection) as queries:
        health.check_overdue(timezone.now())
    [overdue_sql] = [q["sql"] for q in queries.captured_queries if "next_attempt_at" in q["sql"]]
    with connection.cursor() as cursor:
        # Only tells whether the partial index applies: on a tiny table the
        # planner would rightly prefer a sequential scan.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {overdue_sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # Either partial index serves it (publishing.selectors.overdue_publications_summary).
    assert "Seq Scan" not in plan, plan
    assert "publication_due_idx" in plan or "publication_first_due_idx" in plan, plan


@pytest.mark.redis
def test_a_reachable_redis_passes(client, ticking, settings, redis_broker):
    assert settings.REDIS_URL
    body = get(client, 200)
    assert (body["checks"]["cache"]["ok"], body["checks"]["cache"]["backend"]) == (
        True,
        "RedisCache",
    )
    assert (body["checks"]["broker"]["ok"], body["checks"]["broker"]["backend"]) == (True, "redis")
