"""Plan holds in publishing: the receiver that releases them, publish now, what a plan
change would do, and where operators see them."""

import datetime as dt

import pytest
from django.utils import timezone

from content.choices import Status
from entitlements.models import Plan
from entitlements.services import set_plan
from entitlements.signals import limits_changed
from publishing import engine
from publishing.holds import HoldKind, plan_limit
from publishing.models import Publication
from publishing.selectors import PlanEffect, plan_effect
from publishing.services import Target, edit_content, publish_now, schedule_content
from publishing.states import Actor
from tests.factories import ContentFactory, PublicationFactory, UserFactory
from tests.operators import grant

pytestmark = pytest.mark.django_db

DASHBOARD = "/admin/dashboard/"
PANEL = "/admin/switches/"
CHANGELIST = "/admin/publishing/publication/"


def plan_held(
    owner=None, *, platform="youtube", reason="the plan Starter does not include YouTube"
):
    """A row the engine held for its owner's plan: QUEUED, no due time."""
    return PublicationFactory(
        content=ContentFactory(owner=owner or UserFactory()),
        platform=platform,
        status=Status.QUEUED,
        next_attempt_at=None,
        **plan_limit(reason).fields(),
    )


def test_a_plan_hold_has_its_kind_and_a_reason_that_fits_the_row():
    hold = plan_limit("the plan Starter does not include YouTube")
    assert hold.fields() == {
        "hold_kind": "plan",
        "hold_reason": "the plan Starter does not include YouTube",
    }
    long = plan_limit("x" * 300).reason
    assert len(long) == 200 and long.endswith("…")


def test_limits_changed_releases_the_plan_holds_of_those_users_only():
    alice, bob = UserFactory(), UserFactory()
    alices, bobs = plan_held(alice), plan_held(bob)
    paused = PublicationFactory(
        content=ContentFactory(owner=alice),
        status=Status.QUEUED,
        next_attempt_at=None,
        hold_kind=HoldKind.PAUSED_ACCOUNT,
        hold_reason="the account is paused",
    )
    limits_changed.send(sender=None, user_ids=[alice.pk])
    for row in (alices, bobs, paused):
        row.refresh_from_db()
    assert alices.next_attempt_at is not None and alices.next_attempt_at <= timezone.now()
    assert bobs.next_attempt_at is None
    assert paused.next_attempt_at is None  # another kind of hold: not the plan's to release


def test_limits_changed_for_every_user_releases_every_plan_hold():
    rows = [plan_held(), plan_held()]
    limits_changed.send(sender=None, user_ids=None)
    assert all(Publication.objects.get(pk=row.pk).next_attempt_at is not None for row in rows)


def test_a_new_plan_releases_on_commit(django_capture_on_commit_callbacks):
    owner = UserFactory()
    row = plan_held(owner)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        set_plan(owner, Plan.objects.create(name="Pro"))
    row.refresh_from_db()
    assert row.next_attempt_at is None  # nothing before the commit
    for callback in callbacks:
        callback()
    row.refresh_from_db()
    assert row.next_attempt_at is not None


def test_publish_now_marks_targets_by_hand_and_releases_plan_holds():
    owner = UserFactory()
    content = schedule_content(
        owner=owner,
        body="Soon",
        targets=[Target("twitter"), Target("discord")],
        scheduled_for=timezone.now() + dt.timedelta(days=1),
    )
    twitter, discord = (
        content.publications.order_by("platform")[1],
        content.publications.order_by("platform")[0],
    )
    Publication.objects.filter(pk=discord.pk).update(
        status=Status.QUEUED, next_attempt_at=None, **plan_limit("held by the plan").fields()
    )
    outcome = publish_now(content, actor=Actor.for_user(owner))
    assert outcome.done == sorted([twitter.pk, discord.pk])
    assert outcome.summary() == "2 moved to now"
    for row in (twitter, discord):
        row.refresh_from_db()
        assert row.by_hand is True
        assert row.next_attempt_at <= timezone.now()
    assert discord.status == Status.QUEUED
    assert discord.events.order_by("id").last().reason == (
        "publish now requested: released by hand"
    )


def test_moving_a_post_makes_it_scheduled_again_not_by_hand():
    owner = UserFactory()
    content = schedule_content(
        owner=owner,
        body="Soon",
        targets=[Target("twitter")],
        scheduled_for=timezone.now() + dt.timedelta(days=1),
    )
    Publication.objects.filter(content=content).update(by_hand=True)
    edit_content(content, scheduled_for=timezone.now() + dt.timedelta(days=2))
    assert content.publications.get().by_hand is False


