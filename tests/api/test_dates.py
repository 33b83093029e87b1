"""Times at the ends of the calendar, and the scheduling horizon: a 400, never a 500."""

import datetime as dt

import pytest
from django.utils import timezone

from content.models import Content
from integrations.models import Integration
from tests.api.conftest import client_for, scheduled
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def default_horizon(settings):
    settings.SCHEDULING_HORIZON_DAYS = 730


def latest_allowed() -> str:
    latest = (timezone.now() + dt.timedelta(days=730)).replace(second=0, microsecond=0)
    return latest.isoformat().replace("+00:00", "Z")


def horizon_message() -> str:
    return (
        "Too far ahead: content can be scheduled at most 730 days ahead; the latest time "
        f"allowed now is {latest_allowed()}."
    )


def user_in(zone: str):
    return client_for(UserFactory(timezone=zone))


def schedule(client, when):
    return client.post(
        "/api/v1/content/",
        {"body": "Hi", "scheduled_for": when, "targets": ["twitter"]},
        format="json",
    )


@pytest.mark.parametrize("zone", ["Asia/Tokyo", "America/New_York", "UTC"])
@pytest.mark.parametrize(
    "when",
    [
        "9999-12-31T23:59:59Z",
        "9999-12-31T23:59:59+00:00",
        "9999-12-31T23:00:00",
        "9999-12-31T23:59:59.999999-23:59",
        "9999-12-31T10:00:00+14:00",
        "2999-01-01T00:00:00",
    ],
)
def test_far_future_times_are_refused_with_the_horizon(zone, when):
    answer = schedule(user_in(zone), when)
    assert answer.status_code == 400, answer.content
    assert answer.json()["field_errors"] == {"scheduled_for": [horizon_message()]}
    assert not Content.objects.exists()


@pytest.mark.parametrize("zone", ["Asia/Tokyo", "America/New_York"])
@pytest.mark.parametrize(
    "when", ["0001-01-01T00:00:00", "0001-01-01T00:00:00+23:59", "0001-01-01T05:00:00+09:00"]
)
def test_times_before_the_calendar_are_refused(zone, when):
    answer = schedule(user_in(zone), when)
    assert answer.status_code == 400, answer.content
    (message,) = answer.json()["field_errors"]["scheduled_for"]
    assert "in the past" in message or "outside the years 1 to 9999 in UTC" in message


def test_the_horizon_is_the_last_moment_allowed(api):
    latest = timezone.now() + dt.timedelta(days=730)
    assert schedule(api, (latest - dt.timedelta(minutes=1)).isoformat()).status_code == 201
    answer = schedule(api, (latest + dt.timedelta(minutes=1)).isoformat())
    assert answer.status_code == 400
    assert answer.json()["field_errors"] == {"scheduled_for": [horizon_message()]}


def test_moving_content_past_the_horizon_is_refused(api, alice):
    content = scheduled(alice, when=timezone.now() + dt.timedelta(days=1))
    for when in ("9999-12-31T23:00:00", "3000-01-01T00:00:00Z"):
        answer = api.patch(f"/api/v1/content/{content.pk}/", {"scheduled_for": when}, format="json")
        assert answer.status_code == 400
        assert answer.json()["field_errors"] == {"scheduled_for": [horizon_message()]}
    content.refresh_from_db()
    assert content.version == 1


@pytest.mark.parametrize(
    ("zone", "when"),
    [
        ("America/New_York", "9999-12-31T23:00:00"),
        ("Asia/Tokyo", "0001-01-01T00:00:00"),
        ("Asia/Tokyo", "9999-12-31T23:59:59-05:00"),
        ("America/New_York", "0001-01-01T00:00+01:00"),
    ],
)
def test_list_filters_at_the_ends_of_the_calendar_are_field_errors(zone, when):
    client = user_in(zone)
    for name in ("scheduled_after", "scheduled_before"):
        answer = client.get("/api/v1/content/", {name: when})
        assert answer.status_code == 400, answer.content
        assert answer.json()["field_errors"] == {
            name: [f"{when} cannot be stored: it falls outside the years 1 to 9999 in UTC."]
        }


@pytest.mark.parametrize("zone", ["Asia/Tokyo", "America/New_York"])
def test_list_filters_inside_the_calendar_work_everywhere(zone):
    client = user_in(zone)
    for when in ("9999-12-31T00:00:00Z", "0001-01-02T00:00:00Z", "9999-12-30T23:00:00"):
        assert client.get("/api/v1/content/", {"scheduled_after": when}).status_code == 200


@pytest.mark.parametrize(
    "when", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+01:00", "10000-01-01T00:00:00Z"]
)
def test_token_expiry_outside_the_calendar_is_a_field_error(api, when):
    answer = api.post(
        "/api/v1/integrations/",
        {
            "provider": "discord",
            "webhook_url": "https://discord.com/api/webhooks/1/x",
            "token_expires_at": when,
        },
        format="json",
    )
    assert answer.status_code == 400
    assert list(answer.json()["field_errors"]) == ["token_expires_at"]
    assert not Integration.objects.exists()


def test_token_expiry_without_offset_in_a_server_zone_ahead_of_utc(api, settings):
    """Without a user zone the server's applies: year 1 in Tokyo is before year 1 in UTC."""
    settings.TIME_ZONE = "Asia/Tokyo"
    answer = api.post(
        "/api/v1/integrations/",
        {
            "provider": "discord",
            "webhook_url": "https://discord.com/api/webhooks/1/x",
            "token_expires_at": "0001-01-01T00:00:00",
        },
        format="json",
    )
    assert answer.status_code == 400
    assert answer.json()["field_errors"] == {
        "token_expires_at": [
            "0001-01-01T00:00:00 cannot be stored: it falls outside the years 1 to 9999 in UTC."
        ]
    }


def test_odd_offsets_and_characters_are_field_errors(api):
    for when in (
        "2030-01-01T00:00:00+24:00",
        "2030-01-01T00:00:00+99:99",
        "2030-02-30T00:00:00Z",
        "2030-01-01T00:00:00\x00",
        "２０３０-01-01T00:00:00Z",
        "-2030-01-01T00:00:00Z",
        "99999-01-01T00:00:00Z",
    ):
        answer = schedule(api, when)
        assert answer.status_code == 400, when
        assert list(answer.json()["field_errors"]) == ["scheduled_for"]
