"""Drafts on the calendar: shown at their tentative time in their own style, moved as drafts."""

import datetime as dt

import pytest

from content.choices import ContentStatus
from content.models import Content
from publishing.drafts import save_draft
from publishing.models import Publication
from publishing.services import Target
from tests.planner.conftest import UTC, post

pytestmark = pytest.mark.django_db

EVENTS = "/admin/calendar/events/"
MARCH = {"start": "2031-02-24", "end": "2031-04-07"}


def events(client, **params):
    response = client.get(EVENTS, {**MARCH, **params})
    assert response.status_code == 200, response.content
    return response.json()["events"]


@pytest.fixture
def draft(alice, alice_x, alice_discord):
    return save_draft(
        owner=alice,
        body="A draft for the spring launch",
        targets=[Target("twitter", alice_x), Target("discord", alice_discord)],
        scheduled_for=dt.datetime(2031, 3, 14, 15, 0, tzinfo=UTC),
    )


def test_a_draft_with_a_tentative_time_shows_in_its_own_style_with_its_chosen_accounts(
    client, mover, draft
):
    save_draft(owner=draft.owner, body="No time yet: not on the calendar")
    client.force_login(mover)
    [event] = events(client)
    assert event["id"] == str(draft.pk)
    assert event["start"] == "2031-03-14T16:00:00"
    assert "herald-draft" in event["classNames"]
    assert event["editable"] is True
    props = event["extendedProps"]
    assert (props["draft"], props["status"], props["statusLabel"]) == (True, "DRAFT", "Draft")
    assert [(m["platform"], m["state"], m["account"]) for m in props["marks"]] == [
        ("discord", "DRAFT", "#news"),
        ("twitter", "DRAFT", "@alice"),
    ]


def test_filters_apply_to_a_drafts_chosen_targets(client, viewer, draft, alice, alice_x, bob):
    scheduled = post(alice, dt.datetime(2031, 3, 14, 9, tzinfo=UTC), targets=[Target("twitter")])
    client.force_login(viewer)

    def ids(**filters):
        return sorted(int(e["id"]) for e in events(client, **filters))

    assert ids() == sorted([draft.pk, scheduled.pk])
    assert ids(state="DRAFT") == [draft.pk]
    assert ids(state="SCHEDULED") == [scheduled.pk]
    assert ids(platform="discord") == [draft.pk]
    assert ids(platform="youtube") == []
    assert ids(account=alice_x.pk) == [draft.pk]
    assert ids(owner=bob.pk) == []


def test_moving_a_draft_changes_its_tentative_time_and_creates_no_publication(client, mover, draft):
    client.force_login(mover)
    response = client.post(
        f"/admin/calendar/{draft.pk}/move/", {"scheduled_for": "2031-03-20T10:00:00"}
    )
    assert response.status_code == 200, response.content
    draft.refresh_from_db()
    assert draft.status == ContentStatus.DRAFT
    assert draft.scheduled_for == dt.datetime(2031, 3, 20, 9, 0, tzinfo=UTC)
    assert not Publication.objects.filter(content=draft).exists()


def test_the_detail_of_a_draft_lists_its_chosen_accounts(client, viewer, draft):
    client.force_login(viewer)
    html = client.get(f"/admin/calendar/{draft.pk}/").content.decode()
    assert "Draft" in html
    assert "<li>Discord · #news</li>" in html and "<li>X · @alice</li>" in html


def test_drafts_add_one_query_whatever_their_number(
    client, viewer, alice, alice_x, django_assert_max_num_queries
):
    for day in range(1, 21):
        save_draft(
            owner=alice,
            body=f"draft {day}",
            targets=[Target("twitter", alice_x)],
            scheduled_for=dt.datetime(2031, 3, day, 9, tzinfo=UTC),
        )
        post(alice, dt.datetime(2031, 3, day, 12, tzinfo=UTC), targets=[Target("twitter", alice_x)])
    client.force_login(viewer)
    with django_assert_max_num_queries(7):
        assert len(events(client)) == 40
    assert Content.objects.count() == 40
