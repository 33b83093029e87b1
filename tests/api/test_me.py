"""GET and PATCH /api/v1/me/: you, your plan, what you use of it, the posts it holds."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from content.choices import Status
from entitlements.models import Plan
from entitlements.services import set_plan
from publishing.states import transition
from tests.api.conftest import client_for, scheduled
from tests.factories import IntegrationFactory, UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"


def limits_by_name(body: dict) -> dict:
    return {row["name"]: row for row in body["limits"]}


def hold_by_plan(publication, reason: str) -> None:
    """What the engine does to a due post the plan no longer allows: QUEUED, held, not failed."""
    transition(publication, Status.QUEUED, reason="due")
    type(publication).objects.filter(pk=publication.pk).update(hold_kind="plan", hold_reason=reason)


@pytest.fixture(autouse=True)
def not_at_a_months_end():
    """Posts scheduled minutes from now must fall in this month, in Madrid and in UTC."""
    now = timezone.now()
    for zone in (dt.UTC, ZoneInfo("Europe/Madrid")):
        if (now + dt.timedelta(minutes=15)).astimezone(zone).month != now.astimezone(zone).month:
            pytest.skip("runs too close to a month's end to count this month's posts")


@pytest.fixture
def starter(db):
    return Plan.objects.create(
        name="Starter",
        platforms=["discord", "twitter"],
        accounts_per_platform=2,
        posts_per_month=30,
        automation=True,
        max_media_bytes=10_000_000,
        api_rate="500/hour",
    )


def test_me_shows_the_user_the_plan_each_limit_with_usage_and_the_held_posts(api, alice, starter):
    entitlement = set_plan(alice, starter)
    entitlement.valid_until = dt.datetime(2032, 1, 1, tzinfo=dt.UTC)
    entitlement.save()
    IntegrationFactory(user=alice, provider="twitter")
    IntegrationFactory(user=alice, provider="twitter", status="revoked")
    IntegrationFactory(user=alice, provider="discord", status="paused")
    now = timezone.now()
    this_month = [scheduled(alice, when=now + dt.timedelta(minutes=m)) for m in (5, 6)]
    canceled = scheduled(alice, when=now + dt.timedelta(minutes=7))
    transition(canceled.publications.get(), Status.CANCELED, reason="canceled")
    held = this_month[0].publications.get()
    hold_by_plan(held, "the plan Starter does not include scheduled publishing")

    answer = api.get(ME)

    assert answer.status_code == 200
    body = answer.json()
    assert (body["username"], body["email"], body["timezone"]) == (
        "alice",
        "alice@example.com",
        "Europe/Madrid",
    )
    assert body["plan"] == {
        "name": "Starter",
        "valid_until": "2032-01-01T00:00:00Z",
        "unlimited": False,
    }
    limits = limits_by_name(body)
    assert list(limits) == [
        "platforms",
        "accounts_per_platform",
        "posts_per_month",
        "automation",
        "max_media_bytes",
        "api_rate",
    ]
    assert limits["platforms"]["limit"] == ["discord", "twitter"]
    accounts = limits["accounts_per_platform"]
    assert accounts["limit"] == 2
    # The revoked account does not count; the paused one does.
    assert accounts["used"]["twitter"] == 1 and accounts["used"]["discord"] == 1
    assert accounts["remaining"]["twitter"] == 1 and accounts["used"]["youtube"] == 0
    posts = limits["posts_per_month"]
    assert (posts["limit"], posts["used"], posts["remaining"]) == (30, 2, 28)
    # The first instant of next month in Madrid, given in UTC like every time the API shows.
    month_start = now.astimezone(alice.zone).replace(day=1, hour=0, minute=0, second=0)
    next_month = (month_start + dt.timedelta(days=32)).replace(day=1, microsecond=0)
    assert dt.datetime.fromisoformat(posts["resets_at"]) == next_month
    assert posts["resets_at"].endswith("Z")
    assert limits["automation"]["limit"] is True
    assert limits["max_media_bytes"]["limit"] == 10_000_000
    assert limits["api_rate"]["limit"] == "500/hour"
    assert body["held_posts"] == [
        {
            "publication": held.pk,
            "content": this_month[0].pk,
            "title": "",
            "platform": "twitter",
            "scheduled_for": this_month[0].scheduled_for.isoformat().replace("+00:00", "Z"),
            "hold_reason": "the plan Starter does not include scheduled publishing",
        }
    ]


def test_me_on_the_default_plan_shows_it_unlimited_but_for_the_rate(api):
    body = api.get(ME).json()
    assert body["plan"] == {"name": "Standard", "valid_until": None, "unlimited": False}
    limits = limits_by_name(body)
    assert limits["posts_per_month"]["limit"] is None
    assert limits["posts_per_month"]["remaining"] is None
    assert limits["accounts_per_platform"]["limit"] is None
    assert body["held_posts"] == []


def test_a_superuser_is_unlimited(db):
    root = UserFactory(username="root", is_superuser=True)
    body = client_for(root).get(ME).json()
    assert body["plan"]["unlimited"] is True
    assert all(row["limit"] in (None, True) for row in body["limits"])


def test_me_shows_only_ones_own_usage(alice, bob, starter):
    """Two users on different plans: each sees their own plan, posts, accounts and holds."""
    set_plan(alice, starter)
    set_plan(bob, Plan.objects.create(name="Team", posts_per_month=500))
    soon = timezone.now() + dt.timedelta(minutes=5)
    for _ in range(3):
        scheduled(bob, when=soon)
    IntegrationFactory(user=bob, provider="twitter")
    bobs = scheduled(bob, when=soon).publications.get()
    hold_by_plan(bobs, "held for bob")
    alices = scheduled(alice, when=soon)

    alice_view = client_for(alice).get(ME).json()
    bob_view = client_for(bob).get(ME).json()

    assert alice_view["username"] == "alice" and alice_view["plan"]["name"] == "Starter"
    assert limits_by_name(alice_view)["posts_per_month"]["used"] == 1
    assert limits_by_name(alice_view)["accounts_per_platform"]["used"]["twitter"] == 0
    assert alice_view["held_posts"] == []
    assert bob_view["username"] == "bob" and bob_view["plan"]["name"] == "Team"
    assert limits_by_name(bob_view)["posts_per_month"]["used"] == 4
    assert limits_by_name(bob_view)["accounts_per_platform"]["used"]["twitter"] == 1
    assert [post["publication"] for post in bob_view["held_posts"]] == [bobs.pk]
    assert alices.pk not in [post["content"] for post in bob_view["held_posts"]]


def test_me_needs_a_sign_in():
    answer = APIClient().get(ME)
    assert answer.status_code == 401
    assert answer.json()["code"] == "not_authenticated"


def test_the_query_count_of_me_is_pinned(api, alice, starter, django_assert_max_num_queries):
    set_plan(alice, starter)
    soon = timezone.now() + dt.timedelta(minutes=5)
    contents = [scheduled(alice, when=soon, platforms=("twitter", "discord")) for _ in range(4)]
    for content in contents:
        for publication in content.publications.all():
            hold_by_plan(publication, "held")
    IntegrationFactory(user=alice, provider="twitter")
    api.get(ME)  # the throttle's plan rate is cached from here on
    # Two for the token (knox), then the accounts by platform, the entitlement with its
    # plan, the month's posts and the held posts with their content.
    with django_assert_max_num_queries(6):
        answer = api.get(ME)
    assert len(answer.json()["held_posts"]) == 8


def test_patch_changes_the_time_zone_and_the_month_it_counts_in(api, alice):
    answer = api.patch(ME, {"timezone": "America/New_York"}, format="json")
    assert answer.status_code == 200
    assert answer.json()["timezone"] == "America/New_York"
    alice.refresh_from_db()
    assert alice.timezone == "America/New_York"
    # The month now ends at midnight in New York: 05:00 UTC in winter, 04:00 in summer.
    resets_at = dt.datetime.fromisoformat(
        limits_by_name(answer.json())["posts_per_month"]["resets_at"]
    )
    local = resets_at.astimezone(alice.zone)
    assert (local.day, local.hour, local.minute) == (1, 0, 0)
    assert resets_at.astimezone(dt.UTC).hour in (4, 5)


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            {"timezone": "Mars/Olympus"},
            {"timezone": ['"Mars/Olympus" is not an IANA time zone name.']},
        ),
        ({"timezone": ""}, {"timezone": ['"" is not an IANA time zone name.']}),
        ({"timezone": None}, {"timezone": ["This field may not be null."]}),
        ({}, {"timezone": ["This field is required."]}),
        (
            {"timezone": "UTC", "username": "mallory"},
            {"username": ["Read-only here: only timezone can be changed."]},
        ),
        (
            {"email": "m@example.com", "plan": "Team"},
            {
                "email": ["Read-only here: only timezone can be changed."],
                "plan": ["Read-only here: only timezone can be changed."],
            },
        ),
    ],
)
def test_patch_refuses_anything_but_a_valid_time_zone(api, alice, data, errors):
    answer = api.patch(ME, data, format="json")
    assert answer.status_code == 400
    assert answer.json()["field_errors"] == errors
    alice.refresh_from_db()
    assert (alice.timezone, alice.username, alice.email) == (
        "Europe/Madrid",
        "alice",
        "alice@example.com",
    )


def test_put_and_post_are_not_allowed(api):
    assert api.put(ME, {"timezone": "UTC"}, format="json").status_code == 405
    assert api.post(ME, {"timezone": "UTC"}, format="json").status_code == 405
