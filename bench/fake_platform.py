"""A platform that answers after BENCH_LATENCY_MS and counts calls per idempotency key in Redis.

The count lives in Redis so that every worker process of every cluster
adds to the same tally: a key counted twice is a duplicate post.
"""

import os
import time

from django_redis import get_redis_connection

from platforms.base import Published

CALLS_KEY = "herald:bench:calls"


def latency_seconds() -> float:
    return int(os.environ.get("BENCH_LATENCY_MS", "50")) / 1000


def validate(post):
    return []


def publish(post, credentials):
    time.sleep(latency_seconds())
    get_redis_connection("default").hincrby(CALLS_KEY, post.idempotency_key, 1)
    return Published(external_id=f"bench-{post.publication_id}", permalink="")


def reconcile(post, credentials):
    return None


def refresh(credentials):
    return credentials
