"""PostgreSQL connections stay bounded: a pool per process, never shared across a fork."""

import multiprocessing
import os
import threading
import time

import psycopg
import pytest
from django.db import connection, connections

from config.environment import FALSE_WORDS, database_from_url
from tests.config.test_settings import manage

THREADS = 30


def test_a_database_url_gets_a_bounded_pool_by_default(monkeypatch):
    monkeypatch.delenv("DATABASE_POOL", raising=False)
    monkeypatch.delenv("DATABASE_POOL_MAX_SIZE", raising=False)
    monkeypatch.delenv("DATABASE_POOL_TIMEOUT", raising=False)
    monkeypatch.delenv("DATABASE_CONN_MAX_AGE", raising=False)
    database = database_from_url("postgres://u:p@h/db")
    assert database["OPTIONS"]["pool"] == {"min_size": 1, "max_size": 10, "timeout": 5.0}
    # Django refuses persistent connections with a pool.
    assert database["CONN_MAX_AGE"] == 0
    assert database["CONN_HEALTH_CHECKS"] is True


def test_the_pool_is_sized_from_the_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_POOL_MAX_SIZE", "4")
    monkeypatch.setenv("DATABASE_POOL_TIMEOUT", "2.5")
    pool = database_from_url("postgres://u:p@h/db")["OPTIONS"]["pool"]
    assert pool == {"min_size": 1, "max_size": 4, "timeout": 2.5}


def test_database_pool_off_keeps_persistent_connections(monkeypatch):
    monkeypatch.setenv("DATABASE_POOL", "0")
    monkeypatch.delenv("DATABASE_CONN_MAX_AGE", raising=False)
    database = database_from_url("postgres://u:p@h/db")
    assert "pool" not in database["OPTIONS"]
    assert database["CONN_MAX_AGE"] == 60


def test_persistent_connections_with_the_pool_on_are_refused_at_start():
    result = manage("check", DATABASE_URL="postgres://u:p@h/db", DATABASE_CONN_MAX_AGE="60")
    assert result.returncode == 2
    assert result.stderr.strip().endswith(
        "DATABASE_CONN_MAX_AGE applies only without the connection pool; unset it, "
        "or set DATABASE_POOL=0 to keep persistent connections instead."
    )


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def pool_size() -> int:
    if os.environ.get("DATABASE_POOL", "").strip().lower() in FALSE_WORDS - {""}:
        pytest.skip("the connection pool is off (DATABASE_POOL=0)")
    pool = connection.settings_dict["OPTIONS"].get("pool")
    assert pool, "a PostgreSQL DATABASE_URL gets a connection pool"
    return pool["max_size"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_many_threads_share_at_most_the_pools_connections():
    max_size = pool_size()
    settings = connection.settings_dict
    counted = psycopg.connect(
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
        dbname=settings["NAME"],
        autocommit=True,
    )
    seen: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)
    done = threading.Event()

    def query():
        try:
            start.wait()
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_sleep(0.1)")
        except BaseException as error:  # reported below, with the test's own assertion
            errors.append(error)
        finally:
            connection.close()  # back to the pool, as at the end of a request

    threads = [threading.Thread(target=query) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    sampler = threading.Thread(target=lambda: sample(counted, settings["NAME"], seen, done))
    sampler.start()
    for thread in threads:
        thread.join(timeout=30)
    done.set()
    sampler.join()
    counted.close()
    assert errors == []
    assert 1 < max(seen) <= max_size


def sample(counted, name: str, seen: list[int], done: threading.Event) -> None:
    while not done.is_set():
        seen.append(
            counted.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            ).fetchone()[0]
        )
        time.sleep(0.01)


def report_backend_pid(results) -> None:
    results.put(backend_pid())
    connections.close_all()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_forked_process_never_talks_over_its_parents_pooled_connection():
    pool_size()
    parent = backend_pid()
    # As django-q2 does before it forks a worker: hand the connection back.
    connections.close_all()
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    child = context.Process(target=report_backend_pid, args=(results,))
    child.start()
    child_pid = results.get(timeout=30)
    child.join(timeout=30)
    assert child.exitcode == 0
    assert child_pid != parent
    assert backend_pid() != child_pid
