"""The calendar page and the detail panel, as each kind of user sees them."""

import datetime as dt
import json

import pytest

from publishing.services import Target
from tests.factories import UserFactory
from tests.planner.conftest import UTC, post, publish

pytestmark = pytest.mark.django_db

PAGE = "/admin/calendar/"
EVENTS = "/admin/calendar/events/?start=2031-03-01&end=2031-03-08"


def config_of(response) -> dict:
    html = response.content.decode()
    start = html.index('id="herald-calendar-config"')
    start = html.index(">", start) + 1
    return json.loads(html[start : html.index("</script>", start)])


def test_the_page_shows_the_filters_with_labels_and_the_vendored_calendar(
    client, mover, alice, alice_x
):
    post(alice, dt.datetime(2031, 3, 10, 8, 30, tzinfo=UTC), targets=[Target("twitter", alice_x)])
    client.force_login(mover)
    response = client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("owner", "platform", "state", "account"):
        assert f'<label for="id_{name}">' in html
        assert f'id="id_{name}"' in html
    assert f'<option value="{alice.pk}">alice</option>' in html
    assert f'<option value="{alice_x.pk}">X · @alice (alice)</option>' in html
    assert '<option value="DRAFT">Draft</option>' in html
    assert "/static/planner/vendor/fullcalendar-6.1.22/index.global.min.js" in html
    assert "Times in Europe/Paris" in html
    config = config_of(response)
    assert config["eventsUrl"] == "/admin/calendar/events/"
    assert config["detailUrl"] == "/admin/calendar/{id}/"
    assert config["moveUrl"] == "/admin/calendar/{id}/move/"
    assert config["composeUrl"] == "/admin/compose/"
    assert config["zone"] == "Europe/Paris"
    assert config["canMove"] is True
    assert config["view"] == "dayGridMonth"


def test_the_address_keeps_the_filters_the_view_and_the_date(client, viewer, alice, alice_x):
    post(alice, dt.datetime(2031, 3, 10, 8, 30, tzinfo=UTC), targets=[Target("twitter", alice_x)])
    client.force_login(viewer)
    response = client.get(
        PAGE,
        {
            "owner": alice.pk,
            "platform": "twitter",
            "state": "SCHEDULED",
            "account": alice_x.pk,
            "view": "timeGridWeek",
            "date": "2031-03-12",
        },
    )
    config = config_of(response)
    assert config["filters"] == {
        "owner": str(alice.pk),
        "platform": "twitter",
        "state": "SCHEDULED",
        "account": str(alice_x.pk),
    }
    assert (config["view"], config["date"], config["canMove"]) == (
        "timeGridWeek",
        "2031-03-12",
        False,
    )
    html = response.content.decode()
    assert f'<option value="{alice.pk}" selected>alice</option>' in html
    assert '<input type="hidden" name="view" value="timeGridWeek"' in html


def test_a_list_of_dates_is_kept_too(client, viewer):
    client.force_login(viewer)
    config = config_of(
        client.get(PAGE, {"view": "list", "start": "2031-03-01", "end": "2031-03-20"})
    )
    assert (config["listStart"], config["listEnd"]) == ("2031-03-01", "2031-03-20")


@pytest.mark.parametrize(
    "query",
    [{"owner": "x"}, {"platform": "<script>"}, {"state": "nope"}, {"account": "1e9"}],
)
def test_a_link_with_a_filter_not_understood_answers_400(client, viewer, query):
    client.force_login(viewer)
    response = client.get(PAGE, query)
    assert response.status_code == 400
    assert b"This calendar link is not understood" in response.content
    assert b"<script>" not in response.content


def test_bad_view_or_date_in_the_address_fall_back_to_this_month(client, viewer):
    client.force_login(viewer)
    config = config_of(client.get(PAGE, {"view": "year", "date": "2031-02-30"}))
    assert (config["view"], config["date"]) == ("dayGridMonth", None)


