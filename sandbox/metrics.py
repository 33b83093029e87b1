"""Numbers the sandbox reports about its posts: they grow with time, the same for the same post.

Each number is ``scale * log(1 + hours since the post)``, with a scale drawn from
a hash of the post's id and the number's name: deterministic, never decreasing,
fast at first and slower later, as real posts go.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math

# How large each kind of number runs, relative to views.
WEIGHTS = {
    "views": 400,
    "reach": 250,
    "likes": 30,
    "comments": 6,
    "shares": 4,
    "quotes": 1,
    "saves": 3,
    "reactions": 8,
}


def grown(external_id: str, name: str, created_at: dt.datetime, now: dt.datetime) -> int:
    """The value of number ``name`` of post ``external_id`` at ``now``."""
    hours = max((now - created_at).total_seconds(), 0.0) / 3600
    digest = hashlib.sha256(f"{external_id}:{name}".encode()).digest()
    scale = 0.2 + (int.from_bytes(digest[:4], "big") % 1000) / 1000  # 0.2 .. 1.2
    return int(WEIGHTS[name] * scale * math.log1p(hours))


def numbers(external_id: str, created_at: dt.datetime, now: dt.datetime) -> dict[str, int]:
    return {name: grown(external_id, name, created_at, now) for name in WEIGHTS}


def x_public_metrics(external_id: str, created_at: dt.datetime, now: dt.datetime) -> dict:
    n = numbers(external_id, created_at, now)
    return {
        "retweet_count": n["shares"],
        "reply_count": n["comments"],
        "like_count": n["likes"],
        "quote_count": n["quotes"],
        "bookmark_count": n["saves"],
        "impression_count": n["views"],
    }


def youtube_statistics(external_id: str, created_at: dt.datetime, now: dt.datetime) -> dict:
    n = numbers(external_id, created_at, now)
    # The API sends these counts as strings.
    return {
        "viewCount": str(n["views"]),
        "likeCount": str(n["likes"]),
        "favoriteCount": "0",
        "commentCount": str(n["comments"]),
    }


INSTAGRAM_METRICS = {
    "reach": "reach",
    "likes": "likes",
    "comments": "comments",
    "saved": "saves",
    "shares": "shares",
    "views": "views",
    "total_interactions": None,
}


def instagram_insights(
    external_id: str, metrics: list[str], created_at: dt.datetime, now: dt.datetime
) -> list[dict]:
    n = numbers(external_id, created_at, now)
    data = []
    for metric in metrics:
        name = INSTAGRAM_METRICS[metric]
        value = n[name] if name else sum(n[k] for k in ("likes", "comments", "saves", "shares"))
        data.append(
            {
                "name": metric,
                "period": "lifetime",
                "values": [{"value": value}],
                "title": metric.replace("_", " ").title(),
                "description": "",
                "id": f"{external_id}/insights/{metric}/lifetime",
            }
        )
    return data


def discord_reactions(external_id: str, created_at: dt.datetime, now: dt.datetime) -> list[dict]:
    total = grown(external_id, "reactions", created_at, now)
    if not total:
        return []
    first = (total * 2) // 3
    reactions = [("🔥", first), ("👍", total - first)]
    return [
        {
            "count": count,
            "count_details": {"burst": 0, "normal": count},
            "burst_colors": [],
            "me_burst": False,
            "burst_me": False,
            "me": False,
            "burst_count": 0,
            "emoji": {"id": None, "name": name},
        }
        for name, count in reactions
        if count
    ]
