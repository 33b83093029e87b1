"""A platform module for engine tests: records every call, answers from a script.

Set ``FAKE.script`` to a list of outcomes consumed per publish call: a
``Published``, an exception instance to raise, or None for a default success.
Every publish call counts as a request sent (as the HTTP client counts one),
and a scripted exception is raised after it; ``FAKE.fail_before_sending``
raises its exception before any request instead. ``FAKE.on_publish(post)``, when
set, runs inside each publish call, after its request is counted.
"""

from __future__ import annotations

import threading
from collections import Counter

from platforms.base import UNKNOWN, Published
from platforms.http import note_request


class FakePlatform:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.calls: list[str] = []  # idempotency keys, one per publish call
        self.per_key: Counter = Counter()
        self.script: list = []
        self.reconcile_answer = None
        self.reconcile_calls: list[str] = []
        self.crash_after_send = False
        self.fail_before_sending: Exception | None = None
        self.problems: list[str] = []
        self.on_publish = None


FAKE = FakePlatform()


def validate(post):
    return list(FAKE.problems)


def publish(post, credentials):
    if FAKE.fail_before_sending is not None:
        raise FAKE.fail_before_sending
    note_request()
    with FAKE.lock:
        FAKE.calls.append(post.idempotency_key)
        FAKE.per_key[post.idempotency_key] += 1
        outcome = FAKE.script.pop(0) if FAKE.script else None
    if FAKE.on_publish is not None:
        FAKE.on_publish(post)
    if FAKE.crash_after_send:
        raise SystemExit("worker killed after the request went out")
    if isinstance(outcome, Exception):
        raise outcome
    return outcome or Published(
        external_id=f"ext-{post.publication_id}",
        permalink=f"https://fake.example/{post.publication_id}",
    )


def reconcile(post, credentials):
    FAKE.reconcile_calls.append(post.idempotency_key)
    answer = FAKE.reconcile_answer
    return UNKNOWN if answer == "unknown" else answer


def refresh(credentials):
    return credentials
