"""The event store: counters and histograms every Herald process adds to.

Workers are separate processes, often on separate machines, so an
in-process registry would only ever see its own process. Each observation is
written where every process and the scraper can see it:

* with ``REDIS_URL``: one Redis hash, one pipelined round trip per observation;
* without: the ``MetricValue`` table, one upsert statement per observation.

Histograms keep a count per bucket (not cumulative: one bucket per
observation) plus a sum and a count; ``read`` hands them back as stored and the
collector makes them cumulative.

Writes go through ``transaction.on_commit``: inside a transaction they wait
for its commit (never a lock held across a platform call, and a rolled-back
claim counts nothing); outside one they run at once. A store that fails
(Redis down, a database error) logs a warning at most once a minute per
process and never breaks publishing.

Each process adds its observations up in memory and writes the sums every
``METRICS_FLUSH_SECONDS`` (one pipelined round trip, or one statement), from a
thread of its own: a burst makes thousands of platform calls a second, and a
round trip per call was a large share of a worker's CPU. A scrape sees a
worker's numbers up to that long after; ``read`` writes its own process's
first. ``METRICS_FLUSH_SECONDS = 0`` writes each observation at once.
"""

from __future__ import annotations

import json
import logging
import math
import os
import threading
import time
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field

import redis
from django.conf import settings
from django.db import DatabaseError, connection, transaction

logger = logging.getLogger(__name__)

REDIS_HASH = "herald:metrics"
WARNING_INTERVAL_SECONDS = 60.0

# The parts of a stored series.
VALUE = "value"
SUM = "sum"
COUNT = "count"
BUCKET = "le"
INFINITY = "+Inf"

Labels = tuple[tuple[str, str], ...]


def series_key(name: str, labels: dict[str, str], part: str, bound: str = "") -> str:
    """The stored key of one part of one series; JSON, so any label value round-trips."""
    return json.dumps([name, sorted(labels.items()), part, bound], separators=(",", ":"))


def bucket_bound(value: float, buckets: Sequence[float]) -> str:
    """The upper bound of the bucket ``value`` falls in (``le``), as stored."""
    bounds = sorted(buckets)
    index = bisect_left(bounds, value)
    return INFINITY if index == len(bounds) else repr(float(bounds[index]))


# --- writing --------------------------------------------------------------------------


def increment(name: str, labels: dict[str, str], amount: int = 1) -> None:
    """Add ``amount`` to a counter."""
    record([(series_key(name, labels, VALUE), amount)])


def observe(name: str, labels: dict[str, str], value: float, buckets: Sequence[float]) -> None:
    """Add one observation to a histogram with upper bounds ``buckets`` (+Inf is implied)."""
    record(
        [
            (series_key(name, labels, BUCKET, bucket_bound(value, buckets)), 1),
            # Always a float: Redis refuses an integer increment on a float field.
            (series_key(name, labels, SUM), float(value)),
            (series_key(name, labels, COUNT), 1),
        ]
    )


def record(increments: list[tuple[str, float]]) -> None:
    """Apply ``increments`` (key, amount) once the current transaction commits, or now."""
    # Asked without touching the connection: with Redis, recording outside a
    # transaction needs no database at all.
    if transaction.get_connection().in_atomic_block:
        # robust: whatever goes wrong in a metric must not surface after the
        # caller's commit, where it would break the publishing it measures.
        transaction.on_commit(lambda: write(increments), robust=True)
    else:
        write(increments)


def write(increments: list[tuple[str, float]]) -> None:
    """Add ``increments`` to this process's sums, or write them now when nothing is buffered."""
    if settings.METRICS_FLUSH_SECONDS <= 0:
        write_now(increments)
        return
    _buffer.add(increments)


def write_now(increments: list[tuple[str, float]]) -> None:
    try:
        if settings.REDIS_URL:
            write_redis(increments)
        else:
            write_database(increments)
    except (redis.RedisError, DatabaseError) as error:
        warn_store_failure("record an observation", error)


