"""Scheduling and editing content from the admin goes through the publishing services."""

import datetime as dt

import pytest
from django.utils import timezone

from content.choices import Status
from content.models import Content
from entitlements.models import Plan
from entitlements.services import set_plan
from platforms import registry
from publishing.models import Publication, PublicationEvent
from publishing.services import Target, schedule_content
from publishing.states import transition
from tests.factories import UserFactory
from tests.publishing.conftest import FAKE_MODULE
from tests.publishing.fake_platform import FAKE

pytestmark = pytest.mark.django_db
WHEN = timezone.now() + dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def fake_platform(settings):
    """Every platform speaks to the fake, whose rules a test sets."""
    settings.PLATFORM_MODULES = dict.fromkeys(registry.values(), FAKE_MODULE)
    FAKE.reset()
    yield FAKE
    FAKE.reset()


def add_form(owner, **extra):
    return {
        "owner": owner.pk,
        "title": "",
        "body": "From the admin",
        "options": "{}",
        "scheduled_for_0": WHEN.strftime("%Y-%m-%d"),
        "scheduled_for_1": WHEN.strftime("%H:%M:%S"),
        "publications-TOTAL_FORMS": "0",
        "publications-INITIAL_FORMS": "0",
        "media-TOTAL_FORMS": "0",
        "media-INITIAL_FORMS": "0",
        **extra,
    }


def test_adding_content_schedules_one_publication_per_platform(staff_client, operator):
    owner = UserFactory()
    response = staff_client.post(
        "/admin/content/content/add/", add_form(owner, platforms=["twitter", "discord"])
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    content = Content.objects.get()
    assert (content.owner, content.body, content.status) == (
        owner,
        "From the admin",
        Status.SCHEDULED,
    )
    assert sorted(content.publications.values_list("platform", flat=True)) == ["discord", "twitter"]
    assert set(PublicationEvent.objects.values_list("actor", flat=True)) == {operator.username}


def test_platform_rules_and_missing_platforms_are_form_errors(staff_client, fake_platform):
    owner = UserFactory()
    html = staff_client.post("/admin/content/content/add/", add_form(owner)).content.decode()
    assert "Choose at least one platform to publish to." in html
    fake_platform.problems = ["X: the text is 291 weighted characters; the limit is 280."]
    html = staff_client.post(
        "/admin/content/content/add/", add_form(owner, platforms=["twitter"])
    ).content.decode()
    assert "X: the text is 291 weighted characters; the limit is 280." in html
    assert not Content.objects.exists() and not Publication.objects.exists()


def test_editing_bumps_the_version_until_something_is_sent(staff_client):
    owner = UserFactory()
    content = schedule_content(
        owner=owner, body="v1", targets=[Target("twitter")], scheduled_for=WHEN
    )
    data = add_form(owner, body="v2")
    data["publications-TOTAL_FORMS"] = data["publications-INITIAL_FORMS"] = "1"
    data["publications-0-id"] = str(content.publications.get().pk)
    data["publications-0-content"] = str(content.pk)
    response = staff_client.post(f"/admin/content/content/{content.pk}/change/", data)
    assert response.status_code == 302
    content.refresh_from_db()
    assert (content.body, content.version) == ("v2", 2)
    row = content.publications.get()
    transition(row, Status.QUEUED, reason="due")
    transition(row, Status.PUBLISHING, reason="claimed")
    html = staff_client.get(f"/admin/content/content/{content.pk}/change/").content.decode()
    assert 'name="body"' not in html  # read-only once a target is being sent


def test_the_add_form_shows_the_plans_refusal_and_writes_nothing(staff_client):
    owner = UserFactory()
    set_plan(owner, Plan.objects.create(name="Starter", posts_per_month=1, platforms=["twitter"]))
    schedule_content(owner=owner, body="first", targets=[Target("twitter")], scheduled_for=WHEN)

    html = staff_client.post(
        "/admin/content/content/add/", add_form(owner, platforms=["twitter"])
    ).content.decode()
    assert "Your plan Starter allows 1 post a month; you have scheduled 1 for" in html
    html = staff_client.post(
        "/admin/content/content/add/", add_form(owner, platforms=["discord"])
    ).content.decode()
    assert "Your plan Starter does not include Discord." in html
    assert Content.objects.count() == 1 and Publication.objects.count() == 1


def test_a_move_into_a_full_month_is_refused_on_the_change_form(staff_client):
    owner = UserFactory(timezone="UTC")
    set_plan(owner, Plan.objects.create(name="Starter", posts_per_month=1))
    next_month = (WHEN.replace(day=1) + dt.timedelta(days=40)).replace(day=2)
    schedule_content(
        owner=owner, body="there", targets=[Target("twitter")], scheduled_for=next_month
    )
    content = schedule_content(
        owner=owner, body="here", targets=[Target("twitter")], scheduled_for=WHEN
    )
    moved = add_form(
        owner,
        body="here",
        scheduled_for_0=next_month.strftime("%Y-%m-%d"),
        scheduled_for_1="12:00:00",
    )
    html = staff_client.post(f"/admin/content/content/{content.pk}/change/", moved).content.decode()
    assert "Your plan Starter allows 1 post a month; you have scheduled 1 for" in html
    content.refresh_from_db()
    assert content.scheduled_for == WHEN and content.version == 1
