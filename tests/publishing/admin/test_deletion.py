"""Deleting from the admin keeps the record of what went out: sent content and its owner stay."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from content.choices import Status
from content.models import Content
from publishing.models import Publication, PublicationEvent
from publishing.services import Target, resolve_in_doubt, schedule_content
from publishing.states import Actor, transition
from tests.factories import UserFactory
from tests.operators import grant, make_in_doubt, messages_of

pytestmark = pytest.mark.django_db
CONTENT = "/admin/content/content/"
USERS = "/admin/accounts/user/"
LATER = dt.datetime(2031, 1, 15, 12, 0, tzinfo=dt.UTC)
KEPT = "kept as the record of what went out"


def scheduled(owner, body="Hello", platforms=("twitter",)):
    return schedule_content(
        owner=owner, body=body, targets=[Target(p) for p in platforms], scheduled_for=LATER
    )


def published(owner, body="Went out"):
    content = scheduled(owner, body=body)
    row = content.publications.get()
    for status in (Status.QUEUED, Status.PUBLISHING, Status.PUBLISHED):
        transition(row, status, reason="test", external_id="99")
    return content


def record_of(content) -> tuple[int, int]:
    return (
        Publication.objects.filter(content_id=content.pk).count(),
        PublicationEvent.objects.filter(publication__content_id=content.pk).count(),
    )


def test_sent_content_has_no_delete_button_and_its_delete_page_is_refused(staff_client):
    content = published(UserFactory())
    before = record_of(content)
    html = staff_client.get(f"{CONTENT}{content.pk}/change/").content.decode()
    assert f"{CONTENT}{content.pk}/delete/" not in html
    assert staff_client.get(f"{CONTENT}{content.pk}/delete/").status_code == 403
    assert staff_client.post(f"{CONTENT}{content.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Content.objects.filter(pk=content.pk).exists() and record_of(content) == before


def test_content_settled_as_failed_stays_undeletable(staff_client, operator):
    """An in-doubt row marked failed still went out: neither the admin nor the API deletes it."""
    content = scheduled(UserFactory())
    row = make_in_doubt(content.publications.get())
    resolve_in_doubt(
        row, outcome="failed", reason="not on the feed", actor=Actor.for_user(operator)
    )
    assert staff_client.get(f"{CONTENT}{content.pk}/delete/").status_code == 403
    api = APIClient()
    api.force_authenticate(content.owner)
    assert api.delete(f"/api/v1/content/{content.pk}/").status_code == 409
    assert Content.objects.filter(pk=content.pk).exists()
    assert PublicationEvent.objects.filter(publication=row).count() == 5


def test_bulk_delete_refuses_when_a_selected_content_went_out_and_says_which(staff_client):
    owner = UserFactory()
    sent, draft = published(owner, body="Went out"), scheduled(owner, body="A draft")
    response = staff_client.post(
        CONTENT,
        {"action": "delete_selected", "_selected_action": [sent.pk, draft.pk], "post": "yes"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f"Went out (#{sent.pk}): X published, {KEPT}" in html
    assert "permission to delete" not in html
    assert Content.objects.filter(pk__in=[sent.pk, draft.pk]).count() == 2
    assert record_of(sent) == (1, 4)


def test_content_nothing_was_sent_for_is_deleted_through_the_service(client):
    """Only the content permission is asked: its targets and audit rows go with it."""
    operator = UserFactory(username="editor", is_staff=True)
    for codename in ("view_content", "delete_content"):
        grant(operator, codename)
    client.force_login(operator)
    drafts = [scheduled(UserFactory(), body=f"Draft {n}") for n in range(2)]
    page = client.get(f"{CONTENT}{drafts[0].pk}/delete/")
    assert page.status_code == 200 and "Are you sure" in page.content.decode()
    client.post(f"{CONTENT}{drafts[0].pk}/delete/", {"post": "yes"})
    response = client.post(
        CONTENT,
        {"action": "delete_selected", "_selected_action": [drafts[1].pk], "post": "yes"},
        follow=True,
    )
    assert messages_of(response) == [
        f"The content “{drafts[0]}” was deleted successfully.",
        "Successfully deleted 1 content.",
    ]
    assert not Content.objects.exists()
    assert not Publication.objects.exists() and not PublicationEvent.objects.exists()


def test_a_user_whose_content_went_out_is_not_deleted(staff_client):
    owner = UserFactory(username="alice")
    content = published(owner)
    scheduled(owner, body="A draft")
    page = staff_client.get(f"{USERS}{owner.pk}/delete/")
    html = page.content.decode()
    assert f"Went out (#{content.pk}): X published, {KEPT}" in html
    assert "deactivate the user (untick Active) instead" in html
    staff_client.post(f"{USERS}{owner.pk}/delete/", {"post": "yes"})
    staff_client.post(
        USERS, {"action": "delete_selected", "_selected_action": [owner.pk], "post": "yes"}
    )
    assert User.objects.filter(pk=owner.pk).exists()
    assert Content.objects.filter(owner=owner).count() == 2 and record_of(content) == (1, 4)


def test_a_user_with_only_drafts_is_deleted_with_them(staff_client):
    owner = UserFactory(username="bob")
    scheduled(owner, body="A draft", platforms=("twitter", "discord"))
    response = staff_client.post(f"{USERS}{owner.pk}/delete/", {"post": "yes"}, follow=True)
    assert response.status_code == 200
    assert not User.objects.filter(pk=owner.pk).exists()
    assert not Content.objects.exists() and not PublicationEvent.objects.exists()
