"""The collector: enrolment, ages, batching per account, budgets, gone posts, skipped accounts."""

import datetime as dt

import pytest
import responses
from django.db import connection
from django.test.utils import CaptureQueriesContext
from responses import matchers

from analytics.models import CollectorBudget, CollectorState, MetricsSnapshot
from analytics.services import collect_due
from content.choices import Status
from integrations.models import Integration
from platforms.x import metrics as x_metrics
from publishing.models import Publication
from tests.analytics.conftest import NOW, published
from tests.factories import IntegrationFactory

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)
LOOKUP = "https://api.x.com/2/tweets"


@pytest.fixture(autouse=True)
def hosts(real_hosts):
    return real_hosts


@pytest.fixture
def mocked():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def lookup_answer(likes_of):
    """A callback answering GET /2/tweets for the ids asked, likes from ``likes_of(id)``;
    an id for which it returns None is left out, as X leaves out a deleted post."""

    def answer(request):
        ids = request.params["ids"].split(",")
        data = [
            {
                "id": i,
                "text": "t",
                "public_metrics": {
                    "like_count": likes_of(i),
                    "reply_count": 1,
                    "retweet_count": 0,
                    "quote_count": 0,
                    "bookmark_count": 0,
                    "impression_count": 50,
                },
            }
            for i in ids
            if likes_of(i) is not None
        ]
        return 200, {}, __import__("json").dumps({"data": data})

    return answer


def test_first_snapshot_an_hour_after_publishing_then_the_next_ages(x_account, mocked):
    post = published(x_account, external_id="1500", ago=dt.timedelta(minutes=70))
    mocked.add_callback(
        responses.GET,
        LOOKUP,
        callback=lookup_answer(lambda i: 10),
        match=[matchers.header_matcher({"Authorization": f"Bearer {x_account.access_token}"})],
    )
    report = collect_due(now=NOW)
    assert report.calls == {"twitter": 1} and report.snapshots == 1
    snapshot = MetricsSnapshot.objects.get(publication=post)
    assert (snapshot.due_after, snapshot.likes, snapshot.views, snapshot.engagement) == (
        3600,
        10,
        50,
        11,
    )
    state = CollectorState.objects.get(publication=post)
    assert state.next_age_index == 1
    assert state.next_due_at == post.published_at + dt.timedelta(hours=24)

    assert collect_due(now=NOW + HOUR).calls == {}  # nothing due: no call

    later = post.published_at + dt.timedelta(days=8)  # a late run: 24 h and 7 d both passed
    collect_due(now=later)
    ages = list(
        MetricsSnapshot.objects.filter(publication=post).values_list("due_after", "is_latest")
    )
    assert ages == [(3600, False), (7 * 86400, True)]
    assert CollectorState.objects.get(publication=post).next_due_at == (
        post.published_at + dt.timedelta(days=30)
    )


def test_posts_are_batched_100_per_call_per_account(x_account, mocked):
    other = IntegrationFactory(provider="twitter")
    for n in range(150):
        published(x_account, external_id=str(2000 + n), ago=2 * HOUR)
    for n in range(5):
        published(other, external_id=str(9000 + n), ago=2 * HOUR)
    mocked.add_callback(responses.GET, LOOKUP, callback=lookup_answer(lambda i: 1))
    report = collect_due(now=NOW)
    sizes = sorted(len(c.request.params["ids"].split(",")) for c in mocked.calls)
    assert sizes == [5, 50, 100]
    assert report.snapshots == 155
    assert all(c.request.params["tweet.fields"] == "public_metrics" for c in mocked.calls)


def test_a_deleted_post_is_gone_and_never_asked_again(x_account, mocked):
    kept = published(x_account, external_id="3000", ago=2 * HOUR)
    deleted = published(x_account, external_id="3001", ago=2 * HOUR)
    mocked.add_callback(
        responses.GET, LOOKUP, callback=lookup_answer(lambda i: None if i == "3001" else 4)
    )
    report = collect_due(now=NOW)
    assert report.gone == 1
    state = CollectorState.objects.get(publication=deleted)
    assert state.gone_at == NOW and state.next_due_at is None
    assert not MetricsSnapshot.objects.filter(publication=deleted).exists()
    assert Publication.objects.get(pk=deleted.pk).status == Status.PUBLISHED

    collect_due(now=NOW + dt.timedelta(days=2))
    asked = mocked.calls[-1].request.params["ids"]
    assert asked == kept.external_id


def test_an_account_to_reconnect_is_skipped_counted_and_its_posts_wait(x_account, mocked):
    post = published(x_account, external_id="4000", ago=2 * HOUR)
    Integration.objects.filter(pk=x_account.pk).update(status=Integration.Status.NEEDS_REAUTH)
    report = collect_due(now=NOW)
    assert report.skipped == {("twitter", "needs_reauth"): 1}
    assert report.calls == {}
    assert Publication.objects.get(pk=post.pk).status == Status.PUBLISHED
    assert CollectorState.objects.get(publication=post).next_due_at == post.published_at + HOUR


