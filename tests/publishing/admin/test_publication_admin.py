"""Publications in the admin: read-only, an audit timeline, and settling in-doubt rows by hand."""

import pytest

from content.choices import Status
from platforms.base import Published
from publishing import engine
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
from tests.factories import IntegrationFactory, UserFactory
from tests.operators import grant, make_in_doubt, messages_of

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
    sent_at = publication.request_sent_at
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
    # The request did go out: the mark stays, so a retry asks the platform first.
    assert (publication.status, publication.last_error_code, publication.request_sent_at) == (
        Status.FAILED,
        NOT_PUBLISHED_CODE,
        sent_at,
    )
    assert "Not on the channel" in publication.last_error
    event = publication.events.last()
    assert (event.from_status, event.to_status, event.error_code) == (
        Status.FAILED,
        Status.FAILED,
        NOT_PUBLISHED_CODE,
    )
    # The audit row says what was known when it was settled.
    assert event.reason == (
        f"marked as failed by op: Not on the channel (request sent at {sent_at.isoformat()}; "
        "0 attempts; last error: The request was sent but its outcome is unknown.)"
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


def test_settling_needs_its_own_permission(client, steering_operator, publication):
    """Seeing publications is not enough: settling decides whether the engine sends again."""
    make_in_doubt(publication)
    client.force_login(steering_operator)
    html = client.get(f"{CHANGELIST}{publication.pk}/change/").content.decode()
    assert "Settling needs the “Can settle in-doubt publications” permission" in html
    for action, extra in (
        ("mark_failed", {"reason": "checked the account"}),
        ("mark_published", {"reason": "seen it", "external_id": "42"}),
    ):
        response = resolve(client, action, [publication], apply="Mark", **extra)
        assert response.status_code == 200 and not messages_of(response)  # the list, unchanged
    assert 'value="mark_failed"' not in client.get(CHANGELIST).content.decode()
    publication.refresh_from_db()
    assert (publication.status, publication.last_error_code) == (Status.FAILED, IN_DOUBT_CODE)
    assert publication.request_sent_at is not None
    assert not PublicationEvent.objects.filter(actor="steerer").exists()

    grant(steering_operator, "settle_publication")
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


@pytest.fixture
def fake_platform(settings):
    from tests.publishing.fake_platform import FAKE

    settings.PLATFORM_MODULES = dict.fromkeys(
        ("twitter", "discord", "instagram", "youtube"), "tests.publishing.fake_platform"
    )
    FAKE.reset()
    yield FAKE
    FAKE.reset()


def run_engine(capture) -> list[str]:
    """One tick and the workers it feeds, committing as they do."""
    handed: list[int] = []
    with capture(execute=True):
        engine.tick(budget_seconds=0, enqueue=handed.append)
    with capture(execute=True):
        return [engine.publish_one(pk) for pk in sorted(handed)]


@pytest.mark.parametrize("on_the_platform", [True, False])
def test_a_retry_after_marking_failed_asks_the_platform_first(
    staff_client, fake_platform, on_the_platform, django_capture_on_commit_callbacks
):
    """The operator's "not published" is a judgement: a retry still reconciles before sending."""
    from django.utils import timezone

    owner = UserFactory()
    content = schedule_content(
        owner=owner,
        body="Hello",
        targets=[Target("twitter", IntegrationFactory(user=owner))],
        scheduled_for=timezone.now(),
    )
    publication = make_in_doubt(content.publications.get())
    resolve(staff_client, "mark_failed", [publication], apply="Mark", reason="not on the feed")
    response = staff_client.post(
        "/admin/content/content/",
        {"action": "retry_selected", "_selected_action": [content.pk]},
        follow=True,
    )
    assert messages_of(response) == ["1 retried."]
    if on_the_platform:
        fake_platform.reconcile_answer = Published("found-1", "https://fake.example/found-1")
    assert run_engine(django_capture_on_commit_callbacks) == ["published"]
    assert fake_platform.reconcile_calls == [publication.idempotency_key]
    publication.refresh_from_db()
    if on_the_platform:
        assert fake_platform.calls == []  # found after all: recorded, not sent twice
        assert publication.external_id == "found-1"
    else:
        assert fake_platform.calls == [publication.idempotency_key]  # checked, then sent once
