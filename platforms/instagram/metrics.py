"""Instagram: a media's insights, one media per call.

Checked against Meta's documentation (Dec 2026):
- ``GET /<INSTAGRAM_MEDIA_ID>/insights?metric=...``
  (https://developers.facebook.com/docs/instagram-platform/reference/instagram-media/insights):
  ``reach``, ``likes``, ``comments``, ``saved``, ``shares`` and ``views``. ``views``
  replaced ``plays``, ``impressions`` and ``video_views`` (deprecated for every
  version since April 21, 2025), so it is what a reel's plays are read from now.
  The answer is ``{"data": [{"name", "period", "values": [{"value"}], ...}]}``; a
  metric with no data yet is left out rather than sent as 0 (None here).
- A deleted media answers a Graph error code 100 (subcode 33, "Object with ID ...
  does not exist"): gone. Throttling codes 4/17/32/613 are ``RateLimited`` as
  ``platforms.instagram.client`` maps them.
- Rate limits (https://developers.facebook.com/docs/graph-api/overview/rate-limiting/):
  200 calls per hour per user token, shared with publishing's own calls
  (container, status polls, publish, permalink: ``PUBLISH_CALLS`` per post of
  its window), which are set aside first.
"""

from __future__ import annotations

import datetime as dt

from platforms.base import Credentials, PermanentError
from platforms.http import json_body, send
from platforms.instagram.client import LABEL, graph_url, raise_for_error
from platforms.metrics import GONE, Budget, Gone, MetricsTarget, PostMetrics, count

BATCH_SIZE = 1
METRICS = ("reach", "likes", "comments", "saved", "shares", "views")
CALLS_PER_HOUR = 200
PUBLISH_CALLS = 4
UNKNOWN_OBJECT = (100, 33)


def budget(publish_limit: tuple[int, int]) -> Budget:
    posts, seconds = publish_limit
    publishing_per_hour = posts * PUBLISH_CALLS * 3600 / max(seconds, 1)
    return Budget(
        units=max(int(CALLS_PER_HOUR - publishing_per_hour), 0), window=dt.timedelta(hours=1)
    )


def is_unknown_object(response) -> bool:
    error = json_body(response).get("error") or {}
    return (error.get("code"), error.get("error_subcode")) == UNKNOWN_OBJECT or (
        response.status_code == 404
    )


def collect(
    targets: list[MetricsTarget], credentials: Credentials
) -> dict[int, PostMetrics | Gone]:
    if len(targets) > BATCH_SIZE:
        raise ValueError("Instagram media insights are read one media per call.")
    (target,) = targets
    response = send(
        LABEL,
        "GET",
        graph_url(f"{target.external_id}/insights"),
        params={"metric": ",".join(METRICS), "access_token": credentials.access_token},
    )
    if response.status_code >= 400 and is_unknown_object(response):
        return {target.key: GONE}
    raise_for_error(response)
    data = json_body(response).get("data")
    if not isinstance(data, list):
        raise PermanentError("Instagram answered insights without data.", code="bad_answer")
    values = {}
    for metric in data:
        if not isinstance(metric, dict):
            continue
        points = metric.get("values") or [{}]
        first = points[0] if isinstance(points, list) and isinstance(points[0], dict) else {}
        values[metric.get("name")] = count(first.get("value"))
    return {
        target.key: PostMetrics(
            reach=values.get("reach"),
            likes=values.get("likes"),
            comments=values.get("comments"),
            saves=values.get("saved"),
            shares=values.get("shares"),
            views=values.get("views"),
        )
    }
