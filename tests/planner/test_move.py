"""Moving a post from the calendar: the time, the audit row, and every refusal with its reason."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from content.models import Content
from entitlements.models import Plan
from entitlements.services import set_plan
from publishing.models import PublicationEvent
from publishing.services import Target
from publishing.states import transition
from tests.planner.conftest import UTC, post, publish

pytestmark = pytest.mark.django_db


def move_url(content) -> str:
    return f"/admin/calendar/{content.pk}/move/"


def move(client, content, when: str):
    return client.post(move_url(content), {"scheduled_for": when})


def test_a_move_writes_the_new_time_and_an_audit_row_per_target(
    client, mover, alice, alice_x, alice_discord
):
    content = post(
        alice,
        dt.datetime(2031, 3, 10, 8, 30, tzinfo=UTC),
        targets=[Target("twitter", alice_x), Target("discord", alice_discord)],
    )
    client.force_login(mover)  # Europe/Paris
    response = move(client, content, "2031-03-11T09:30:00")
    assert response.status_code == 200
    assert response.json() == {
        "id": content.pk,
        "start": "2031-03-11T09:30:00",
        "message": "Moved to Tue 11 Mar 2031, 09:30 (Europe/Paris).",
    }
    content.refresh_from_db()
    assert content.scheduled_for == dt.datetime(2031, 3, 11, 8, 30, tzinfo=UTC)
    assert content.version == 2
    notes = PublicationEvent.objects.filter(publication__content=content, actor="mover")
    assert sorted((e.publication.platform, e.from_status, e.to_status) for e in notes) == [
        ("discord", "SCHEDULED", "SCHEDULED"),
        ("twitter", "SCHEDULED", "SCHEDULED"),
    ]
    assert {e.reason for e in notes} == {
        "rescheduled from 2031-03-10T08:30:00+00:00 to 2031-03-11T08:30:00+00:00"
    }
    assert {e.actor_user_id for e in notes} == {mover.pk}
    # Each target is due at the new time, under a new idempotency key.
    for publication in content.publications.all():
        assert publication.next_attempt_at == content.scheduled_for
        assert publication.idempotency_key.endswith(
            str(int(content.scheduled_for.timestamp())) + f"-i{publication.integration_id}"
        )


def test_a_time_with_an_offset_is_taken_as_written(client, mover, alice):
    content = post(alice, dt.datetime(2031, 3, 10, 8, 30, tzinfo=UTC))
    client.force_login(mover)
    assert move(client, content, "2031-03-12T07:00:00Z").status_code == 200
    content.refresh_from_db()
    assert content.scheduled_for == dt.datetime(2031, 3, 12, 7, 0, tzinfo=UTC)


def test_a_published_post_stays_where_it_is_409(client, mover, alice):
    content = publish(post(alice, dt.datetime(2031, 3, 10, 8, 30, tzinfo=UTC)))
    client.force_login(mover)
    response = move(client, content, "2031-03-11T09:30:00")
    assert response.status_code == 409
    assert response.json()["error"] == (
        "This content can no longer be edited (X: PUBLISHED); cancel it and schedule a new post."
    )
    assert Content.objects.get(pk=content.pk).scheduled_for == content.scheduled_for


def test_a_post_with_one_target_sent_stays_409(client, mover, alice, alice_x, alice_discord):
    content = post(
        alice,
        dt.datetime(2031, 3, 10, 8, 30, tzinfo=UTC),
        targets=[Target("twitter", alice_x), Target("discord", alice_discord)],
    )
    publish(content, platform="discord")
    client.force_login(mover)
    response = move(client, content, "2031-03-11T09:30:00")
    assert response.status_code == 409
    assert "Discord: PUBLISHED" in response.json()["error"]


def test_a_queued_post_is_already_due_and_stays_409(client, mover, alice):
    content = post(alice, dt.datetime(2031, 3, 10, 8, 30, tzinfo=UTC))
    transition(content.publications.get(), "QUEUED", reason="held")
    client.force_login(mover)
    response = move(client, content, "2031-03-11T09:30:00")
    assert response.status_code == 409
    assert response.json()["error"] == (
        "Only content whose targets are all still scheduled can be moved."
    )


def test_a_time_in_the_past_is_refused_400(client, mover, alice):
    content = post(alice, dt.datetime(2031, 3, 10, 8, 30, tzinfo=UTC))
    client.force_login(mover)
    past = (timezone.now() - dt.timedelta(hours=1)).astimezone(UTC)
    response = move(client, content, past.isoformat())
    assert response.status_code == 400
    assert response.json()["error"] == (
        "That time has passed: a post can only move to a time ahead."
    )
    assert PublicationEvent.objects.filter(publication__content=content).count() == 1


def test_a_time_past_the_horizon_is_refused_400(client, mover, alice, settings):
    settings.SCHEDULING_HORIZON_DAYS = 30
    content = post(alice, timezone.now() + dt.timedelta(days=2))
    client.force_login(mover)
    response = move(client, content, (timezone.now() + dt.timedelta(days=40)).isoformat())
    assert response.status_code == 400
    assert response.json()["error"].startswith("Too far ahead")


def test_a_month_the_plan_has_no_room_in_is_refused_409_in_the_plans_words(client, mover, alice):
    set_plan(alice, Plan.objects.create(name="Starter", posts_per_month=1))
    march = post(alice, dt.datetime(2031, 3, 10, 9, tzinfo=UTC))
    post(alice, dt.datetime(2031, 4, 10, 9, tzinfo=UTC))
    client.force_login(mover)
    response = move(client, march, "2031-04-20T10:00:00")
    assert response.status_code == 409
    assert response.json()["error"] == (
        "Your plan Starter allows 1 post a month; you have scheduled 1 for April 2031."
    )
    assert Content.objects.get(pk=march.pk).scheduled_for == march.scheduled_for


@pytest.mark.parametrize(
    "value",
    ["", "tomorrow", "2031-02-30T10:00", "9999-12-31T23:59:59+14:00", "x" * 1000, "2031-03-01\x00"],
)
def test_a_time_not_understood_is_refused_400(client, mover, alice, value):
    content = post(alice, dt.datetime(2031, 3, 10, 8, 30, tzinfo=UTC))
    client.force_login(mover)
    response = move(client, content, value)
    assert response.status_code == 400
    assert response.json()["error"]


def test_an_unknown_post_answers_404(client, mover):
    client.force_login(mover)
    response = client.post("/admin/calendar/999999/move/", {"scheduled_for": "2031-03-11T09:30"})
    assert response.status_code == 404
    assert response.json() == {"error": "No such post."}


def test_a_move_needs_the_change_permission(client, viewer, alice):
    content = post(alice, dt.datetime(2031, 3, 10, 8, 30, tzinfo=UTC))
    client.force_login(viewer)
    response = move(client, content, "2031-03-11T09:30:00")
    assert response.status_code == 403
    assert response.json() == {"error": "You may not move posts."}
    assert Content.objects.get(pk=content.pk).scheduled_for == content.scheduled_for


def test_a_move_needs_the_csrf_token(mover, alice):
    content = post(alice, dt.datetime(2031, 3, 10, 8, 30, tzinfo=UTC))
    client = Client(enforce_csrf_checks=True)
    client.force_login(mover)
    response = move(client, content, "2031-03-11T09:30:00")
    assert response.status_code == 403
    assert Content.objects.get(pk=content.pk).scheduled_for == content.scheduled_for


def test_a_move_is_a_post_only(client, mover, alice):
    content = post(alice, dt.datetime(2031, 3, 10, 8, 30, tzinfo=UTC))
    client.force_login(mover)
    assert client.get(move_url(content), {"scheduled_for": "2031-03-11T09:30"}).status_code == 405


def test_the_admin_reschedule_action_writes_the_same_audit_row(admin_client, alice):
    content = post(alice, dt.datetime(2031, 3, 10, 8, 30, tzinfo=UTC))
    admin_client.post(
        "/admin/content/content/",
        {
            "action": "reschedule_selected",
            "_selected_action": [content.pk],
            "apply": "Reschedule",
            "scheduled_for_0": "2031-03-12",
            "scheduled_for_1": "10:00:00",
        },
    )
    [note] = PublicationEvent.objects.filter(publication__content=content, actor="admin")
    assert note.reason.startswith("rescheduled from 2031-03-10T08:30:00+00:00 to 2031-03-12")
