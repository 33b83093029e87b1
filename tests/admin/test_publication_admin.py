"""Publications in the admin: read-only, an audit timeline, and settling in-doubt rows by hand."""

import pytest

from content.choices import Status
from publishing.models import Publication, PublicationEvent
from publishing.services import (
    IN_DOUBT_CODE,
    NOT_PUBLISHED_CODE,
    SchedulingError,
    Target,
    resolve_in_doubt,
    schedule_content,
)
from publishing.states import Actor, transition
from tests.admin.conftest import make_in_doubt, messages_of
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/publishing/publication/"


@pytest.fixture
def publication(db):
    from django.utils import timezone

    content = schedule_content(
        owner=UserFactory(),
        body="Hello",
        targets=[Target("twitter")],
        scheduled_for=timezone.now(),
    )
    return content.publications.get()


def test_change_page_is_read_only_and_shows_the_audit_timeline(staff_client, publication):
    make_in_doubt(publication)
    html = staff_client.get(f"{CHANGELIST}{publication.pk}/change/").content.decode()
    assert 'id="audit-timeline"' in html
    for reason in ("scheduled for", "due", "claimed", "in doubt"):
        assert reason in html
    assert html.count('class="herald-badge"') >= 7  # 4 events, from and to, and the state
    assert "The request went out but its outcome is unknown" in html
    assert 'name="_save"' not in html
    response = staff_client.post(f"{CHANGELIST}{publication.pk}/change/", {"status": "PUBLISHED"})
    assert response.status_code == 403
    assert Publication.objects.get(pk=publication.pk).status == Status.FAILED


def resolve(client, name, publications, **extra):
    return client.post(
        CHANGELIST,
        {"action": name, "_selected_action": [p.pk for p in publications], **extra},
        follow=True,
    )


def test_mark_as_published_asks_for_a_reason_and_records_it(staff_client, operator, publication):
    make_in_doubt(publication)
    page = resolve(staff_client, "mark_published", [publication])
    assert 'name="reason"' in page.content.decode() and 'name="permalink"' in page.content.decode()
    response = resolve(
        staff_client,
        "mark_published",
        [publication],
        apply="Mark as published",
        reason="I found it on the timeline",
        permalink="https://x.com/herald/status/42",
        external_id="42",
    )
    assert messages_of(response) == ["1 marked as published."]
    publication.refresh_from_db()
    assert (publication.status, publication.external_id, publication.permalink) == (
        Status.PUBLISHED,
        "42",
        "https://x.com/herald/status/42",
    )
    assert publication.published_at == publication.request_sent_at
    assert publication.content.status == Status.PUBLISHED
    event = publication.events.last()
    assert (event.from_status, event.to_status, event.actor, event.actor_user_id) == (
        Status.FAILED,
        Status.PUBLISHED,
        "op",
        operator.pk,
    )
    assert event.reason == "marked as published by op: I found it on the timeline"


def test_mark_as_failed_skips_rows_not_in_doubt(staff_client, publication):
    make_in_doubt(publication)
    other = schedule_content(
        owner=UserFactory(),
        body="x",
        targets=[Target("discord")],
        scheduled_for=publication.content.scheduled_for,
    ).publications.get()
    response = resolve(
        staff_client,
        "mark_failed",
        [publication, other],
        apply="Mark as failed",
        reason="Not on the channel",
    )
    assert messages_of(response) == [
        f"1 marked as failed, 1 skipped: not in doubt: it is scheduled (#{other.pk})."
    ]
    publication.refresh_from_db()
    assert (publication.status, publication.last_error_code, publication.request_sent_at) == (
        Status.FAILED,
        NOT_PUBLISHED_CODE,
        None,
    )
    assert "Not on the channel" in publication.last_error
    event = publication.events.last()
    assert (event.from_status, event.to_status, event.error_code) == (
        Status.FAILED,
        Status.FAILED,
        NOT_PUBLISHED_CODE,
    )
    assert Publication.objects.get(pk=other.pk).status == Status.SCHEDULED


def test_a_reason_and_an_id_or_permalink_are_required(staff_client, publication):
    make_in_doubt(publication)
    html = resolve(
        staff_client, "mark_published", [publication], apply="Mark as published", reason="seen"
    ).content.decode()
    assert "Give the post&#x27;s id or its permalink on the platform." in html
    html = resolve(staff_client, "mark_failed", [publication], apply="Mark").content.decode()
    assert "This field is required." in html
    publication.refresh_from_db()
    assert publication.last_error_code == IN_DOUBT_CODE


def test_the_in_doubt_filter_lists_only_rows_awaiting_a_decision(staff_client, publication):
    make_in_doubt(publication)
    other = schedule_content(
        owner=UserFactory(),
        body="y",
        targets=[Target("discord")],
        scheduled_for=publication.content.scheduled_for,
    ).publications.get()
    html = staff_client.get(CHANGELIST, {"in_doubt": "yes"}).content.decode()
    assert f"{CHANGELIST}{publication.pk}/change/" in html
    assert f"{CHANGELIST}{other.pk}/change/" not in html


def test_a_staff_operator_can_settle_in_doubt_rows(client, steering_operator, publication):
    make_in_doubt(publication)
    client.force_login(steering_operator)
    response = resolve(
        client, "mark_failed", [publication], apply="Mark", reason="checked the account"
    )
    assert messages_of(response) == ["1 marked as failed."]
    assert PublicationEvent.objects.filter(actor="steerer").count() == 1


def test_the_service_refuses_what_is_not_in_doubt_or_incomplete(publication, operator):
    actor = Actor.for_user(operator)
    with pytest.raises(SchedulingError, match="not in doubt: it is scheduled"):
        resolve_in_doubt(publication, outcome="failed", reason="x", actor=actor)
    make_in_doubt(publication)
    with pytest.raises(SchedulingError, match="Give a reason"):
        resolve_in_doubt(publication, outcome="failed", reason="  ", actor=actor)
    with pytest.raises(SchedulingError, match="id or its permalink"):
        resolve_in_doubt(publication, outcome="published", reason="seen", actor=actor)
    with pytest.raises(SchedulingError, match="Unknown outcome"):
        resolve_in_doubt(publication, outcome="maybe", reason="seen", actor=actor)
    assert Publication.objects.get(pk=publication.pk).last_error_code == IN_DOUBT_CODE
    # A settled row cannot be settled again.
    resolve_in_doubt(publication, outcome="failed", reason="not there", actor=actor)
    with pytest.raises(SchedulingError, match="not in doubt: it is failed, not_published"):
        resolve_in_doubt(publication, outcome="published", reason="x", external_id="1", actor=actor)


def test_a_published_row_cannot_be_marked_failed(publication, operator):
    for status in (Status.QUEUED, Status.PUBLISHING, Status.PUBLISHED):
        transition(publication, status, reason="test")
    with pytest.raises(SchedulingError, match="not in doubt: it is published"):
        resolve_in_doubt(publication, outcome="failed", reason="x", actor=Actor.for_user(operator))
