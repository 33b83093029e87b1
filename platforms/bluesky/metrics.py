"""Bluesky: how posts did, from ``app.bsky.feed.getPosts``, 25 posts per call.

Checked against the documentation (Dec 2026):
- ``GET /xrpc/app.bsky.feed.getPosts?uris=...&uris=...``: at most 25 AT URIs;
  each ``postView`` has ``likeCount``, ``repostCount``, ``replyCount`` and
  ``quoteCount``; a deleted post is left out of ``posts``
  (https://docs.bsky.app/docs/api/app-bsky-feed-get-posts). Asked of the
  account's PDS, which passes ``app.bsky`` calls on to the AppView
  (https://docs.bsky.app/docs/advanced-guides/api-directory).
- Rate limits (https://docs.bsky.app/docs/advanced-guides/rate-limits): the PDS
  allows 3,000 requests per 5 minutes per IP address, shared by every account
  Herald serves from that address, and publishing needs its share: the
  collector takes a third of it.
"""

from __future__ import annotations

import datetime as dt

from platforms.base import Credentials
from platforms.bluesky.client import LABEL, auth_headers, raise_for_error, xrpc
from platforms.http import json_body, send
from platforms.metrics import GONE, Budget, Gone, MetricsTarget, PostMetrics, count

BATCH_SIZE = 25
PER_IP_LIMIT = (3000, 5 * 60)


def budget(publish_limit: tuple[int, int]) -> Budget:
    """A third of the per-IP allowance, for the whole app: the rest stays for publishing."""
    calls, seconds = PER_IP_LIMIT
    return Budget(units=calls // 3, window=dt.timedelta(seconds=seconds), per_app=True)


def numbers(view: dict) -> PostMetrics:
    return PostMetrics(
        likes=count(view.get("likeCount")),
        comments=count(view.get("replyCount")),
        shares=count(view.get("repostCount")),
        quotes=count(view.get("quoteCount")),
    )


def collect(
    targets: list[MetricsTarget], credentials: Credentials
) -> dict[int, PostMetrics | Gone]:
    if len(targets) > BATCH_SIZE:
        raise ValueError(f"Bluesky looks up at most {BATCH_SIZE} posts per call.")
    response = send(
        LABEL,
        "GET",
        xrpc("app.bsky.feed.getPosts"),
        headers=auth_headers(credentials),
        params=[("uris", t.external_id) for t in targets],
    )
    raise_for_error(response, "the post lookup")
    found = {
        str(view.get("uri")): numbers(view)
        for view in json_body(response).get("posts") or []
        if isinstance(view, dict)
    }
    # Left out: deleted, or hidden from this account. There is nothing more to collect.
    return {t.key: found.get(t.external_id, GONE) for t in targets}
