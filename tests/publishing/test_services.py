"""Scheduling: publications, audit rows, keys, and refusal of what a platform would refuse."""

import datetime as dt
import zoneinfo
from pathlib import PurePath

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from content.choices import Status
from content.models import Content, ContentMedia
from publishing import services
from publishing.media import media_draft
from publishing.models import Publication, PublicationEvent
from publishing.services import (
    SchedulingError,
    Target,
    media_quota_problem,
    resolve_target,
    schedule_content,
)
from tests.factories import IntegrationFactory, UserFactory
from tests.media_files import PNG, upload

pytestmark = pytest.mark.django_db
WHEN = dt.datetime(2030, 5, 1, 9, 30, tzinfo=dt.UTC)


def test_scheduling_creates_one_publication_per_target_with_its_key():
    owner = UserFactory()
    account = IntegrationFactory(user=owner, provider="discord")
    content = schedule_content(
        owner=owner,
        body="Hi",
        targets=[Target("twitter"), Target("discord", account)],
        scheduled_for=WHEN,
    )
    rows = {p.platform: p for p in content.publications.all()}
    epoch = int(WHEN.timestamp())
    assert rows["twitter"].idempotency_key == f"{content.pk}-twitter-{epoch}"
    assert rows["discord"].idempotency_key == f"{content.pk}-discord-{epoch}-i{account.pk}"
    assert rows["twitter"].account_key == f"user:{owner.pk}"
    assert rows["discord"].account_key == f"integration:{account.pk}"
    assert {p.status for p in rows.values()} == {Status.SCHEDULED}
    assert {p.next_attempt_at for p in rows.values()} == {WHEN}
    events = PublicationEvent.objects.filter(publication__content=content)
    assert {(e.from_status, e.to_status, e.actor) for e in events} == {
        ("", Status.SCHEDULED, owner.username)
    }


def test_content_a_platform_refuses_is_not_scheduled(fake_platform):
    fake_platform.problems = ["X: the text is 291 weighted characters; the limit is 280."]
    with pytest.raises(SchedulingError) as refused:
        schedule_content(
            owner=UserFactory(), body="x" * 291, targets=[Target("twitter")], scheduled_for=WHEN
        )
    assert refused.value.problems == {
        "twitter": ["X: the text is 291 weighted characters; the limit is 280."]
    }
    assert "limit is 280" in str(refused.value)
    assert not Content.objects.exists() and not Publication.objects.exists()


def test_naive_time_and_no_target_are_refused_in_words():
    with pytest.raises(SchedulingError, match="needs a time zone offset"):
        schedule_content(
            owner=UserFactory(),
            body="x",
            targets=[Target("twitter")],
            scheduled_for=dt.datetime(2030, 1, 1),
        )
    with pytest.raises(SchedulingError, match="at least one platform"):
        schedule_content(owner=UserFactory(), body="x", targets=[], scheduled_for=timezone.now())


def test_resolve_target_names_unknown_platforms_and_ambiguous_accounts():
    owner = UserFactory()
    with pytest.raises(SchedulingError, match="Unknown platform 'myspace'"):
        resolve_target(owner, "myspace")
    assert resolve_target(owner, "twitter") == Target("twitter", None)
    IntegrationFactory(user=owner, provider="twitter")
    IntegrationFactory(user=owner, provider="twitter")
    with pytest.raises(SchedulingError, match="several X accounts"):
        resolve_target(owner, "twitter")


def test_edit_bumps_the_version_and_moving_the_time_moves_every_target():
    from publishing.services import edit_content

    owner = UserFactory()
    content = schedule_content(
        owner=owner, body="v1", targets=[Target("twitter"), Target("discord")], scheduled_for=WHEN
    )
    later = WHEN + dt.timedelta(hours=2)
    edit_content(content, body="v2", scheduled_for=later)
    content.refresh_from_db()
    assert (content.body, content.version, content.scheduled_for) == ("v2", 2, later)
    rows = list(content.publications.all())
    assert {r.next_attempt_at for r in rows} == {later}
    assert {r.idempotency_key for r in rows} == {
        f"{content.pk}-twitter-{int(later.timestamp())}",
        f"{content.pk}-discord-{int(later.timestamp())}",
    }


def test_edit_is_refused_once_anything_was_sent(fake_platform):
    from publishing.services import edit_content
    from publishing.states import transition

    content = schedule_content(
        owner=UserFactory(), body="v1", targets=[Target("twitter")], scheduled_for=WHEN
    )
    row = content.publications.get()
    transition(row, Status.QUEUED, reason="due")
    transition(row, Status.PUBLISHING, reason="claimed")
    with pytest.raises(SchedulingError, match=r"can no longer be edited \(X: PUBLISHING\)"):
        edit_content(content, body="v2")
    content.refresh_from_db()
    assert (content.body, content.version) == ("v1", 1)


def test_an_edit_a_platform_refuses_changes_nothing(fake_platform):
    from publishing.services import edit_content

    content = schedule_content(
        owner=UserFactory(), body="ok", targets=[Target("twitter")], scheduled_for=WHEN
    )
    fake_platform.problems = ["X: too long."]
    with pytest.raises(SchedulingError, match=r"X: too long\."):
        edit_content(content, body="x" * 400)
    content.refresh_from_db()
    assert (content.body, content.version) == ("ok", 1)


# --- the scheduling horizon ----------------------------------------------------------------


@pytest.fixture
def two_year_horizon(settings):
    settings.SCHEDULING_HORIZON_DAYS = 730


