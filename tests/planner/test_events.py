"""The events endpoint: what a month shows, in whose time, filtered, and what it refuses."""

import datetime as dt

import pytest

from publishing.services import Target
from tests.planner.conftest import PARIS, UTC, post, publish

pytestmark = pytest.mark.django_db

EVENTS = "/admin/calendar/events/"
MARCH = {"start": "2031-02-24", "end": "2031-04-07"}  # the six weeks a March month view shows


def events(client, **params):
    response = client.get(EVENTS, {**MARCH, **params})
    assert response.status_code == 200, response.content
    return response.json()["events"]


def test_a_post_shows_its_time_in_the_operators_zone_its_first_words_marks_and_owner(
    client, viewer, alice, alice_x, alice_discord
):
    content = post(
        alice,
        dt.datetime(2031, 3, 10, 8, 30, tzinfo=UTC),
        targets=[Target("twitter", alice_x), Target("discord", alice_discord)],
        body="Spring launch: the new Herald calendar shows every post of the week at a glance, "
        "in your own time zone",
    )
    client.force_login(viewer)  # Europe/Paris: UTC+1 in March before the 30th
    [event] = events(client)
    assert event["id"] == str(content.pk)
    assert event["start"] == "2031-03-10T09:30:00"
    assert event["title"] == "Spring launch: the new Herald calendar shows every post of…"
    assert event["editable"] is False  # the viewer may not move posts
    props = event["extendedProps"]
    assert props["time"] == "09:30"
    assert props["owner"] == "alice"
    assert props["draft"] is False
    assert props["marks"] == [
        {
            "platform": "discord",
            "label": "Discord",
            "short": "DI",
            "state": "SCHEDULED",
            "stateLabel": "Scheduled",
            "account": "#news",
        },
        {
            "platform": "twitter",
            "label": "X",
            "short": "X",
            "state": "SCHEDULED",
            "stateLabel": "Scheduled",
            "account": "@alice",
        },
    ]


def test_after_the_change_to_summer_time_the_same_utc_hour_shows_an_hour_later(
    client, viewer, alice
):
    post(alice, dt.datetime(2031, 3, 29, 8, 0, tzinfo=UTC))
    post(alice, dt.datetime(2031, 3, 31, 8, 0, tzinfo=UTC))
    client.force_login(viewer)
    assert [e["start"] for e in events(client)] == ["2031-03-29T09:00:00", "2031-03-31T10:00:00"]


def test_the_range_is_read_on_the_operators_wall_clock(client, viewer, alice):
    # 23:30 UTC on 9 March is 00:30 on 10 March in Paris: a day view of the 10th shows it.
    late = post(alice, dt.datetime(2031, 3, 9, 23, 30, tzinfo=UTC))
    post(alice, dt.datetime(2031, 3, 10, 23, 30, tzinfo=UTC))  # the 11th in Paris
    client.force_login(viewer)
    day = events(client, start="2031-03-10T00:00:00", end="2031-03-11T00:00:00")
    assert [e["id"] for e in day] == [str(late.pk)]
    # The same range with an offset is taken as written.
    utc_day = events(client, start="2031-03-10T00:00:00Z", end="2031-03-11T00:00:00Z")
    assert [e["start"] for e in utc_day] == ["2031-03-11T00:30:00"]


def test_a_post_a_user_without_a_zone_sees_in_utc(client, alice):
    from tests.planner.conftest import staff_with

    utc_viewer = staff_with("utc-viewer", "view_content", "view_publication", timezone="")
    post(alice, dt.datetime(2031, 3, 10, 8, 30, tzinfo=UTC))
    client.force_login(utc_viewer)
    assert [e["start"] for e in events(client)] == ["2031-03-10T08:30:00"]


def test_posts_outside_the_range_are_left_out(client, viewer, alice):
    post(alice, dt.datetime(2031, 2, 20, 12, tzinfo=UTC))
    inside = post(alice, dt.datetime(2031, 3, 15, 12, tzinfo=UTC))
    post(alice, dt.datetime(2031, 4, 8, 12, tzinfo=UTC))
    client.force_login(viewer)
    assert [e["id"] for e in events(client)] == [str(inside.pk)]


def test_filters_narrow_by_owner_platform_state_and_account(
    client, viewer, alice, bob, alice_x, alice_discord
):
    when = dt.datetime(2031, 3, 12, 12, tzinfo=UTC)
    on_x = post(alice, when, targets=[Target("twitter", alice_x)], body="on x")
    on_discord = post(alice, when, targets=[Target("discord", alice_discord)], body="on discord")
    bobs = post(bob, when, targets=[Target("discord")], body="bob's")
    published = publish(post(alice, when, targets=[Target("twitter", alice_x)], body="out"))
    client.force_login(viewer)

    def ids(**filters):
        return sorted(int(e["id"]) for e in events(client, **filters))

    assert ids() == sorted([on_x.pk, on_discord.pk, bobs.pk, published.pk])
    assert ids(owner=bob.pk) == [bobs.pk]
    assert ids(platform="discord") == sorted([on_discord.pk, bobs.pk])
    assert ids(state="PUBLISHED") == [published.pk]
    assert ids(account=alice_x.pk) == sorted([on_x.pk, published.pk])
    assert ids(owner=alice.pk, platform="twitter", state="SCHEDULED") == [on_x.pk]
    assert ids(state="DRAFT") == []


