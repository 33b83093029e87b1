"""YouTube: views, likes and comments from ``videos.list``, 50 ids per call.

Checked against Google's documentation (Dec 2026):
- ``GET https://www.googleapis.com/youtube/v3/videos?part=statistics&id=a,b,...``
  (https://developers.google.com/youtube/v3/docs/videos/list): ``id`` is a
  comma-separated list (50 at most, as ``maxResults``); each item's ``statistics``
  has ``viewCount``, ``likeCount``, ``commentCount`` as strings, ``likeCount``
  absent when the owner hides it. A deleted or private video is simply absent
  from ``items``.
- Quota (https://developers.google.com/youtube/data/determine_quota_cost):
  ``videos.list`` costs 1 unit; a project has 10,000 units a day for every
  method but ``videos.insert`` and ``search.list`` (their own buckets), reset at
  midnight Pacific time, the day ``platforms.youtube.client`` already counts for
  ``quotaExceeded`` (``next_pacific_midnight``). The quota is the project's, so
  the collector's budget is one for the whole app, from which publishing's own
  calls (the session, the status checks: ``PUBLISH_UNITS`` per upload of its
  daily window) are set aside first.
- A 403 ``quotaExceeded`` is ``RateLimited`` until Pacific midnight, as for uploads.
"""

from __future__ import annotations

import datetime as dt

from platforms.base import Credentials
from platforms.http import json_body, send
from platforms.metrics import GONE, Budget, Gone, MetricsTarget, PostMetrics, count
from platforms.youtube.client import LABEL, PACIFIC, raise_for_error

BATCH_SIZE = 50
DAILY_QUOTA_UNITS = 10_000
LIST_COST = 1
# What one upload may spend of the 10,000 units besides videos.insert (its own bucket).
PUBLISH_UNITS = 50


def pacific_day_start(now: dt.datetime) -> dt.datetime:
    local = now.astimezone(PACIFIC)
    return dt.datetime.combine(local.date(), dt.time(), tzinfo=PACIFIC)


def budget(publish_limit: tuple[int, int]) -> Budget:
    uploads_per_day = publish_limit[0] * max(1, round(86400 / max(publish_limit[1], 1)))
    return Budget(
        units=max(DAILY_QUOTA_UNITS - uploads_per_day * PUBLISH_UNITS, 0),
        window=dt.timedelta(days=1),
        cost=LIST_COST,
        per_app=True,
        window_start=pacific_day_start,
    )


def videos_url() -> str:
    from django.conf import settings

    return f"{settings.PLATFORM_BASE_URLS['youtube']}/youtube/v3/videos"


def collect(
    targets: list[MetricsTarget], credentials: Credentials
) -> dict[int, PostMetrics | Gone]:
    if len(targets) > BATCH_SIZE:
        raise ValueError(f"videos.list takes at most {BATCH_SIZE} ids per call.")
    response = send(
        LABEL,
        "GET",
        videos_url(),
        headers={"Authorization": f"Bearer {credentials.access_token}"},
        params={"part": "statistics", "id": ",".join(t.external_id for t in targets)},
    )
    raise_for_error(response)
    found = {}
    for item in json_body(response).get("items") or []:
        if not isinstance(item, dict):
            continue
        statistics = item.get("statistics") or {}
        found[str(item.get("id"))] = PostMetrics(
            views=count(statistics.get("viewCount")),
            likes=count(statistics.get("likeCount")),
            comments=count(statistics.get("commentCount")),
        )
    return {t.key: found.get(t.external_id, GONE) for t in targets}
