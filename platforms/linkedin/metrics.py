"""LinkedIn: likes and comments of a post from its social actions summary, one post per call.

Checked against LinkedIn's documentation on Microsoft Learn (Dec 2026):
- Network Update Social Actions
  (https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/network-update-social-actions):
  ``GET /rest/socialActions/{shareUrn|ugcPostUrn}`` (the URN encoded as one path segment,
  with the ``LinkedIn-Version`` and ``X-Restli-Protocol-Version`` headers) answers a
  summary with ``likesSummary.totalLikes`` and ``commentsSummary.aggregatedTotalComments``
  (comments and their replies). Reading a member's social actions needs
  ``r_member_social``, which LinkedIn grants to approved apps: without it the answer is
  403, which the collector records as a permanent refusal. A deleted post answers 404.
- Rate limits (https://developer.linkedin.com/docs/guide/v2/concepts/rate-limits): per
  member and per day, reset at midnight UTC, figures unpublished. The collector's share
  is ``DAILY_READS`` a member-day, windows starting at midnight UTC as LinkedIn's do.
"""

from __future__ import annotations

import datetime as dt

from platforms.base import Credentials
from platforms.http import json_body, send
from platforms.linkedin.client import LABEL, api_url, raise_for_error, rest_headers, urn_path
from platforms.metrics import GONE, Budget, Gone, MetricsTarget, PostMetrics, count

BATCH_SIZE = 1
# Reads per member per day: far below any daily member limit an app is given, and
# reads are counted apart from the Posts API's own.
DAILY_READS = 500


def budget(publish_limit: tuple[int, int]) -> Budget:
    """Reads have their own daily allowance per endpoint: publishing never spends it."""
    return Budget(units=DAILY_READS, window=dt.timedelta(days=1))


def collect(
    targets: list[MetricsTarget], credentials: Credentials
) -> dict[int, PostMetrics | Gone]:
    if len(targets) > BATCH_SIZE:
        raise ValueError(f"LinkedIn's social actions summary is read {BATCH_SIZE} post per call.")
    found: dict[int, PostMetrics | Gone] = {}
    for target in targets:
        response = send(
            LABEL,
            "GET",
            api_url(f"/rest/socialActions/{urn_path(target.external_id)}"),
            headers=rest_headers(credentials),
        )
        if response.status_code == 404:
            found[target.key] = GONE
            continue
        raise_for_error(response)
        summary = json_body(response)
        likes = summary.get("likesSummary") or {}
        comments = summary.get("commentsSummary") or {}
        found[target.key] = PostMetrics(
            likes=count(likes.get("totalLikes")),
            comments=count(comments.get("aggregatedTotalComments")),
        )
    return found
