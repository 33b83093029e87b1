"""Drafts through the API: create, list, update and schedule with ``status=draft``."""

import pytest

from content.choices import ContentStatus, Status
from content.models import Content
from publishing.models import Publication
from tests.api.conftest import FUTURE, client_for, scheduled, soon
from tests.factories import IntegrationFactory

pytestmark = pytest.mark.django_db


def new_draft(api, **fields):
    return api.post("/api/v1/content/", {"status": "draft", **fields}, format="json")


def test_a_draft_needs_no_time_and_no_targets(api, alice):
    answer = new_draft(api, body="An idea")

    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert (body["status"], body["scheduled_for"], body["targets"], body["draft_targets"]) == (
        "DRAFT",
        None,
        [],
        [],
    )
    assert not Publication.objects.exists()


def test_a_draft_keeps_its_accounts_and_tentative_time(api, alice):
    account = IntegrationFactory(user=alice, provider="discord")
    answer = new_draft(
        api,
        body="Later",
        targets=[{"integration": account.pk}],
        scheduled_for="2031-05-01T11:30:00",  # no offset: alice's zone, Europe/Madrid
        options={"discord": {"text": "Later, on Discord"}},
    )
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["scheduled_for"] == "2031-05-01T09:30:00Z"
    assert body["draft_targets"] == [{"platform": "discord", "integration": account.pk}]
    assert body["options"] == {"discord": {"text": "Later, on Discord"}}


def test_draft_input_is_checked_like_any_content(api, alice, bob):
    other = IntegrationFactory(user=bob)
    answer = new_draft(api, targets=[{"integration": other.pk}], scheduled_for="2020-01-01T00:00Z")
    assert answer.status_code == 400
    errors = answer.json()["field_errors"]
    assert errors["targets.0"] == [f"Integration {other.pk} not found."]
    assert "is in the past" in errors["scheduled_for"][0]
    far = new_draft(api, scheduled_for="9999-12-31T23:59:59Z")
    assert (
        far.status_code == 400 and "Too far ahead" in far.json()["field_errors"]["scheduled_for"][0]
    )
    assert not Content.objects.exists()


def test_status_draft_lists_only_the_drafts(api, alice, bob):
    mine = new_draft(api, body="Mine").json()["id"]
    scheduled(alice)
    client_for(bob).post("/api/v1/content/", {"status": "draft"}, format="json")

    for value in ("draft", "DRAFT"):
        answer = api.get("/api/v1/content/", {"status": value})
        assert answer.status_code == 200
        assert [item["id"] for item in answer.json()["results"]] == [mine]
    assert api.get("/api/v1/content/", {"status": "sketch"}).status_code == 400


def test_a_draft_is_updated_without_publishing(api, alice):
    draft = new_draft(api, body="v1", scheduled_for=soon()).json()
    account = IntegrationFactory(user=alice)

    answer = api.patch(
        f"/api/v1/content/{draft['id']}/",
        {"body": "v2", "scheduled_for": None, "targets": [{"integration": account.pk}]},
        format="json",
    )

    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert (body["body"], body["scheduled_for"], body["status"], body["version"]) == (
        "v2",
        None,
        "DRAFT",
        2,
    )
    assert body["draft_targets"] == [{"platform": "twitter", "integration": account.pk}]
    assert not Publication.objects.exists()


def test_scheduling_a_draft_creates_its_publications(api, alice):
    account = IntegrationFactory(user=alice)
    draft = new_draft(api, body="Go", targets=[{"integration": account.pk}]).json()

    answer = api.post(
        f"/api/v1/content/{draft['id']}/schedule/",
        {"scheduled_for": FUTURE.isoformat()},
        format="json",
    )

    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["status"] == Status.SCHEDULED and body["draft_targets"] == []
    assert [(t["platform"], t["status"]) for t in body["targets"]] == [("twitter", "SCHEDULED")]
    publication = Publication.objects.get(content_id=draft["id"])
    assert publication.next_attempt_at == FUTURE
    again = api.post(f"/api/v1/content/{draft['id']}/schedule/", {}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "not_a_draft"


def test_scheduling_a_draft_is_refused_with_the_platforms_messages(api, alice):
    account = IntegrationFactory(user=alice)
    draft = new_draft(api, body="x" * 281, targets=[{"integration": account.pk}]).json()
    url = f"/api/v1/content/{draft['id']}/schedule/"

    no_time = api.post(url, {}, format="json")
    assert no_time.status_code == 400
    assert no_time.json()["message"] == "Give a time to schedule for, or publish now."
    too_long = api.post(url, {"publish_now": True}, format="json")
    assert too_long.status_code == 400 and too_long.json()["code"] == "platform_rules"
    assert too_long.json()["platforms"] == {
        "twitter": ["X: the text is 281 weighted characters; the limit is 280."]
    }
    assert Content.objects.get(pk=draft["id"]).status == ContentStatus.DRAFT
    assert not Publication.objects.exists()


def test_another_users_draft_is_not_found(api, alice, bob):
    theirs = client_for(bob).post("/api/v1/content/", {"status": "draft"}, format="json").json()
    assert api.post(f"/api/v1/content/{theirs['id']}/schedule/", {}).status_code == 404
    assert api.patch(f"/api/v1/content/{theirs['id']}/", {"body": "x"}).status_code == 404
