import datetime as dt

import pytest
from responses import matchers

from platforms.base import AuthError, PermanentError
from platforms.mastodon import metrics
from platforms.metrics import GONE, MetricsTarget, PostMetrics
from tests.platforms.conftest import credentials
from tests.platforms.mastodon.conftest import SERVER

CREDS = credentials(account={"server": SERVER, "account_id": "1"})


def test_favourites_reblogs_and_replies_are_read(api):
    api.get(
        f"{SERVER}/api/v1/statuses/11",
        match=[matchers.header_matcher({"Authorization": "Bearer tok-123"})],
        json={"id": "11", "favourites_count": 7, "reblogs_count": 2, "replies_count": 1},
    )
    found = metrics.collect([MetricsTarget(key=5, external_id="11")], CREDS)
    assert found == {5: PostMetrics(likes=7, shares=2, comments=1)}


def test_a_deleted_status_is_gone(api):
    api.get(f"{SERVER}/api/v1/statuses/11", status=404, json={"error": "Record not found"})
    assert metrics.collect([MetricsTarget(key=5, external_id="11")], CREDS) == {5: GONE}


def test_a_refused_token_is_an_auth_error(api):
    api.get(f"{SERVER}/api/v1/statuses/11", status=401, json={"error": "revoked"})
    with pytest.raises(AuthError):
        metrics.collect([MetricsTarget(key=5, external_id="11")], CREDS)


def test_one_status_per_call():
    targets = [MetricsTarget(key=i, external_id=str(i)) for i in range(2)]
    with pytest.raises(ValueError):
        metrics.collect(targets, CREDS)


def test_a_bad_server_is_permanent(api):
    creds = credentials(account={"server": "https://[::1]"})
    with pytest.raises(PermanentError):
        metrics.collect([MetricsTarget(key=5, external_id="11")], creds)


def test_the_budget_leaves_publishing_its_requests():
    budget = metrics.budget((30, 1800))
    # 5 posts per 5-minute window at 9 requests each, out of 300.
    assert budget.units == 300 - 5 * 9
    assert budget.window == dt.timedelta(minutes=5)
