"""A platform for the kill test: every post that reaches it is appended to a file.

The file is the platform's truth, shared by the worker that is killed and the one
that comes after: ``reconcile`` finds a post there. With ``KILL_PLATFORM_ANSWER``
set to N, only the first N calls are answered; the others reach the platform
(they are in the file) and then hang, as a platform that never answers.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

from platforms.base import Published
from platforms.http import note_request


def log_path() -> Path:
    return Path(os.environ["KILL_PLATFORM_LOG"])


def landed() -> list[str]:
    path = log_path()
    return path.read_text().split() if path.exists() else []


def validate(post):
    return []


def publish(post, credentials):
    note_request()
    with log_path().open("a") as log:
        fcntl.flock(log, fcntl.LOCK_EX)
        log.write(post.idempotency_key + "\n")
        log.flush()
        os.fsync(log.fileno())
        calls = len(landed())
        fcntl.flock(log, fcntl.LOCK_UN)
    answered = int(os.environ.get("KILL_PLATFORM_ANSWER", "0") or 0)
    if answered and calls > answered:
        time.sleep(3600)  # the request is out; the answer never comes
    return Published(external_id=f"kill-{post.publication_id}", permalink="")


def reconcile(post, credentials):
    if post.idempotency_key in landed():
        return Published(external_id=f"kill-{post.publication_id}", permalink="")
    return None


def refresh(credentials):
    return credentials