def test_published_and_failed_posts_are_not_draggable_scheduled_ones_are(client, mover, alice):
    scheduled = post(alice, dt.datetime(2031, 3, 12, 12, tzinfo=UTC))
    published = publish(post(alice, dt.datetime(2031, 3, 13, 12, tzinfo=UTC)))
    client.force_login(mover)
    editable = {e["id"]: e["editable"] for e in events(client)}
    assert editable == {str(scheduled.pk): True, str(published.pk): False}
    marks = {e["id"]: e["extendedProps"]["marks"][0]["state"] for e in events(client)}
    assert marks[str(published.pk)] == "PUBLISHED"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "start is required"),
        ({"start": "2031-03-01"}, "end is required"),
        ({"start": "yesterday", "end": "2031-03-02"}, "not an ISO 8601"),
        ({"start": "2031-03-01", "end": "2031-02-28"}, "end must come after start"),
        ({"start": "2031-03-01", "end": "2031-03-01"}, "end must come after start"),
        ({"start": "2031-01-01", "end": "2031-03-01"}, "at most 42 days"),
        ({"start": "2031-03-01", "end": "2031-04-12T00:00:01"}, "at most 42 days"),
        ({"start": "9999-12-31T23:00:00", "end": "9999-12-31T23:59:59"}, "must lie between"),
        ({"start": "9999-12-31T23:00:00-14:00", "end": "9999-12-31T23:30:00-14:00"}, "between"),
        ({"start": "0001-01-01", "end": "0001-01-02"}, "must lie between"),
        ({"start": "1999-12-30", "end": "2000-01-02"}, "must lie between"),
        ({"start": "2031-03-01\x00", "end": "2031-03-02"}, "not an ISO 8601"),
        ({"start": "2031-03-01" + "0" * 500, "end": "2031-03-02"}, "not an ISO 8601"),
        ({"start": "2031-13-01", "end": "2031-03-02"}, "not an ISO 8601"),
        ({"owner": "1 OR 1=1"}, "owner must be the id"),
        ({"owner": "-1"}, "owner must be the id"),
        ({"owner": "99999999999999999999"}, "owner must be the id"),
        ({"account": "١٢"}, "account must be the id"),  # Arabic-Indic digits
        ({"platform": "myspace"}, "Unknown platform"),
        ({"state": "LOST"}, "Unknown state"),
    ],
)
def test_hostile_or_bad_input_answers_400_with_the_reason(client, viewer, params, message):
    client.force_login(viewer)
    filters_only = params and set(params) <= {"owner", "account", "platform", "state"}
    query = {**MARCH, **params} if filters_only else params
    response = client.get(EVENTS, query)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_six_weeks_exactly_is_allowed_even_across_the_change_of_summer_time(client, viewer):
    client.force_login(viewer)
    assert events(client, start="2031-03-03", end="2031-04-14") == []


def test_the_query_count_is_fixed_whatever_the_number_of_posts(
    client, viewer, alice, alice_x, alice_discord, django_assert_max_num_queries
):
    client.force_login(viewer)
    when = dt.datetime(2031, 3, 12, 12, tzinfo=UTC)
    post(alice, when, targets=[Target("twitter", alice_x)])
    # session, user, the user's two permission reads, the posts, their targets
    with django_assert_max_num_queries(6):
        assert len(events(client)) == 1
    for day in range(1, 28):
        post(
            alice,
            when.replace(day=day),
            targets=[Target("twitter", alice_x), Target("discord", alice_discord)],
        )
    publish(post(alice, when, targets=[Target("twitter", alice_x)]))
    with django_assert_max_num_queries(6):
        assert len(events(client)) == 29


def test_the_answer_is_bounded_and_says_when_it_was_cut(client, viewer, alice, monkeypatch):
    from planner import selectors

    monkeypatch.setattr(selectors, "MAX_EVENTS", 2)
    for hour in (9, 10, 11):
        post(alice, dt.datetime(2031, 3, 12, hour, tzinfo=UTC))
    client.force_login(viewer)
    body = client.get(EVENTS, MARCH).json()
    assert body["truncated"] is True
    assert [e["extendedProps"]["time"] for e in body["events"]] == ["10:00", "11:00"]


def test_paris_is_the_zone_the_fixture_means():
    assert dt.datetime(2031, 3, 10, 8, 30, tzinfo=UTC).astimezone(PARIS).hour == 9
