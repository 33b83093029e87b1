"""The calendar's reads, called directly: ranges, filters, what an event says."""

import datetime as dt

import pytest
from django.http import QueryDict

from planner.queries import (
    BadCalendarQuery,
    CalendarFilters,
    parse_filters,
    parse_range,
    parse_time,
)
from planner.selectors import calendar_contents, calendar_events, first_words, short_label
from publishing.services import Target
from tests.planner.conftest import PARIS, UTC, post, publish


def test_first_words_cut_at_a_word_on_one_line():
    assert first_words("Short text") == "Short text"
    assert first_words("  line one\n\nline   two ") == "line one line two"
    text = "The quick brown fox jumps over the lazy dog and keeps running far into the hills"
    assert first_words(text) == "The quick brown fox jumps over the lazy dog and keeps…"
    assert first_words("x" * 100) == "x" * 60 + "…"


def test_short_labels_of_the_platforms():
    assert [short_label(name) for name in ("X", "Discord", "Instagram", "YouTube")] == [
        "X",
        "DI",
        "IN",
        "YT",
    ]


def test_a_range_is_read_in_the_zone_given():
    window = parse_range(QueryDict("start=2031-03-29&end=2031-03-31"), PARIS)
    assert window.start == dt.datetime(2031, 3, 28, 23, 0, tzinfo=UTC)
    assert window.end == dt.datetime(2031, 3, 30, 22, 0, tzinfo=UTC)  # summer time from the 30th


def test_a_time_in_the_gap_of_the_change_to_summer_time_is_still_a_time():
    # 02:30 on 30 March 2031 does not exist in Paris; it is read as 03:30 summer time.
    moment = parse_time("2031-03-30T02:30", PARIS, name="start")
    assert moment.astimezone(UTC) == dt.datetime(2031, 3, 30, 1, 30, tzinfo=UTC)


def test_filters_are_parsed_and_kept_for_the_address():
    filters = parse_filters(QueryDict("owner=3&platform=discord&state=DRAFT&account="))
    assert filters == CalendarFilters(owner=3, platform="discord", state="DRAFT", account=None)
    assert filters.as_query() == {"owner": "3", "platform": "discord", "state": "DRAFT"}
    with pytest.raises(BadCalendarQuery):
        parse_filters(QueryDict("owner=0x10"))


@pytest.mark.django_db
def test_the_selector_reads_the_range_and_the_filters(alice, bob, alice_x, alice_discord):
    march = parse_range(QueryDict("start=2031-03-01&end=2031-04-01"), UTC)
    a = post(alice, dt.datetime(2031, 3, 5, 9, tzinfo=UTC), targets=[Target("twitter", alice_x)])
    b = post(bob, dt.datetime(2031, 3, 6, 9, tzinfo=UTC), targets=[Target("discord")])
    c = publish(
        post(
            alice,
            dt.datetime(2031, 3, 7, 9, tzinfo=UTC),
            targets=[Target("discord", alice_discord)],
        )
    )
    post(alice, dt.datetime(2031, 4, 1, 0, tzinfo=UTC))  # the range's end is left out

    def pks(**filters):
        return sorted(
            calendar_contents(march, CalendarFilters(**filters)).values_list("pk", flat=True)
        )

    assert pks() == [a.pk, b.pk, c.pk]
    assert pks(owner=alice.pk) == [a.pk, c.pk]
    assert pks(platform="discord") == [b.pk, c.pk]
    assert pks(account=alice_discord.pk) == [c.pk]
    assert pks(state="PUBLISHED") == [c.pk]
    assert pks(state="SCHEDULED", platform="discord") == [b.pk]

    found = calendar_events(march, CalendarFilters(), zone=PARIS, can_move=True)
    assert found.truncated is False
    assert [(e["start"], e["editable"]) for e in found.events] == [
        ("2031-03-05T10:00:00", True),
        ("2031-03-06T10:00:00", True),
        ("2031-03-07T10:00:00", False),
    ]