def test_the_engine_holds_for_the_plan_in_a_pinned_number_of_queries(
    django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    owner = UserFactory()
    content = schedule_content(
        owner=owner,
        body="Hello",
        targets=[Target("twitter")],
        scheduled_for=timezone.now() - dt.timedelta(seconds=1),
    )
    set_plan(owner, Plan.objects.create(name="Manual", automation=False))
    handed: list[int] = []
    with django_capture_on_commit_callbacks(execute=True):
        engine.tick(budget_seconds=0, enqueue=handed.append)
    # The claim's lock and read, the switches, the owner's limits (one query: the
    # entitlement with its plan), and the hold: its update, audit row and content status.
    with django_assert_max_num_queries(9):
        assert engine.publish_one(handed[0]) == "held"
    row = content.publications.get()
    assert (row.status, row.hold_kind) == (Status.QUEUED, "plan")


# --- what a plan change would do -------------------------------------------------------------


def waiting(owner, platform, **fields):
    return PublicationFactory(content=ContentFactory(owner=owner), platform=platform, **fields)


def test_plan_effect_counts_what_a_plan_would_hold_and_release(django_assert_num_queries):
    alice, bob = UserFactory(), UserFactory()
    waiting(alice, "twitter")
    waiting(alice, "youtube")
    waiting(bob, "youtube", status=Status.RETRYING)
    plan_held(bob, platform="discord", reason="the plan Starter does not include Discord")
    waiting(bob, "youtube", status=Status.PUBLISHED)  # already out: nothing to hold
    no_youtube = Plan.objects.create(name="Starter", platforms=["twitter", "discord"])
    with django_assert_num_queries(2):
        assert plan_effect([alice.pk, bob.pk], no_youtube) == PlanEffect(held=2, released=1)
    assert plan_effect([alice.pk], Plan.objects.create(name="Pro")) == PlanEffect(0, 0)


def test_plan_effect_without_automation_spares_posts_sent_by_hand():
    owner = UserFactory()
    waiting(owner, "twitter")
    waiting(owner, "twitter", by_hand=True)
    manual = Plan.objects.create(name="Manual", automation=False)
    assert plan_effect([owner.pk], manual) == PlanEffect(held=1, released=0)


def test_plan_effect_keeps_overrides_and_spares_superusers():
    owner, admin = UserFactory(), UserFactory(is_superuser=True)
    owner.entitlement.overrides = {"platforms": None}
    owner.entitlement.save()
    for user in (owner, admin):
        waiting(user, "youtube")
    starter = Plan.objects.create(name="Starter", platforms=["twitter"])
    assert plan_effect([owner.pk, admin.pk], starter) == PlanEffect(0, 0)


# --- seen by operators ---------------------------------------------------------------------------


def test_the_dashboard_shows_plan_holds_and_their_reasons(
    staff_client, django_assert_max_num_queries
):
    plan_held()
    plan_held()
    plan_held(platform="discord", reason="the plan Basic does not include scheduled publishing")
    with django_assert_max_num_queries(14):
        html = staff_client.get(DASHBOARD).content.decode()
    card = html.split('id="herald-plan-holds"')[1].split("</section>")[0]
    assert '<span class="herald-warn plan-held-count">3</span> posts wait in QUEUED' in card
    reasons = card.split('class="plan-hold-reasons"')[1]
    assert reasons.index("the plan Starter does not include YouTube</td><td>2") < reasons.index(
        "the plan Basic does not include scheduled publishing</td><td>1"
    )
    assert f'{CHANGELIST}?hold_kind__exact=plan"' in card


def test_the_switches_panel_shows_plan_holds_apart_from_switch_holds(staff_client):
    plan_held()
    html = staff_client.get(PANEL).content.decode()
    card = html.split('id="herald-plan-holds"')[1].split("</section>")[0]
    assert '<span class="herald-warn plan-held-count">1</span> post waits in QUEUED' in card
    assert "the plan Starter does not include YouTube</td><td>1" in card
    # The plan's hold is no switch's.
    youtube = html.split('id="switch-publishing_youtube"')[1].split("</tr>")[0]
    assert '<td class="switch-held">0</td>' in youtube


def test_nothing_held_says_so(staff_client):
    html = staff_client.get(PANEL).content.decode()
    assert "No post is held by a plan." in html


def test_switch_viewers_see_the_reasons_but_no_link_to_the_publications(client):
    viewer = UserFactory(is_staff=True)
    grant(viewer, "view_switchflip")
    client.force_login(viewer)
    plan_held()
    html = client.get(PANEL).content.decode()
    assert "the plan Starter does not include YouTube" in html
    assert "hold_kind__exact=plan" not in html


@pytest.mark.parametrize("who", ["anonymous", "staff without permissions"])
def test_the_pages_that_show_plan_holds_stay_closed(client, who):
    plan_held()
    if who != "anonymous":
        client.force_login(UserFactory(is_staff=True))
    for url in (DASHBOARD, PANEL):
        response = client.get(url)
        assert response.status_code in (302, 403)
        assert b"does not include YouTube" not in response.content


def test_the_publication_list_filters_by_the_plan_hold(staff_client):
    held = plan_held()
    other = PublicationFactory(status=Status.QUEUED, hold_kind=HoldKind.PAUSED_ACCOUNT)
    response = staff_client.get(CHANGELIST, {"hold_kind__exact": "plan"})
    assert response.status_code == 200
    shown = [row.pk for row in response.context["cl"].result_list]
    assert shown == [held.pk] and other.pk not in shown
    assert "the owner&#x27;s plan does not allow it" in response.content.decode()
