"""The one entitlement service: every limit at its boundary and one past it."""

import calendar
import datetime as dt
import zoneinfo

import pytest
from django.db import transaction
from django.utils import timezone

from content.choices import Status
from content.models import Content
from entitlements.models import Entitlement
from entitlements.services import (
    EntitlementExceeded,
    check_media_file,
    check_new_account,
    limits_for,
)
from publishing.models import Publication
from publishing.services import (
    Target,
    cancel_content,
    delete_content,
    edit_content,
    schedule_content,
)
from publishing.states import Actor
from tests.factories import ContentFactory, UserFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC
MADRID = zoneinfo.ZoneInfo("Europe/Madrid")


def post(owner, when, *, platforms=("twitter",), body="Hello"):
    return schedule_content(
        owner=owner, body=body, targets=[Target(p) for p in platforms], scheduled_for=when
    )


def refusal(owner, when, **kwargs) -> EntitlementExceeded:
    before = Content.objects.count()
    with pytest.raises(EntitlementExceeded) as caught:
        post(owner, when, **kwargs)
    # Refused before anything is written.
    assert Content.objects.count() == before
    return caught.value


def this_month():
    """Mid-month of the current month (UTC), and its name as the message says it."""
    now = timezone.now()
    return dt.datetime(now.year, now.month, 15, 12, tzinfo=UTC), calendar.month_name[now.month]


def next_month_start(moment):
    return (moment.replace(day=1, hour=0, minute=0) + dt.timedelta(days=32)).replace(day=1)


# --- posts per month --------------------------------------------------------------------


def test_the_last_slot_is_taken_and_the_next_post_is_refused_in_words(user_on, reached):
    owner = user_on("Starter", posts_per_month=3)
    when, month = this_month()
    post(owner, when)
    post(owner, when)
    assert reached == []
    post(owner, when)  # the boundary: the third of three
    assert reached == [
        {"user_id": owner.pk, "limit_name": "posts_per_month", "limit": 3, "used": 3}
    ]
    error = refusal(owner, when)  # one past it
    assert error.message == (
        f"Your plan Starter allows 3 posts a month; you have scheduled 3 for {month}."
    )
    assert error.as_dict() == {
        "code": "entitlement_exceeded",
        "detail": error.message,
        "plan": "Starter",
        "limit_name": "posts_per_month",
        "limit": 3,
        "used": 3,
        "resets_at": next_month_start(when).isoformat(),
    }
    assert len(reached) == 1


def test_the_refusal_reads_exactly_as_the_plan_says(user_on):
    owner = user_on("Starter", posts_per_month=30)
    when, month = this_month()
    ContentFactory.create_batch(30, owner=owner, scheduled_for=when)
    error = refusal(owner, when)
    assert str(error) == (
        f"Your plan Starter allows 30 posts a month; you have scheduled 30 for {month}."
    )
    assert (error.limit, error.used, error.resets_at) == (30, 30, next_month_start(when))


def test_a_post_is_one_content_whatever_its_targets(user_on):
    owner = user_on(posts_per_month=1)
    when, _ = this_month()
    content = post(owner, when, platforms=("twitter", "discord"))
    assert content.publications.count() == 2
    assert refusal(owner, when).used == 1


def test_another_month_and_another_user_have_their_own_count(user_on):
    owner = user_on(posts_per_month=1)
    other = UserFactory()
    when, _ = this_month()
    post(other, when)
    post(owner, when)
    later = next_month_start(when) + dt.timedelta(days=2)
    post(owner, later)
    error = refusal(owner, later)
    assert error.used == 1  # the other user's post is never counted


def test_the_month_is_the_users_month_in_madrid(user_on):
    owner = user_on(posts_per_month=1, timezone="Europe/Madrid")
    # 31 Jan 23:30 in Madrid (22:30 UTC) is January's post.
    january_night = dt.datetime(2027, 1, 31, 23, 30, tzinfo=MADRID)
    post(owner, january_night)
    # 1 Feb 00:30 in Madrid is 31 Jan 23:30 in UTC: it counts for February, which is free.
    february_morning = dt.datetime(2027, 2, 1, 0, 30, tzinfo=MADRID)
    assert february_morning.astimezone(UTC) == dt.datetime(2027, 1, 31, 23, 30, tzinfo=UTC)
    post(owner, february_morning)
    january = refusal(owner, dt.datetime(2027, 1, 10, 12, tzinfo=UTC))
    # January ends at midnight in Madrid: 23:00 UTC.
    assert january.resets_at == dt.datetime(2027, 1, 31, 23, 0, tzinfo=UTC)
    assert "January" in january.message
    february = refusal(owner, dt.datetime(2027, 2, 20, 12, tzinfo=UTC))
    assert february.resets_at == dt.datetime(2027, 2, 28, 23, 0, tzinfo=UTC)


