"""Admin pages stay up for any stored or requested date: the calendar's ends, hostile URLs."""

import datetime as dt

import pytest
from django.contrib import admin

from content.models import Content
from flags.models import SwitchFlip
from operator_admin.changelist import DateSafeChangeList
from publishing.models import Publication, PublicationEvent
from publishing.services import Target, schedule_content
from tests.factories import UserFactory
from tests.operators import messages_of

pytestmark = pytest.mark.django_db
END_OF_CALENDAR = dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.UTC)
START_OF_CALENDAR = dt.datetime(1, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def stored_at_the_ends(settings):
    """Rows stored before the horizon existed: one at each end of the calendar, one normal."""
    owner = UserFactory(username="alice")
    settings.SCHEDULING_HORIZON_DAYS = 36_500
    normal = schedule_content(
        owner=owner,
        body="Normal",
        targets=[Target("twitter")],
        scheduled_for=dt.datetime(2027, 1, 15, 12, tzinfo=dt.UTC),
    )
    last, first = (
        schedule_content(
            owner=owner, body=body, targets=[Target("twitter")], scheduled_for=normal.scheduled_for
        )
        for body in ("Last", "First")
    )
    for content, when in ((last, END_OF_CALENDAR), (first, START_OF_CALENDAR)):
        Content.objects.filter(pk=content.pk).update(scheduled_for=when)
        Publication.objects.filter(content=content).update(next_attempt_at=when)
    return normal, last, first


def as_operator_in(operator, zone: str) -> None:
    operator.timezone = zone
    operator.save()


@pytest.mark.parametrize("zone", ["Asia/Tokyo", "America/New_York"])
def test_list_and_change_pages_of_extreme_rows_show_in_utc(
    staff_client, operator, stored_at_the_ends, zone
):
    as_operator_in(operator, zone)
    normal, last, first = stored_at_the_ends
    # Tokyo cannot show the calendar's last hours, New York its first ones.
    beyond, shown = (last, first) if zone == "Asia/Tokyo" else (first, last)
    warning = (
        f"Some times here are beyond what {zone} can show (they lie at the end or the start "
        "of the calendar): this page shows every time in UTC."
    )
    for url in (
        "/admin/content/content/",
        f"/admin/content/content/{beyond.pk}/change/",
        "/admin/publishing/publication/",
        f"/admin/publishing/publication/{beyond.publications.get().pk}/change/",
    ):
        answer = staff_client.get(url)
        assert answer.status_code == 200, url
        assert messages_of(answer) == [warning], url
    html = staff_client.get("/admin/content/content/").content.decode()
    assert "Dec. 31, 9999, 11:59 p.m." in html and "Jan. 1, 0001, midnight" in html
    assert "Jan. 15, 2027, noon" in html  # every time in UTC on that page
    # Pages without such a time stay in the operator's zone.
    for content in (normal, shown):
        answer = staff_client.get(f"/admin/content/content/{content.pk}/change/")
        assert answer.status_code == 200 and messages_of(answer) == []


def test_an_operator_in_utc_sees_extreme_rows_without_a_warning(
    staff_client, operator, stored_at_the_ends
):
    as_operator_in(operator, "UTC")
    answer = staff_client.get("/admin/content/content/")
    assert answer.status_code == 200 and messages_of(answer) == []


@pytest.mark.parametrize(
    "query",
    [
        "scheduled_for__year=9999",
        "scheduled_for__year=9999&scheduled_for__month=12",
        "scheduled_for__year=9999&scheduled_for__month=12&scheduled_for__day=31",
        "scheduled_for__year=1",
        "scheduled_for__year=0",
        "scheduled_for__year=-5",
        "scheduled_for__year=99999999999999999999",
        "scheduled_for__year=abc",
        "scheduled_for__year=2027&scheduled_for__month=13",
        "scheduled_for__year=2027&scheduled_for__month=2&scheduled_for__day=30",
        "scheduled_for__year=2027&scheduled_for__month=x",
        "scheduled_for__gte=garbage",
        "scheduled_for__gte=2027-01-01+00:00:00%2B09:00&scheduled_for__lt=%00",
        "scheduled_for__lt=2027-13-01",
    ],
)
def test_hostile_date_parameters_get_the_incorrect_lookup_redirect(
    staff_client, operator, stored_at_the_ends, query
):
    as_operator_in(operator, "Asia/Tokyo")
    answer = staff_client.get(f"/admin/content/content/?{query}")
    assert answer.status_code == 302, query
    assert answer["Location"] == "/admin/content/content/?e=1"


@pytest.mark.parametrize(
    "query",
    [
        "scheduled_for__gte=0001-01-01+00:00:00%2B09:00",
        "scheduled_for__lt=9999-12-31T23:59:59-12:00",
        "scheduled_for__gte=9999-12-31T23:59:59%2B14:00",
    ],
)
def test_filter_times_outside_the_calendar_in_utc_are_answered(
    staff_client, operator, stored_at_the_ends, query
):
    """SQLite converts them to UTC in Python (the incorrect-lookup redirect); PostgreSQL
    compares them itself (the list)."""
    as_operator_in(operator, "Asia/Tokyo")
    answer = staff_client.get(f"/admin/content/content/?{query}")
    assert answer.status_code in (200, 302), query
    if answer.status_code == 302:
        assert answer["Location"] == "/admin/content/content/?e=1"


@pytest.mark.parametrize(
    "url",
    [
        "/admin/publishing/publication/?created_at__year=9999",
        "/admin/publishing/publication/?created_at__year=0",
        "/admin/publishing/publication/?created_at__year=2027&created_at__month=13",
        "/admin/publishing/publicationevent/?created_at__year=9999",
        "/admin/publishing/publicationevent/?created_at__year=0&created_at__month=13",
        "/admin/flags/switchflip/?at__year=9999",
    ],
)
def test_every_date_hierarchy_takes_hostile_years(staff_client, url):
    answer = staff_client.get(url)
    assert answer.status_code == 302
    assert answer["Location"].endswith("?e=1")


def test_valid_hierarchy_links_still_filter(staff_client, stored_at_the_ends):
    normal, last, _ = stored_at_the_ends
    html = staff_client.get("/admin/content/content/?scheduled_for__year=2027").content.decode()
    assert f"#{normal.pk} Normal" in html and f"#{last.pk} Last" not in html
    answer = staff_client.get("/admin/content/content/?scheduled_for__year=9998")
    assert answer.status_code == 200


def test_every_admin_with_a_date_hierarchy_uses_the_safe_change_list(rf, operator):
    request = rf.get("/")
    request.user = operator
    with_hierarchy = [
        model_admin for model_admin in admin.site._registry.values() if model_admin.date_hierarchy
    ]
    assert {type(model_admin).__name__ for model_admin in with_hierarchy} >= {
        "ContentAdmin",
        "PublicationAdmin",
        "PublicationEventAdmin",
    }
    for model_admin in with_hierarchy:
        assert issubclass(model_admin.get_changelist(request), DateSafeChangeList), model_admin
    assert {Publication, PublicationEvent, Content, SwitchFlip} <= {
        model_admin.model for model_admin in with_hierarchy
    }


# --- forms: the horizon in the operator's words ------------------------------------------


def add_form(owner, day: str, time: str) -> dict:
    return {
        "owner": owner.pk,
        "title": "",
        "body": "Hello",
        "options": "{}",
        "scheduled_for_0": day,
        "scheduled_for_1": time,
        "platforms": ["twitter"],
    }


@pytest.mark.parametrize(
    ("zone", "day", "time", "message"),
    [
        ("Asia/Tokyo", "9999-12-31", "23:59:59", "at most 730 days ahead"),
        ("America/New_York", "9999-12-31", "23:00:00", "at most 730 days ahead"),
        ("UTC", "2999-01-01", "00:00:00", "at most 730 days ahead"),
        ("Asia/Tokyo", "0001-01-01", "00:00:00", "outside the years 1 to 9999 in UTC"),
    ],
)
def test_the_add_form_refuses_times_past_the_horizon(
    staff_client, operator, settings, zone, day, time, message
):
    settings.SCHEDULING_HORIZON_DAYS = 730
    as_operator_in(operator, zone)
    answer = staff_client.post("/admin/content/content/add/", add_form(UserFactory(), day, time))
    assert answer.status_code == 200
    assert message in answer.content.decode()
    assert not Content.objects.exists()


def test_reschedule_refuses_times_past_the_horizon(staff_client, operator, settings):
    settings.SCHEDULING_HORIZON_DAYS = 730
    as_operator_in(operator, "Asia/Tokyo")
    content = schedule_content(
        owner=UserFactory(),
        body="x",
        targets=[Target("twitter")],
        scheduled_for=dt.datetime.now(dt.UTC) + dt.timedelta(days=1),
    )
    answer = staff_client.post(
        "/admin/content/content/",
        {
            "action": "reschedule_selected",
            "_selected_action": [content.pk],
            "apply": "Reschedule",
            "scheduled_for_0": "9999-12-31",
            "scheduled_for_1": "23:59:59",
        },
    )
    assert answer.status_code == 200
    assert "Too far ahead: content can be scheduled at most 730 days ahead" in (
        answer.content.decode()
    )
    content.refresh_from_db()
    assert content.version == 1
