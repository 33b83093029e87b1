"""The checks behind ``/health/``: can Herald publish on time right now?

Five checks, each a dict with ``ok`` and its details:

* ``database``: one ``SELECT 1`` (PostgreSQL connections have a connect timeout).
* ``cache``: a Redis cache is pinged on its own client, which has socket
  timeouts and, unlike the cache API, does not swallow errors; any other
  cache gets a write-and-read round trip.
* ``broker``: the django-q2 broker. The Redis broker is pinged; the ORM
  broker lives in the database, so it is as healthy as the database check.
* ``scheduler``: the tick's heartbeat is younger than ``HEALTH_MAX_TICK_AGE``.
* ``overdue``: no due publication has waited longer than ``PUBLISH_OVERDUE_AFTER``
  (``selectors.overdue``), not counting the ones a switch holds (an operator's
  hold is not an outage).

An exception in a check fails that check, with the exception's class and a
short message stripped of credentials; it never fails the page. When the
database is unreachable the checks that read it are not run, so a hung
database costs one connect timeout, not three.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.brokers.orm import ORM
from django_q.conf import Conf
from django_redis import get_redis_connection
from django_redis.cache import RedisCache

from flags.switches import held_platforms, switch_states
from integrations.redaction import redact
from publishing import selectors

logger = logging.getLogger(__name__)

CACHE_ALIAS = "default"
MESSAGE_LIMIT = 200
# scheme://user:password@host: keep the scheme and host, drop the credentials.
CREDENTIALS_IN_URL = re.compile(r"([a-z][a-z0-9+.-]*://)[^/\s@]*@", re.IGNORECASE)

Result = dict[str, Any]


def run_health_checks(*, now: dt.datetime | None = None) -> Result:
    """Run every check; ``status`` is "ok" only if all of them pass."""
    now = now or timezone.now()
    redis_pings: dict[str, Result] = {}
    checks: dict[str, Result] = {"database": guarded("database", check_database)}
    database_ok = checks["database"]["ok"]
    checks["cache"] = guarded("cache", check_cache, redis_pings)
    checks["broker"] = guarded("broker", check_broker, redis_pings, database_ok=database_ok)
    switches = None
    if database_ok:
        checks["scheduler"] = guarded("scheduler", check_scheduler, now)
        checks["overdue"] = guarded("overdue", check_overdue, now)
        switches = checks["overdue"].pop("switches", None)
    else:
        checks["scheduler"] = checks["overdue"] = {
            "ok": False,
            "message": "Not checked: the database is unreachable.",
        }
    failing = [name for name, result in checks.items() if not result["ok"]]
    return {
        "status": "failing" if failing else "ok",
        "failing": failing,
        "checks": checks,
        "switches": switches,
    }


def guarded(name: str, check: Callable[..., Result], *args, **kwargs) -> Result:
    """Run one check, timed; an exception becomes that check's failure."""
    started = time.perf_counter()
    try:
        result = check(*args, **kwargs)
    except Exception as error:
        result = failure(error)
    if not result["ok"] and "error" in result:
        logger.warning("Health check %s failed: %s", name, result["message"])
    return {
        "ok": result.pop("ok"),
        "ms": round((time.perf_counter() - started) * 1000, 1),
        **result,
    }


def failure(error: BaseException) -> Result:
    return {"ok": False, "error": type(error).__name__, "message": describe_error(error)}


def describe_error(error: BaseException) -> str:
    """A short, credential-free message for the response (it is served without login)."""
    text = CREDENTIALS_IN_URL.sub(r"\1[redacted]@", redact(str(error)))
    text = " ".join(text.split()) or type(error).__name__
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 1] + "…"


# --- servers ----------------------------------------------------------------------


def check_database() -> Result:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True, "vendor": connection.vendor}


def check_cache(redis_pings: dict[str, Result]) -> Result:
    cache = caches[CACHE_ALIAS]
    backend = type(cache).__name__
    if is_redis_cache(CACHE_ALIAS):
        return {**ping_redis(CACHE_ALIAS, redis_pings), "backend": backend}
    key = f"herald:health:{uuid.uuid4().hex}"
    cache.set(key, key, timeout=10)
    ok = cache.get(key) == key
    cache.delete(key)
    result: Result = {"ok": ok, "backend": backend}
    if not ok:
        result["message"] = "The cache did not return the value just stored."
    return result


def check_broker(redis_pings: dict[str, Result], *, database_ok: bool) -> Result:
    """The broker django-q2 is configured with (Q_CLUSTER in settings: ORM, or Redis via the cache)."""
    broker = get_broker()
    if isinstance(broker, ORM):
        result: Result = {"ok": database_ok, "backend": "orm"}
        if not database_ok:
            result["message"] = "The ORM broker lives in the database, which is unreachable."
        return result
    if Conf.DJANGO_REDIS:
        # The broker's connection is the cache's client: one ping serves both.
        return {**ping_redis(Conf.DJANGO_REDIS, redis_pings), "backend": "redis"}
    return {"ok": bool(broker.ping()), "backend": type(broker).__name__.lower()}


def is_redis_cache(alias: str) -> bool:
    return isinstance(caches[alias], RedisCache)


def ping_redis(alias: str, pings: dict[str, Result]) -> Result:
    """Ping the Redis behind a django-redis cache, once per health run.

    The raw client bypasses the cache's IGNORE_EXCEPTIONS, and its socket
    timeouts (SOCKET_CONNECT_TIMEOUT, SOCKET_TIMEOUT) bound a hung server.
    """
    if alias not in pings:
        try:
            get_redis_connection(alias).ping()
            pings[alias] = {"ok": True}
        except Exception as error:
            pings[alias] = failure(error)
    return dict(pings[alias])


# --- the engine ----------------------------------------------------------------------


def check_scheduler(now: dt.datetime) -> Result:
    limit = settings.HEALTH_MAX_TICK_AGE
    last_tick = selectors.tick_last_seen()
    if last_tick is None:
        return {
            "ok": False,
            "last_tick": None,
            "age_seconds": None,
            "limit_seconds": limit,
            "message": "The scheduler has never ticked: is the django-q2 cluster running "
            "(manage.py qcluster)?",
        }
    age = (now - last_tick).total_seconds()
    result: Result = {
        "ok": age <= limit,
        "last_tick": last_tick.isoformat(),
        "age_seconds": int(age),
        "limit_seconds": limit,
    }
    if not result["ok"]:
        result["message"] = (
            f"The scheduler has not ticked for {as_duration(age)} (limit {as_duration(limit)}): "
            "is the django-q2 cluster running?"
        )
    return result


def check_overdue(now: dt.datetime) -> Result:
    limit = settings.PUBLISH_OVERDUE_AFTER
    states = switch_states()
    summary = selectors.overdue_publications_summary(now, held_platforms=held_platforms(states))
    oldest = (now - summary.oldest_due_at).total_seconds() if summary.oldest_due_at else None
    result: Result = {
        "ok": summary.count == 0,
        "count": summary.count,
        "oldest_seconds": None if oldest is None else int(oldest),
        "limit_seconds": limit,
        "held_by_switch": summary.held_by_switch,
        "switches": states,
    }
    if summary.count:
        result["message"] = (
            f"{summary.count} publication{'s are' if summary.count > 1 else ' is'} overdue by "
            f"more than {as_duration(limit)} (oldest {as_duration(oldest)}): are the workers "
            "running and keeping up?"
        )
    return result


def as_duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 2 * 3600:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"
