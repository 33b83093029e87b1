import datetime as dt

import pytest
from responses import matchers

from platforms.base import RateLimited
from platforms.bluesky import metrics
from platforms.metrics import GONE, MetricsTarget, PostMetrics
from tests.platforms.bluesky.conftest import XRPC
from tests.platforms.conftest import credentials

ONE = "at://did:plc:a/app.bsky.feed.post/3lbzgxkqjsk2c"
TWO = "at://did:plc:a/app.bsky.feed.post/3lbzgxkqjsk3c"


def test_counts_come_from_get_posts_and_a_missing_post_is_gone(api):
    api.get(
        f"{XRPC}/app.bsky.feed.getPosts",
        json={
            "posts": [
                {"uri": ONE, "likeCount": 7, "repostCount": 2, "replyCount": 3, "quoteCount": 1}
            ]
        },
        match=[
            matchers.query_string_matcher(f"uris={ONE}&uris={TWO}"),
            matchers.header_matcher({"Authorization": "Bearer tok-123"}),
        ],
    )
    found = metrics.collect(
        [MetricsTarget(key=1, external_id=ONE), MetricsTarget(key=2, external_id=TWO)],
        credentials(),
    )
    assert found == {1: PostMetrics(likes=7, shares=2, comments=3, quotes=1), 2: GONE}


def test_at_most_25_posts_per_call_and_a_third_of_the_ip_allowance():
    with pytest.raises(ValueError):
        metrics.collect([MetricsTarget(key=n, external_id=ONE) for n in range(26)], credentials())
    budget = metrics.budget((1666, 3600))
    assert (budget.units, budget.window, budget.per_app) == (1000, dt.timedelta(minutes=5), True)


def test_a_429_is_rate_limited(api):
    api.get(f"{XRPC}/app.bsky.feed.getPosts", status=429, json={"error": "RateLimitExceeded"})
    with pytest.raises(RateLimited):
        metrics.collect([MetricsTarget(key=1, external_id=ONE)], credentials())
