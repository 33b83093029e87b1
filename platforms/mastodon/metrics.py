"""Mastodon: how a status did, from ``GET /api/v1/statuses/:id``, one status per call.

Checked against Mastodon's documentation (Dec 2026):
- ``GET /api/v1/statuses/:id`` (https://docs.joinmastodon.org/methods/statuses/#get)
  answers a Status (https://docs.joinmastodon.org/entities/Status/) with
  ``favourites_count``, ``reblogs_count`` and ``replies_count``; a deleted status
  (or one the token may no longer see) is a 404.
- Rate limits (https://docs.joinmastodon.org/api/rate-limits/): every call of an
  account shares one window, 300 requests per 5 minutes: the collector keeps out
  of what publishing may need of it.
"""

from __future__ import annotations

import datetime as dt
import math

from platforms.base import Credentials
from platforms.http import json_body
from platforms.mastodon.client import auth_headers, raise_for_error, request, server_of
from platforms.metrics import GONE, Budget, Gone, MetricsTarget, PostMetrics, count

BATCH_SIZE = 1
ACCOUNT_LIMIT = (300, 5 * 60)  # every API call, per account
# What one publish may ask of the account's window: the status, and per attachment
# its upload and a processing poll (4 attachments at most on a default server).
REQUESTS_PER_PUBLISH = 1 + 4 * 2


def budget(publish_limit: tuple[int, int]) -> Budget:
    """The account's window, less the requests publishing may make within it."""
    calls, seconds = ACCOUNT_LIMIT
    posts, window = publish_limit
    posts_per_window = math.ceil(posts * seconds / max(window, 1))
    reserved = posts_per_window * REQUESTS_PER_PUBLISH
    return Budget(units=max(calls - reserved, 0), window=dt.timedelta(seconds=seconds))


def numbers(status: dict) -> PostMetrics:
    return PostMetrics(
        likes=count(status.get("favourites_count")),
        shares=count(status.get("reblogs_count")),
        comments=count(status.get("replies_count")),
    )


def collect(
    targets: list[MetricsTarget], credentials: Credentials
) -> dict[int, PostMetrics | Gone]:
    if len(targets) > BATCH_SIZE:
        raise ValueError(f"Mastodon reads at most {BATCH_SIZE} status per call.")
    server = server_of(credentials.account)
    found: dict[int, PostMetrics | Gone] = {}
    for target in targets:
        response = request(
            "GET",
            f"{server}/api/v1/statuses/{target.external_id}",
            headers=auth_headers(credentials),
        )
        if response.status_code == 404:
            found[target.key] = GONE
            continue
        raise_for_error(response)
        found[target.key] = numbers(json_body(response))
    return found
