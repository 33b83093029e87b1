"""Drafts: saved without a time or targets, never seen by the engine, scheduled with a new post's checks."""

import datetime as dt

import pytest
from django.utils import timezone

from content.choices import ContentStatus, Status
from content.models import Content, ContentMedia
from entitlements.models import Plan
from entitlements.services import EntitlementExceeded, set_plan
from integrations.models import Integration
from publishing import drafts
from publishing.engine import tick
from publishing.models import Publication, PublicationEvent
from publishing.services import SchedulingError, Target, edit_content, schedule_content
from tests.factories import IntegrationFactory, UserFactory
from tests.media_files import JPEG, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def real_validation(settings, fake_platform):
    """The platforms' own validate(): nothing here sends a request."""
    settings.PLATFORM_MODULES = {}


def stored_files(settings):
    return sorted(p.name for p in settings.MEDIA_ROOT.rglob("*") if p.is_file())


def image(name="photo.jpg", size=2048):
    file = upload(name, JPEG, "image/jpeg", size)
    return ContentMedia(file=file, kind="image", mime_type="image/jpeg", size_bytes=size)


def test_a_draft_needs_nothing_and_is_never_due():
    owner = UserFactory()
    draft = drafts.save_draft(owner=owner)

    assert draft.status == ContentStatus.DRAFT
    assert draft.scheduled_for is None and draft.draft_targets == []
    assert not Publication.objects.filter(content=draft).exists()
    tick(budget_seconds=0, enqueue=lambda pk: pytest.fail("a draft reached the engine"))
    draft.refresh_from_db()
    assert draft.status == ContentStatus.DRAFT


def test_a_draft_keeps_its_accounts_time_and_media_then_schedules(settings):
    owner = UserFactory()
    account = IntegrationFactory(user=owner, provider="twitter")
    when = timezone.now() + dt.timedelta(days=2)
    draft = drafts.save_draft(
        owner=owner,
        body="Launch day",
        targets=[Target("twitter", account)],
        scheduled_for=when,
        media=[image()],
    )
    assert draft.draft_targets == [{"platform": "twitter", "integration": account.pk}]
    assert len(stored_files(settings)) == 1

    scheduled = drafts.schedule_draft(draft)

    assert scheduled.status == Status.SCHEDULED
    assert scheduled.scheduled_for == when and scheduled.draft_targets == []
    publication = Publication.objects.get(content=draft)
    assert (publication.platform, publication.integration_id) == ("twitter", account.pk)
    assert publication.status == Status.SCHEDULED and publication.next_attempt_at == when
    assert (
        publication.idempotency_key == f"{draft.pk}-twitter-{int(when.timestamp())}-i{account.pk}"
    )
    event = PublicationEvent.objects.get(publication=publication)
    assert event.to_status == Status.SCHEDULED and "scheduled for" in event.reason
    with pytest.raises(drafts.NotADraft, match="not a draft any more"):
        drafts.schedule_draft(draft)


def test_scheduling_a_draft_runs_the_platforms_checks_and_writes_nothing():
    owner = UserFactory()
    draft = drafts.save_draft(
        owner=owner,
        body="x" * 300,
        targets=[Target("twitter", IntegrationFactory(user=owner))],
        scheduled_for=timezone.now() + dt.timedelta(hours=1),
    )
    with pytest.raises(SchedulingError) as refused:
        drafts.schedule_draft(draft)

    assert refused.value.problems == {
        "twitter": ["X: the text is 300 weighted characters; the limit is 280."]
    }
    draft.refresh_from_db()
    assert draft.status == ContentStatus.DRAFT and draft.draft_targets
    assert not Publication.objects.filter(content=draft).exists()


@pytest.mark.parametrize(
    ("targets", "when", "message"),
    [
        ([], timezone.now() + dt.timedelta(hours=1), "Choose at least one account"),
        (None, None, "Give a time to schedule for"),
    ],
)
def test_scheduling_needs_accounts_and_a_time(targets, when, message):
    owner = UserFactory()
    account = IntegrationFactory(user=owner)
    chosen = [Target("twitter", account)] if targets is None else targets
    draft = drafts.save_draft(owner=owner, body="Hello", targets=chosen, scheduled_for=when)
    with pytest.raises(SchedulingError, match=message):
        drafts.schedule_draft(draft)