def test_in_utc_the_same_instant_counts_for_january(user_on):
    owner = user_on(posts_per_month=1, timezone="UTC")
    post(owner, dt.datetime(2027, 1, 10, tzinfo=UTC))
    error = refusal(owner, dt.datetime(2027, 1, 31, 23, 30, tzinfo=UTC))
    assert error.resets_at == dt.datetime(2027, 2, 1, tzinfo=UTC)


def test_rescheduling_within_the_month_takes_no_new_slot_and_into_a_full_month_is_refused(
    user_on,
):
    owner = user_on(posts_per_month=1)
    march = post(owner, dt.datetime(2027, 3, 10, 9, tzinfo=UTC))
    edit_content(march, scheduled_for=dt.datetime(2027, 3, 25, 9, tzinfo=UTC))
    post(owner, dt.datetime(2027, 4, 5, 9, tzinfo=UTC))
    with pytest.raises(EntitlementExceeded) as caught:
        edit_content(march, scheduled_for=dt.datetime(2027, 4, 20, 9, tzinfo=UTC))
    assert caught.value.used == 1 and "April" in caught.value.message
    march.refresh_from_db()
    assert march.scheduled_for == dt.datetime(2027, 3, 25, 9, tzinfo=UTC)
    # Into a free month: it goes, and gives March's slot back.
    edit_content(march, scheduled_for=dt.datetime(2027, 5, 1, 9, tzinfo=UTC))
    post(owner, dt.datetime(2027, 3, 1, 9, tzinfo=UTC))


def test_canceling_gives_the_slot_back(user_on):
    owner = user_on(posts_per_month=1)
    when, _ = this_month()
    content = post(owner, when)
    refusal(owner, when)
    cancel_content(content, actor=Actor.for_user(owner))
    post(owner, when)


def test_deleting_gives_the_slot_back(user_on):
    owner = user_on(posts_per_month=1)
    when, _ = this_month()
    delete_content(post(owner, when))
    post(owner, when)


@pytest.mark.parametrize("status", [Status.PUBLISHED, Status.FAILED])
def test_a_published_or_failed_post_keeps_its_slot(user_on, status):
    owner = user_on(posts_per_month=1)
    when, _ = this_month()
    content = post(owner, when)
    Content.objects.filter(pk=content.pk).update(status=status)
    assert refusal(owner, when).used == 1


# --- overrides, validity, superusers -------------------------------------------------------


def test_an_override_present_with_null_is_unlimited(user_on):
    owner = user_on(posts_per_month=1, platforms=["twitter"])
    Entitlement.objects.filter(user=owner).update(
        overrides={"posts_per_month": None, "platforms": None}
    )
    when, _ = this_month()
    for _ in range(3):
        post(owner, when, platforms=("twitter", "discord"))
    assert limits_for(owner).posts_per_month is None


def test_an_override_with_a_number_replaces_the_plans(user_on):
    owner = user_on(posts_per_month=None)
    Entitlement.objects.filter(user=owner).update(overrides={"posts_per_month": 2})
    when, _ = this_month()
    post(owner, when)
    post(owner, when)
    error = refusal(owner, when)
    assert (error.limit, error.used) == (2, 2)


@pytest.mark.parametrize(
    "window",
    [
        {"valid_until": dt.timedelta(days=-1)},
        {"valid_from": dt.timedelta(days=1)},
    ],
    ids=["expired", "not-yet-valid"],
)
def test_an_entitlement_out_of_its_dates_falls_back_to_the_default_plan(user_on, window):
    owner = user_on(posts_per_month=0, automation=False)
    now = timezone.now()
    Entitlement.objects.filter(user=owner).update(
        **{name: now + delta for name, delta in window.items()}
    )
    limits = limits_for(owner)
    assert (limits.plan_name, limits.posts_per_month, limits.automation) == (
        "Standard",
        None,
        True,
    )
    when, _ = this_month()
    post(owner, when)


