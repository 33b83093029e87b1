"""LinkedIn's metrics reader against the social actions summary its documentation shows."""

import datetime as dt

import pytest
from responses import matchers

from platforms.base import AuthError, RateLimited
from platforms.linkedin import client as linkedin
from platforms.linkedin import metrics
from platforms.metrics import GONE, MetricsTarget, PostMetrics
from tests.platforms.conftest import credentials
from tests.platforms.linkedin.conftest import API

CREDS = credentials(account={"external_account_id": "abc123"})
SHARE = "urn:li:share:7001"
SUMMARY_URL = f"{API}/rest/socialActions/urn%3Ali%3Ashare%3A7001"


def test_likes_and_all_comments_come_from_the_summary(api):
    api.get(
        SUMMARY_URL,
        match=[
            matchers.header_matcher(
                {
                    "Authorization": "Bearer tok-123",
                    "LinkedIn-Version": linkedin.LINKEDIN_VERSION,
                    "X-Restli-Protocol-Version": "2.0.0",
                }
            )
        ],
        json={
            "target": SHARE,
            "likesSummary": {"likedByCurrentUser": False, "totalLikes": 12},
            "commentsSummary": {"totalFirstLevelComments": 3, "aggregatedTotalComments": 5},
        },
    )
    found = metrics.collect([MetricsTarget(key=4, external_id=SHARE)], CREDS)
    assert found == {4: PostMetrics(likes=12, comments=5)}


def test_a_deleted_post_is_gone(api):
    api.get(SUMMARY_URL, status=404, json={"status": 404, "message": "Not found"})
    assert metrics.collect([MetricsTarget(key=4, external_id=SHARE)], CREDS) == {4: GONE}


def test_refusals_are_heralds_errors(api):
    api.get(SUMMARY_URL, status=401, json={"status": 401, "message": "Invalid access token"})
    api.get(SUMMARY_URL, status=429, json={"status": 429, "message": "Throttled"})
    target = [MetricsTarget(key=4, external_id=SHARE)]
    with pytest.raises(AuthError):
        metrics.collect(target, CREDS)
    with pytest.raises(RateLimited):
        metrics.collect(target, CREDS)


def test_one_post_per_call_and_a_daily_budget_of_its_own():
    with pytest.raises(ValueError, match="1 post per call"):
        metrics.collect([MetricsTarget(key=n, external_id=SHARE) for n in (1, 2)], CREDS)
    budget = metrics.budget((100, 86400))
    assert (budget.units, budget.window, budget.per_app) == (500, dt.timedelta(days=1), False)
    start = budget.start_of_window(dt.datetime(2026, 12, 1, 15, 4, tzinfo=dt.UTC))
    assert start == dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