class Buffer:
    """This process's sums not yet written, and the thread that writes them.

    The thread is started by the first observation in each process: a forked
    worker inherits neither its parent's thread nor, after ``add``, its sums.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sums: dict[str, float] = {}
        self.pid: int | None = None

    def add(self, increments: list[tuple[str, float]]) -> None:
        with self.lock:
            if self.pid != os.getpid():
                self.sums = {}  # a forked child's copy of its parent's sums is not its own
                self.pid = os.getpid()
                threading.Thread(target=self.run, name="herald-metrics", daemon=True).start()
            for key, amount in increments:
                self.sums[key] = self.sums.get(key, 0) + amount

    def take(self) -> list[tuple[str, float]]:
        with self.lock:
            sums, self.sums = self.sums, {}
        return list(sums.items())

    def flush(self) -> None:
        """Write what this process has added up since the last flush."""
        if increments := self.take():
            write_now(increments)

    def run(self) -> None:
        while True:
            # Never a busy loop: the setting may have been turned to 0 since (a test).
            time.sleep(max(settings.METRICS_FLUSH_SECONDS, 0.1))
            try:
                self.flush()
            finally:
                if not settings.REDIS_URL:
                    connection.close()  # this thread's own connection, opened by the flush


_buffer = Buffer()


def flush() -> None:
    """Write this process's buffered observations now (a scrape, a test, a process's end)."""
    _buffer.flush()


def redis_client():
    from django_redis import get_redis_connection

    return get_redis_connection("default")


def write_redis(increments: list[tuple[str, float]]) -> None:
    """One round trip: every increment of one observation in a pipeline."""
    pipeline = redis_client().pipeline(transaction=False)
    for key, amount in increments:
        if isinstance(amount, int):
            pipeline.hincrby(REDIS_HASH, key, amount)
        else:
            pipeline.hincrbyfloat(REDIS_HASH, key, amount)
    pipeline.execute()


def write_database(increments: list[tuple[str, float]]) -> None:
    """One statement: insert the rows, or add to the ones that exist.

    ``INSERT ... ON CONFLICT DO UPDATE`` works on PostgreSQL and SQLite 3.24+.
    Keys go in a fixed order so two concurrent upserts lock rows in the same
    order and cannot deadlock.
    """
    from monitoring.models import MetricValue

    quote = connection.ops.quote_name
    table, key, value = quote(MetricValue._meta.db_table), quote("key"), quote("value")
    ordered = sorted(increments)
    rows = ", ".join(["(%s, %s)"] * len(ordered))
    sql = (
        f"INSERT INTO {table} ({key}, {value}) VALUES {rows} "  # noqa: S608 - quoted names; values are parameters
        f"ON CONFLICT ({key}) DO UPDATE SET {value} = {table}.{value} + excluded.{value}"
    )
    params = [item for key_and_amount in ordered for item in key_and_amount]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


_warning_lock = threading.Lock()
_last_warning_at: float | None = None


def warn_store_failure(what: str, error: Exception) -> None:
    """Log that the store failed, at most once a minute per process: a Redis outage
    would otherwise write a line per HTTP call."""
    global _last_warning_at
    now = time.monotonic()
    with _warning_lock:
        if _last_warning_at is not None and now - _last_warning_at < WARNING_INTERVAL_SECONDS:
            return
        _last_warning_at = now
    logger.warning(
        "The metrics store could not %s (%s: %s); publishing goes on without it.",
        what,
        type(error).__name__,
        error,
    )


# --- reading --------------------------------------------------------------------------


@dataclass
class HistogramData:
    buckets: dict[float, float] = field(default_factory=dict)  # upper bound -> count in it
    sum: float = 0.0
    count: float = 0.0

    def cumulative(self, bounds: Sequence[float]) -> list[tuple[str, float]]:
        """(le, observations <= le) for each of ``bounds`` and +Inf, as exposition wants.

        A bucket stored under a bound that is no longer defined counts towards
        the next defined bound above it, so changing the buckets never loses
        observations.
        """
        result = []
        for bound in sorted(bounds):
            below = sum(n for stored, n in self.buckets.items() if stored <= bound)
            result.append((repr(float(bound)), below))
        result.append((INFINITY, self.count))
        return result


@dataclass
class Snapshot:
    """Everything the store holds, by metric name and label set."""

    counters: dict[str, dict[Labels, float]] = field(default_factory=dict)
    histograms: dict[str, dict[Labels, HistogramData]] = field(default_factory=dict)

    def add(self, key: str, amount: float) -> None:
        name, pairs, part, bound = json.loads(key)
        labels: Labels = tuple((label, value) for label, value in pairs)
        if part == VALUE:
            series = self.counters.setdefault(name, {})
            series[labels] = series.get(labels, 0.0) + amount
            return
        histogram = self.histograms.setdefault(name, {}).setdefault(labels, HistogramData())
        if part == SUM:
            histogram.sum += amount
        elif part == COUNT:
            histogram.count += amount
        else:
            upper = math.inf if bound == INFINITY else float(bound)
            histogram.buckets[upper] = histogram.buckets.get(upper, 0.0) + amount


def read() -> Snapshot:
    """What the store holds now: one HGETALL, or one query.

    Raises ``redis.RedisError`` or ``DatabaseError`` when the store cannot answer.
    """
    flush()
    snapshot = Snapshot()
    if settings.REDIS_URL:
        stored = redis_client().hgetall(REDIS_HASH)
        items = ((key.decode(), float(amount)) for key, amount in stored.items())
    else:
        from monitoring.models import MetricValue

        items = MetricValue.objects.values_list("key", "value")
    for key, amount in items:
        snapshot.add(key, amount)
    return snapshot
