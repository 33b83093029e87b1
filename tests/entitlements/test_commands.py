"""``manage.py set_plan`` and ``manage.py plans``, as a script sees them."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from content.choices import Status
from entitlements.models import Entitlement, Plan
from entitlements.services import limits_for
from publishing.holds import plan_limit
from tests.factories import ContentFactory, PublicationFactory, UserFactory

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def waiting(owner, platform, **fields):
    return PublicationFactory(
        content=ContentFactory(owner=owner, scheduled_for=timezone.now() + dt.timedelta(days=1)),
        platform=platform,
        **fields,
    )


def test_set_plan_moves_the_user_and_says_what_it_holds(django_capture_on_commit_callbacks):
    alice = UserFactory(username="alice")
    waiting(alice, "twitter")
    waiting(alice, "youtube")
    waiting(alice, "youtube")
    Plan.objects.create(name="Starter", platforms=["twitter"])
    with django_capture_on_commit_callbacks(execute=True):
        out = run("set_plan", "alice", "Starter", "--note", "trial")
    assert (
        out == "alice is now on the plan Starter: 2 waiting posts held, 0 waiting posts released.\n"
    )
    entitlement = Entitlement.objects.get(user=alice)
    assert (entitlement.plan.name, entitlement.note) == ("Starter", "trial")
    assert limits_for(alice).plan_name == "Starter"


def test_set_plan_says_what_it_releases(django_capture_on_commit_callbacks):
    bob = UserFactory(username="bob")
    held = waiting(
        bob,
        "youtube",
        status=Status.QUEUED,
        next_attempt_at=None,
        **plan_limit("the plan Starter does not include YouTube").fields(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        out = run("set_plan", "bob", "Standard")
    assert (
        out == "bob is now on the plan Standard: 0 waiting posts held, 1 waiting post released.\n"
    )
    held.refresh_from_db()
    assert held.next_attempt_at is not None  # released: the engine takes it at its next poll


def test_set_plan_refuses_an_unknown_user_or_plan_in_words():
    UserFactory(username="alice")
    Plan.objects.create(name="Starter")
    with pytest.raises(CommandError, match=r"^No user named 'mallory'\.$"):
        run("set_plan", "mallory", "Starter")
    with pytest.raises(CommandError) as caught:
        run("set_plan", "alice", "Gold")
    assert str(caught.value) == "No plan named 'Gold'; the plans are: Standard, Starter."
    assert limits_for(UserFactory(username="carol")).plan_name == "Standard"
    assert Entitlement.objects.get(user__username="alice").plan.name == "Standard"


def test_set_plan_on_a_superuser_says_the_plan_does_not_bind_them():
    UserFactory(username="root", is_superuser=True)
    Plan.objects.create(name="Starter", posts_per_month=1)
    out = run("set_plan", "root", "Starter")
    assert out.splitlines()[1] == "A superuser is unlimited whatever the plan says."


def test_plans_lists_each_plan_with_its_users_and_limits():
    for name in ("alice", "bob", "carol"):
        UserFactory(username=name)
    starter = Plan.objects.create(
        name="Starter",
        platforms=["twitter", "youtube"],
        accounts_per_platform=1,
        posts_per_month=30,
        automation=False,
        max_media_bytes=10 * 1024 * 1024,
        api_rate="100/hour",
    )
    Entitlement.objects.filter(user__username="carol").update(plan=starter)
    Plan.objects.create(name="Empty", platforms=[])
    assert run("plans").splitlines() == [
        "Empty: 0 users",
        "  platforms allowed: none",
        "  connected accounts per platform: unlimited",
        "  posts scheduled per calendar month: unlimited",
        "  scheduled publishing (without it, only publish now by hand): yes",
        "  largest media file, in bytes: unlimited",
        "  API requests, e.g. 1000/hour: unlimited",
        "Standard (default): 2 users",
        "  platforms allowed: all",
        "  connected accounts per platform: unlimited",
        "  posts scheduled per calendar month: unlimited",
        "  scheduled publishing (without it, only publish now by hand): yes",
        "  largest media file, in bytes: unlimited",
        f"  API requests, e.g. 1000/hour: {Plan.objects.get(name='Standard').api_rate}",
        "Starter: 1 user",
        "  platforms allowed: X, YouTube",
        "  connected accounts per platform: 1",
        "  posts scheduled per calendar month: 30",
        "  scheduled publishing (without it, only publish now by hand): no (publish now only)",
        "  largest media file, in bytes: 10.0\xa0MB",
        "  API requests, e.g. 1000/hour: 100/hour",
    ]