def test_superusers_are_unlimited_whatever_their_plan(user_on):
    admin = user_on(posts_per_month=0, platforms=[], automation=False, max_media_bytes=1)
    admin.is_superuser = True
    admin.save()
    when, _ = this_month()
    post(admin, when, platforms=("twitter", "discord"))
    check_media_file(admin, name="big.mp4", size_bytes=10**9)
    assert limits_for(admin).unlimited


# --- platforms, automation -------------------------------------------------------------------


def test_a_platform_outside_the_plan_is_refused(user_on):
    owner = user_on(platforms=["twitter"])
    when, _ = this_month()
    post(owner, when, platforms=("twitter",))
    error = refusal(owner, when, platforms=("twitter", "discord"))
    assert error.message == "Your plan Starter does not include Discord."
    assert error.as_dict()["limit"] == ["twitter"]


def test_a_plan_with_no_platform_refuses_every_one(user_on):
    owner = user_on(platforms=[])
    when, _ = this_month()
    assert refusal(owner, when).message == "Your plan Starter does not include X."


def test_without_automation_only_publish_now_goes(user_on):
    owner = user_on(automation=False)
    when = timezone.now() + dt.timedelta(hours=1)
    error = refusal(owner, when)
    assert error.message == (
        "Your plan Starter does not include scheduled publishing; publish now instead."
    )
    before = timezone.now()
    content = schedule_content(owner=owner, body="Now", targets=[Target("twitter")], by_hand=True)
    publication = content.publications.get()
    assert publication.by_hand is True
    assert before <= content.scheduled_for <= timezone.now()
    assert publication.next_attempt_at == content.scheduled_for
    assert publication.events.get().reason == "publish now, by hand"


def test_publish_now_counts_against_the_month_too(user_on):
    owner = user_on(automation=False, posts_per_month=1)
    schedule_content(owner=owner, body="Now", targets=[Target("twitter")], by_hand=True)
    with pytest.raises(EntitlementExceeded) as caught:
        schedule_content(owner=owner, body="Again", targets=[Target("twitter")], by_hand=True)
    assert caught.value.limit_name == "posts_per_month"
    assert Publication.objects.filter(content__owner=owner).count() == 1


# --- accounts per platform ------------------------------------------------------------------


def test_accounts_per_platform_at_the_boundary_and_past_it(user_on, reached):
    owner = user_on(accounts_per_platform=2)
    with transaction.atomic():
        check_new_account(owner, "twitter", count_connected=lambda: 0)
    assert reached == []
    with transaction.atomic():
        check_new_account(owner, "twitter", count_connected=lambda: 1)  # the second of two
    assert reached == [
        {"user_id": owner.pk, "limit_name": "accounts_per_platform", "limit": 2, "used": 2}
    ]
    with pytest.raises(EntitlementExceeded) as caught, transaction.atomic():
        check_new_account(owner, "twitter", count_connected=lambda: 2)
    assert caught.value.message == "Your plan Starter allows 2 X accounts; you have connected 2."
    assert (caught.value.limit, caught.value.used) == (2, 2)


def test_an_account_on_a_platform_outside_the_plan_is_refused(user_on):
    owner = user_on(platforms=["twitter"])
    with pytest.raises(EntitlementExceeded) as caught, transaction.atomic():
        check_new_account(owner, "youtube", count_connected=lambda: 0)
    assert caught.value.message == "Your plan Starter does not include YouTube."


# --- media ---------------------------------------------------------------------------------------


def test_the_largest_media_file_at_the_boundary_and_past_it(user_on):
    owner = user_on(max_media_bytes=1000)
    check_media_file(owner, name="v.mp4", size_bytes=1000)
    with pytest.raises(EntitlementExceeded) as caught:
        check_media_file(owner, name="v.mp4", size_bytes=1001)
    assert caught.value.message == (
        "Your plan Starter allows media files up to 1000\xa0bytes; v.mp4 is 1001\xa0bytes."
    )
    assert (caught.value.limit, caught.value.used) == (1000, 1001)
