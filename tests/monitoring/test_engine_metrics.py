"""What a scraper sees after the engine ran: states, errors, lag, holds, in-doubt rows."""

import datetime as dt

import pytest
from django.utils import timezone

from content.choices import Platform, Status
from platforms.base import PermanentError, RateLimited, TransientError
from publishing.services import IN_DOUBT_CODE, Target, schedule_content
from tests.factories import IntegrationFactory, PublicationFactory, UserFactory

pytestmark = pytest.mark.django_db


def schedule(owner, account, *, seconds_ago: int):
    return schedule_content(
        owner=owner,
        body=f"due {seconds_ago} s ago",
        targets=[Target(platform=account.provider, integration=account)],
        scheduled_for=timezone.now() - dt.timedelta(seconds=seconds_ago),
    )


def test_after_a_drain(drain, fake_platform, scrape, settings):
    settings.PLATFORM_RATE_LIMITS = {**settings.PLATFORM_RATE_LIMITS, "youtube": (1, 86400)}
    owner = UserFactory()
    accounts = {p: IntegrationFactory(user=owner, provider=p) for p in Platform.values}
    # Workers take them in id order (see drain), so the fake answers them in this order.
    plan = [
        ("twitter", None),  # published
        ("discord", None),  # published
        ("twitter", TransientError("timed out")),  # retrying
        ("instagram", PermanentError("refused")),  # failed
        ("discord", RateLimited("slow down", until=timezone.now() + dt.timedelta(hours=1))),
        ("youtube", None),  # published, taking the window's only slot
        ("youtube", "no call"),  # held: Herald's window is full
    ]
    for n, (platform, _) in enumerate(plan):
        schedule(owner, accounts[platform], seconds_ago=60 - 5 * n)  # due 30-60 s ago
    fake_platform.script = [outcome for _, outcome in plan if outcome != "no call"]

    assert drain() == [
        "published",
        "published",
        "retrying",
        "failed",
        "rate_limited",
        "published",
        "rate_limited",
    ]
    result = scrape()

    expected_states = {
        ("twitter", Status.PUBLISHED): 1,
        ("twitter", Status.RETRYING): 1,
        ("discord", Status.PUBLISHED): 1,
        ("discord", Status.QUEUED): 1,
        ("instagram", Status.FAILED): 1,
        ("youtube", Status.PUBLISHED): 1,
        ("youtube", Status.QUEUED): 1,
    }
    for platform in Platform.values:
        for state in Status.values:
            assert result.value(
                "herald_publications", platform=platform, state=state
            ) == expected_states.get((platform, state), 0), (platform, state)

    errors = {
        ("twitter", "transient"): 1,
        ("instagram", "permanent"): 1,
        ("discord", "rate_limited"): 1,
    }
    for platform in Platform.values:
        for kind in ("transient", "permanent", "auth", "rate_limited"):
            assert result.value(
                "herald_platform_errors_total", platform=platform, **{"class": kind}
            ) == errors.get((platform, kind), 0), (platform, kind)

    holds = {("youtube", "herald"): 1, ("discord", "platform"): 1}
    for platform in Platform.values:
        for source in ("herald", "platform"):
            expected = holds.get((platform, source), 0)
            assert (
                result.value("herald_rate_limit_holds_total", platform=platform, source=source)
                == expected
            ), (platform, source)
            # The same two rows are held right now.
            assert (
                result.value("herald_rate_limit_held", platform=platform, source=source) == expected
            ), (platform, source)

    # One lag per publication whose first request went out (the held one sent nothing).
    lags = {"twitter": 2, "discord": 2, "instagram": 1, "youtube": 1}
    for platform, count in lags.items():
        assert result.value("herald_publish_lag_seconds_count", platform=platform) == count
        # Each was due 30 s to 60 s before it went out.
        assert result.value("herald_publish_lag_seconds_bucket", platform=platform, le="10.0") == 0
        assert (
            result.value("herald_publish_lag_seconds_bucket", platform=platform, le="300.0")
            == count
        )
        assert (
            30 * count
            <= result.value("herald_publish_lag_seconds_sum", platform=platform)
            < 300 * count
        )

    # Two ticks of one pass each: the one that dispatched, the one that found nothing.
    assert result.value("herald_tick_pass_duration_seconds_count") == 2
    assert result.value("herald_tick_last_run_timestamp_seconds") > 0
    assert result.value("herald_publications_overdue") == 0
    assert result.value("herald_metrics_store_up") == 1
    # The fake platform makes no HTTP calls.
    assert (
        sum(s.value for s in result.samples("herald_platform_request_duration_seconds_count")) == 0
    )


def test_a_retry_is_not_a_second_first_request(drain, fake_platform, scrape):
    owner = UserFactory()
    content = schedule(owner, IntegrationFactory(user=owner), seconds_ago=5)
    fake_platform.script = [TransientError("timed out")]
    assert drain() == ["retrying"]
    content.publications.update(next_attempt_at=timezone.now())
    assert drain() == ["published"]
    result = scrape()
    assert result.value("herald_publish_lag_seconds_count", platform="twitter") == 1
    assert (
        result.value("herald_platform_errors_total", platform="twitter", **{"class": "transient"})
        == 1
    )


def test_in_doubt_rows_by_stage(scrape):
    now = timezone.now()
    PublicationFactory(platform="twitter", status=Status.FAILED, last_error_code=IN_DOUBT_CODE)
    PublicationFactory(platform="twitter", status=Status.RETRYING, request_sent_at=now)
    PublicationFactory(platform="discord", status=Status.QUEUED, request_sent_at=now)
    # Not in doubt: failed for another reason, retrying with nothing sent, published.
    PublicationFactory(platform="twitter", status=Status.FAILED, last_error_code="permanent")
    PublicationFactory(platform="twitter", status=Status.RETRYING)
    PublicationFactory(platform="discord", status=Status.PUBLISHED, request_sent_at=now)
    result = scrape()
    expected = {
        ("twitter", "needs_operator"): 1,
        ("twitter", "awaiting_reconcile"): 1,
        ("discord", "awaiting_reconcile"): 1,
    }
    for platform in Platform.values:
        for stage in ("awaiting_reconcile", "needs_operator"):
            assert result.value(
                "herald_publications_in_doubt", platform=platform, stage=stage
            ) == expected.get((platform, stage), 0), (platform, stage)


def test_overdue_counts_due_rows_not_picked_up_in_time(scrape):
    late = timezone.now() - dt.timedelta(minutes=6)
    PublicationFactory(status=Status.SCHEDULED, next_attempt_at=late)
    PublicationFactory(status=Status.RETRYING, next_attempt_at=late)
    PublicationFactory(status=Status.SCHEDULED, next_attempt_at=timezone.now())  # just due
    assert scrape().value("herald_publications_overdue") == 2