def test_a_429_backs_the_account_off_and_leaves_publishing_alone(x_account, mocked):
    post = published(x_account, external_id="5000", ago=2 * HOUR)
    reset = NOW + dt.timedelta(minutes=12)
    mocked.get(
        LOOKUP,
        status=429,
        headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(int(reset.timestamp()))},
        json={
            "title": "Too Many Requests",
            "errors": [{"code": 88, "message": "Rate limit exceeded"}],
        },
    )
    report = collect_due(now=NOW)
    assert report.errors == {("twitter", "rate_limited"): 1}
    budget = CollectorBudget.objects.get(platform="twitter", key=post.account_key)
    assert budget.backoff_until == reset
    # Publishing's own records are untouched: no slot taken, no platform wait set.
    assert Publication.objects.get(pk=post.pk).rate_slot_at is None
    assert Integration.objects.get(pk=x_account.pk).rate_limited_until is None

    assert collect_due(now=NOW + dt.timedelta(minutes=5)).deferred == 1  # still waiting
    mocked.add_callback(responses.GET, LOOKUP, callback=lookup_answer(lambda i: 2))
    assert collect_due(now=reset + dt.timedelta(seconds=1)).snapshots == 1


def test_the_collector_takes_only_its_share_of_the_window(x_account, mocked, settings, monkeypatch):
    monkeypatch.setattr(x_metrics, "LOOKUP_LIMIT", (4, 900))
    settings.ANALYTICS_RATE_SHARE = 0.5  # 2 calls per 15 minutes
    for n in range(250):
        published(x_account, external_id=str(6000 + n), ago=2 * HOUR)
    mocked.add_callback(responses.GET, LOOKUP, callback=lookup_answer(lambda i: 1))
    start = dt.datetime(2031, 3, 10, 12, 0, tzinfo=dt.UTC)  # a window boundary
    first = collect_due(now=start)
    assert (first.calls["twitter"], first.snapshots, first.deferred) == (2, 200, 1)
    assert collect_due(now=start + dt.timedelta(minutes=5)).calls == {}  # share spent
    assert collect_due(now=start + dt.timedelta(minutes=15)).snapshots == 50  # next window


def test_queries_do_not_grow_with_the_number_of_posts(x_account, mocked):
    """A fixed handful, plus the bulk writes (SQLite takes about 90 rows per INSERT)."""
    mocked.add_callback(responses.GET, LOOKUP, callback=lookup_answer(lambda i: 1))
    for n in range(300):
        published(x_account, external_id=str(8000 + n), ago=2 * HOUR)
    with CaptureQueriesContext(connection) as queries:
        assert collect_due(now=NOW).snapshots == 300
    writes = [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(queries) - len(writes) <= 18  # with taking and releasing the lease
    assert len(writes) <= 300 // 30 + 1  # and the lease row, created once


def test_metrics_show_the_collectors_calls_skips_and_lag(
    x_account, mocked, django_capture_on_commit_callbacks
):
    from monitoring.collector import render

    late = published(x_account, external_id="9100", ago=3 * HOUR)
    other = IntegrationFactory(provider="twitter", status=Integration.Status.EXPIRED)
    published(other, external_id="9101", ago=3 * HOUR)
    mocked.add_callback(responses.GET, LOOKUP, callback=lookup_answer(lambda i: 1))
    with django_capture_on_commit_callbacks(execute=True):  # the store writes on commit
        collect_due(now=NOW)
    text = render().decode()
    assert 'herald_analytics_calls_total{platform="twitter"} 1.0' in text
    assert (
        'herald_analytics_accounts_skipped_total{platform="twitter",reason="expired"} 1.0' in text
    )
    assert 'herald_analytics_snapshots_total{outcome="ok"} 1.0' in text
    # The expired account's post is still due: the lag counts from its due time.
    assert "herald_analytics_lag_seconds" in text
    assert CollectorState.objects.get(publication=late).next_due_at > NOW


def test_one_run_at_a_time_and_a_dead_runs_lease_expires(x_account, mocked):
    from django.utils import timezone

    from analytics.models import CollectorLease

    CollectorLease.objects.create(
        pk=1, holder="another", expires_at=timezone.now() + dt.timedelta(minutes=5)
    )
    assert collect_due(now=NOW).ran is False
    CollectorLease.objects.filter(pk=1).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert collect_due(now=NOW).ran is True
    assert CollectorLease.objects.get(pk=1).holder == ""


def test_a_refused_token_makes_the_account_need_reconnecting_then_it_is_skipped(x_account, mocked):
    post = published(x_account, external_id="9200", ago=2 * HOUR)
    mocked.get(LOOKUP, status=401, json={"title": "Unauthorized", "detail": "Unauthorized"})
    report = collect_due(now=NOW)
    assert report.errors == {("twitter", "auth"): 1}
    account = Integration.objects.get(pk=x_account.pk)
    assert account.status == Integration.Status.NEEDS_REAUTH
    assert x_account.access_token not in account.last_error
    again = collect_due(now=NOW + dt.timedelta(hours=1))
    assert again.skipped == {("twitter", "needs_reauth"): 1} and again.calls == {}
    assert Publication.objects.get(pk=post.pk).status == Status.PUBLISHED


def test_a_server_error_backs_off_for_the_error_backoff(x_account, mocked, settings):
    published(x_account, external_id="9300", ago=2 * HOUR)
    settings.ANALYTICS_ERROR_BACKOFF_SECONDS = 600
    mocked.get(LOOKUP, status=503, json={"title": "Service Unavailable"})
    assert collect_due(now=NOW).errors == {("twitter", "transient"): 1}
    budget = CollectorBudget.objects.get(platform="twitter")
    assert budget.backoff_until == NOW + dt.timedelta(seconds=600)
    assert "503" in budget.last_error