def test_the_detail_shows_targets_states_permalinks_timeline_owner_and_links(
    client, mover, alice, alice_x, alice_discord
):
    content = post(
        alice,
        dt.datetime(2031, 3, 10, 8, 30, tzinfo=UTC),
        targets=[Target("twitter", alice_x), Target("discord", alice_discord)],
        title="Launch",
    )
    publish(content, platform="twitter")
    client.force_login(mover)
    response = client.get(f"/admin/calendar/{content.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f"#{content.pk} Launch" in html
    assert "Mon 10 Mar 2031, 09:30 (Europe/Paris)" in html
    assert "<dd>alice</dd>" in html
    assert "@alice" in html and "#news" in html
    twitter = content.publications.get(platform="twitter")
    assert f'href="https://x.com/alice/status/{twitter.pk}"' in html
    assert 'data-status="PUBLISHED"' in html and 'data-status="SCHEDULED"' in html
    assert "PUBLISHING → PUBLISHED" in html
    assert f'href="/admin/compose/{content.pk}/">Edit</a>' in html
    assert f'href="/admin/content/content/{content.pk}/change/">Open in admin</a>' in html
    # One target went out: the post cannot move, and the panel says so instead of a form.
    assert "Move…" not in html
    assert "This post cannot move" in html


def test_the_detail_offers_a_move_form_with_a_label_to_those_who_may_move(client, mover, alice):
    content = post(alice, dt.datetime(2031, 3, 10, 8, 30, tzinfo=UTC))
    client.force_login(mover)
    html = client.get(f"/admin/calendar/{content.pk}/").content.decode()
    assert f'<label for="herald-move-time-{content.pk}">Move…</label>' in html
    assert (
        f'id="herald-move-time-{content.pk}" name="scheduled_for" value="2031-03-10T09:30"' in html
    )


def test_the_detail_offers_no_move_form_to_a_viewer(client, viewer, alice):
    content = post(alice, dt.datetime(2031, 3, 10, 8, 30, tzinfo=UTC))
    client.force_login(viewer)
    html = client.get(f"/admin/calendar/{content.pk}/").content.decode()
    assert "Move…" not in html and "Edit</a>" in html


def test_an_unknown_post_detail_answers_404(client, viewer):
    client.force_login(viewer)
    assert client.get("/admin/calendar/999999/").status_code == 404


def test_the_admin_index_and_the_dashboard_link_to_the_calendar(client, viewer):
    client.force_login(viewer)
    assert b'href="/admin/calendar/">Calendar</a>' in client.get("/admin/").content
    assert b'href="/admin/calendar/">calendar</a>' in client.get("/admin/dashboard/").content


def test_the_index_offers_no_calendar_to_staff_without_permissions(client, bare_staff):
    client.force_login(bare_staff)
    assert b"/admin/calendar/" not in client.get("/admin/").content


# --- who may open what ---------------------------------------------------------------------


def pages_of(content) -> list[tuple[str, str]]:
    return [
        ("get", PAGE),
        ("get", EVENTS),
        ("get", f"/admin/calendar/{content.pk}/"),
        ("post", f"/admin/calendar/{content.pk}/move/"),
    ]


def request(client, method, url):
    if method == "get":
        return client.get(url)
    return client.post(url, {"scheduled_for": "2031-03-11T09:30"})


def test_an_anonymous_visitor_is_sent_to_the_login_from_every_page(client, alice):
    content = post(alice, dt.datetime(2031, 3, 10, 8, 30, tzinfo=UTC))
    for method, url in pages_of(content):
        response = request(client, method, url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/"), url
    assert content.publications.get().events.count() == 1


def test_a_user_without_staff_status_is_sent_to_the_login_too(client, alice):
    content = post(alice, dt.datetime(2031, 3, 10, 8, 30, tzinfo=UTC))
    client.force_login(UserFactory(username="not-staff"))
    for method, url in pages_of(content):
        assert request(client, method, url)["Location"].startswith("/admin/login/"), url


def test_staff_without_permissions_are_refused_everywhere(client, bare_staff, alice):
    content = post(alice, dt.datetime(2031, 3, 10, 8, 30, tzinfo=UTC))
    client.force_login(bare_staff)
    for method, url in pages_of(content):
        assert request(client, method, url).status_code == 403, url
    content.refresh_from_db()
    assert content.version == 1


def test_a_view_only_operator_sees_every_page_and_moves_nothing(client, viewer, alice, bob):
    content = post(alice, dt.datetime(2031, 3, 2, 8, 30, tzinfo=UTC))
    post(bob, dt.datetime(2031, 3, 3, 8, 30, tzinfo=UTC))
    client.force_login(viewer)
    statuses = [request(client, method, url).status_code for method, url in pages_of(content)]
    assert statuses == [200, 200, 200, 403]
    # Every owner's posts, as the content admin shows them to staff who may view content.
    assert {e["extendedProps"]["owner"] for e in client.get(EVENTS).json()["events"]} == {
        "alice",
        "bob",
    }
    content.refresh_from_db()
    assert content.version == 1


def test_the_move_permission_alone_does_not_open_the_calendar(client, alice):
    from tests.planner.conftest import staff_with

    client.force_login(staff_with("changer", "change_content"))
    assert client.get(PAGE).status_code == 403
    assert client.get(EVENTS).status_code == 403


def test_the_detail_of_a_post_at_the_end_of_the_calendar_shows_in_utc(client, viewer, alice):
    from tests.factories import ContentFactory

    content = ContentFactory(
        owner=alice, scheduled_for=dt.datetime(9999, 12, 31, 23, 30, tzinfo=UTC)
    )
    client.force_login(viewer)  # Europe/Paris is ahead of UTC: it cannot show that time
    response = client.get(f"/admin/calendar/{content.pk}/")
    assert response.status_code == 200
    assert "Fri 31 Dec 9999, 23:30 (UTC)" in response.content.decode()