@pytest.mark.parametrize(
    "when",
    [
        dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.UTC),
        dt.datetime(9999, 12, 31, 23, 0, tzinfo=zoneinfo.ZoneInfo("America/New_York")),
        dt.datetime(9999, 12, 31, 23, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Tokyo")),
    ],
)
def test_scheduling_past_the_horizon_is_refused_saying_the_limit(two_year_horizon, when):
    with pytest.raises(SchedulingError) as refused:
        schedule_content(
            owner=UserFactory(), body="x", targets=[Target("twitter")], scheduled_for=when
        )
    message = str(refused.value)
    assert "at most 730 days ahead; the latest time allowed now is " in message
    latest = dt.datetime.fromisoformat(message.rsplit(" ", 1)[1].rstrip("."))
    assert abs(latest - (timezone.now() + dt.timedelta(days=730))) < dt.timedelta(minutes=2)
    assert not Content.objects.exists()


def test_a_time_outside_the_calendar_in_utc_is_refused_in_words(two_year_horizon):
    year_one_in_tokyo = dt.datetime(1, 1, 1, tzinfo=zoneinfo.ZoneInfo("Asia/Tokyo"))
    with pytest.raises(SchedulingError, match="falls outside the years 1 to 9999 in UTC"):
        schedule_content(
            owner=UserFactory(),
            body="x",
            targets=[Target("twitter")],
            scheduled_for=year_one_in_tokyo,
        )


def test_moving_content_past_the_horizon_is_refused(two_year_horizon):
    from publishing.services import edit_content

    soon = timezone.now() + dt.timedelta(days=1)
    content = schedule_content(
        owner=UserFactory(), body="x", targets=[Target("twitter")], scheduled_for=soon
    )
    with pytest.raises(SchedulingError, match="at most 730 days ahead"):
        edit_content(content, scheduled_for=timezone.now() + dt.timedelta(days=731))
    content.refresh_from_db()
    assert (content.scheduled_for, content.version) == (soon, 1)
    # Text edits of content already past the horizon (stored before it existed) still work.
    Content.objects.filter(pk=content.pk).update(
        scheduled_for=dt.datetime(9999, 1, 1, tzinfo=dt.UTC)
    )
    edit_content(Content.objects.get(pk=content.pk), body="y")


# --- media files: written last, removed on any failure -------------------------------------


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def files_in(root) -> list:
    return sorted(path.name for path in root.rglob("*") if path.is_file())


def drafts(*sizes: int) -> list[ContentMedia]:
    return [
        media_draft(upload(f"photo{n}.png", PNG, "image/png", size=size), position=n)
        for n, size in enumerate(sizes)
    ]


def test_content_with_media_stores_its_files(media_root):
    content = schedule_content(
        owner=UserFactory(),
        body="x",
        targets=[Target("discord")],
        scheduled_for=WHEN,
        media=drafts(100, 200),
    )
    stored = list(content.media.order_by("position"))
    assert [(m.mime_type, m.size_bytes) for m in stored] == [("image/png", 100), ("image/png", 200)]
    assert files_in(media_root) == sorted(PurePath(m.file.name).name for m in stored)


def test_media_of_content_a_platform_refuses_is_never_written(fake_platform, media_root):
    fake_platform.problems = ["Instagram: 31 hashtags; the limit is 30."]
    with pytest.raises(SchedulingError, match="31 hashtags"):
        schedule_content(
            owner=UserFactory(),
            body="#a " * 31,
            targets=[Target("instagram")],
            scheduled_for=WHEN,
            media=drafts(100),
        )
    assert files_in(media_root) == []
    assert not Content.objects.exists() and not ContentMedia.objects.exists()


def test_a_failure_after_the_files_were_written_removes_them(monkeypatch, media_root):
    written = []

    def fail_after_the_files(publications, **kwargs):
        written.extend(files_in(media_root))
        raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr(services, "record_creation", fail_after_the_files)
    with pytest.raises(RuntimeError, match="audit log"):
        schedule_content(
            owner=UserFactory(),
            body="x",
            targets=[Target("discord")],
            scheduled_for=WHEN,
            media=drafts(100, 200),
        )
    assert len(written) == 2  # the files were on disk when it failed
    assert files_in(media_root) == []
    assert not Content.objects.exists() and not ContentMedia.objects.exists()


class DiskFullAfterFirstChunk(SimpleUploadedFile):
    """A file whose storage write fails half-way, as on a full disk."""

    def chunks(self, chunk_size=None):
        yield b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
        raise OSError(28, "No space left on device")


def test_a_write_that_fails_half_way_leaves_no_part_of_any_file(media_root):
    media = drafts(100)
    broken = DiskFullAfterFirstChunk("half.png", PNG + b"\x00" * 1000, "image/png")
    media.append(media_draft(broken, position=1))
    with pytest.raises(OSError, match="No space left"):
        schedule_content(
            owner=UserFactory(),
            body="x",
            targets=[Target("discord")],
            scheduled_for=WHEN,
            media=media,
        )
    assert files_in(media_root) == []
    assert not Content.objects.exists()


def test_the_quota_is_checked_before_anything_is_written(media_root, settings):
    settings.MEDIA_QUOTA_BYTES_PER_USER = 1000
    owner = UserFactory()
    schedule_content(
        owner=owner, body="x", targets=[Target("discord")], scheduled_for=WHEN, media=drafts(600)
    )
    assert media_quota_problem(owner=owner, incoming_bytes=400) == ""
    problem = media_quota_problem(owner=owner, incoming_bytes=401)
    assert problem.startswith(
        "Not enough media storage: your content holds 600\xa0bytes of your 1000\xa0bytes quota"
    )
    with pytest.raises(SchedulingError, match="Not enough media storage"):
        schedule_content(
            owner=owner,
            body="x",
            targets=[Target("discord")],
            scheduled_for=WHEN,
            media=drafts(300, 101),
        )
    assert len(files_in(media_root)) == 1
    assert Content.objects.count() == 1
