"""X: how posts did, from the Posts lookup endpoint, 100 ids per call.

Checked against X's documentation (Dec 2026):
- Posts lookup, ``GET /2/tweets?ids=...``: up to 100 comma-separated ids; ask
  ``tweet.fields=public_metrics`` for ``retweet_count``, ``reply_count``,
  ``like_count``, ``quote_count``, ``bookmark_count`` and ``impression_count``
  (https://docs.x.com/x-api/posts/lookup/quickstart,
  https://developer.x.com/en/docs/x-api/data-dictionary/using-fields-and-expansions).
  A deleted or unknown post is absent from ``data`` and named in ``errors`` with
  type ``.../problems/resource-not-found`` (the answer is still a 200).
- Rate limits (https://docs.x.com/x-api/fundamentals/rate-limits): ``GET /2/tweets``
  has its own per-user window, 5,000 per 15 minutes, apart from ``POST /2/tweets``;
  the 429 carries ``x-rate-limit-reset`` (epoch seconds). Reads never touch the
  window publishing counts.
"""

from __future__ import annotations

import datetime as dt

from platforms.base import Credentials
from platforms.http import json_body, send
from platforms.metrics import GONE, Budget, Gone, MetricsTarget, PostMetrics, count
from platforms.x.client import LABEL, auth_headers, base_url, raise_for_error

BATCH_SIZE = 100
LOOKUP_LIMIT = (5000, 15 * 60)  # per user, GET /2/tweets
NOT_FOUND = "https://api.twitter.com/2/problems/resource-not-found"


def budget(publish_limit: tuple[int, int]) -> Budget:
    """The lookup window is the lookup's alone: publishing never spends it."""
    calls, seconds = LOOKUP_LIMIT
    return Budget(units=calls, window=dt.timedelta(seconds=seconds))


def numbers(public: dict) -> PostMetrics:
    return PostMetrics(
        views=count(public.get("impression_count")),
        likes=count(public.get("like_count")),
        comments=count(public.get("reply_count")),
        shares=count(public.get("retweet_count")),
        quotes=count(public.get("quote_count")),
        saves=count(public.get("bookmark_count")),
    )


def collect(
    targets: list[MetricsTarget], credentials: Credentials
) -> dict[int, PostMetrics | Gone]:
    if len(targets) > BATCH_SIZE:
        raise ValueError(f"X looks up at most {BATCH_SIZE} posts per call.")
    response = send(
        LABEL,
        "GET",
        f"{base_url()}/2/tweets",
        headers=auth_headers(credentials),
        params={
            "ids": ",".join(t.external_id for t in targets),
            "tweet.fields": "public_metrics",
        },
    )
    raise_for_error(response)
    answer = json_body(response)
    found = {
        str(post.get("id")): numbers(post.get("public_metrics") or {})
        for post in answer.get("data") or []
        if isinstance(post, dict)
    }
    # Absent from ``data``: deleted, or no longer visible to this account (X names it
    # in ``errors``). Either way there is nothing more to collect.
    return {t.key: found.get(t.external_id, GONE) for t in targets}