def test_a_revoked_account_is_named_when_the_draft_is_scheduled():
    owner = UserFactory()
    account = IntegrationFactory(user=owner)
    draft = drafts.save_draft(owner=owner, body="Hi", targets=[Target("twitter", account)])
    account.status = Integration.Status.REVOKED
    account.save()
    with pytest.raises(SchedulingError, match=f"integration {account.pk}\\) is gone or revoked"):
        drafts.schedule_draft(draft, scheduled_for=timezone.now() + dt.timedelta(hours=1))


def test_a_draft_takes_no_plan_slot_until_it_is_scheduled():
    owner = UserFactory()
    set_plan(owner, Plan.objects.create(name="One a month", posts_per_month=1))
    owner.refresh_from_db()
    account = IntegrationFactory(user=owner)
    when = timezone.now() + dt.timedelta(hours=1)
    first = drafts.save_draft(owner=owner, body="A", targets=[Target("twitter", account)])
    second = drafts.save_draft(owner=owner, body="B", targets=[Target("twitter", account)])

    drafts.schedule_draft(first, scheduled_for=when)
    with pytest.raises(EntitlementExceeded, match="allows 1 post a month"):
        drafts.schedule_draft(second, scheduled_for=when)
    second.refresh_from_db()
    assert second.status == ContentStatus.DRAFT


def test_update_replaces_reorders_and_removes_media(settings, django_capture_on_commit_callbacks):
    owner = UserFactory()
    draft = drafts.save_draft(owner=owner, media=[image("a.jpg"), image("b.jpg")])
    first, second = draft.media.order_by("position")
    removed_name = first.file.name

    with django_capture_on_commit_callbacks(execute=True):
        drafts.update_draft(
            draft, body="Edited", scheduled_for=None, media=[second, image("c.jpg")]
        )

    draft.refresh_from_db()
    assert draft.body == "Edited" and draft.version == 2
    names = [m.file.name.rsplit("/", 1)[-1][:1] for m in draft.media.order_by("position")]
    assert names == ["b", "c"]
    assert not (settings.MEDIA_ROOT / removed_name).exists()
    assert len(stored_files(settings)) == 2


def test_update_refuses_another_drafts_media_and_a_scheduled_post():
    owner = UserFactory()
    other = drafts.save_draft(owner=owner, media=[image()])
    draft = drafts.save_draft(owner=owner)
    with pytest.raises(SchedulingError, match="not one of this draft's"):
        drafts.update_draft(draft, media=list(other.media.all()))
    assert other.media.count() == 1

    scheduled = schedule_content(
        owner=owner,
        body="Out soon",
        targets=[Target("twitter", IntegrationFactory(user=owner))],
        scheduled_for=timezone.now() + dt.timedelta(hours=1),
    )
    with pytest.raises(drafts.NotADraft):
        drafts.update_draft(scheduled, body="changed")


def test_a_far_tentative_time_is_refused():
    with pytest.raises(SchedulingError, match="Too far ahead"):
        drafts.save_draft(
            owner=UserFactory(), scheduled_for=timezone.now() + dt.timedelta(days=5000)
        )
    assert not Content.objects.exists()


def test_duplicate_copies_text_accounts_and_files(settings):
    owner = UserFactory()
    account = IntegrationFactory(user=owner, provider="discord")
    original = schedule_content(
        owner=owner,
        body="Original",
        options={"discord": {"text": "For Discord"}},
        targets=[Target("discord", account)],
        scheduled_for=timezone.now() + dt.timedelta(hours=3),
        media=[image()],
    )

    copy = drafts.duplicate_as_draft(original)

    assert copy.pk != original.pk and copy.status == ContentStatus.DRAFT
    assert (copy.body, copy.options, copy.scheduled_for) == (
        "Original",
        {"discord": {"text": "For Discord"}},
        None,
    )
    assert copy.draft_targets == [{"platform": "discord", "integration": account.pk}]
    copied = copy.media.get()
    assert copied.file.name != original.media.get().file.name
    assert copied.file.read() == original.media.get().file.read()
    assert len(stored_files(settings)) == 2


def test_the_reschedule_service_moves_a_drafts_tentative_time_only():
    """The admin's reschedule action and the calendar call edit_content for every content."""
    owner = UserFactory()
    set_plan(owner, Plan.objects.create(name="Tight", posts_per_month=1))
    owner.refresh_from_db()
    draft = drafts.save_draft(owner=owner, body="Idea")
    when = timezone.now() + dt.timedelta(days=1)

    edit_content(draft, scheduled_for=when)

    draft.refresh_from_db()
    assert (draft.status, draft.scheduled_for, draft.version) == (ContentStatus.DRAFT, when, 2)
    assert not Publication.objects.filter(content=draft).exists()
