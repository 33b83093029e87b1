"""Content in the admin: the list an operator reads, the actions, and scheduling with media."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from content.choices import Status
from content.models import Content
from publishing.models import Publication, PublicationEvent
from publishing.services import Target, schedule_content
from publishing.states import transition
from tests.factories import IntegrationFactory, UserFactory
from tests.operators import messages_of

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/content/content/"
LATER = dt.datetime(2031, 1, 15, 12, 0, tzinfo=dt.UTC)


def scheduled(owner, body="Hello", when=LATER, platforms=("twitter",)):
    return schedule_content(
        owner=owner, body=body, targets=[Target(p) for p in platforms], scheduled_for=when
    )


def test_list_shows_badges_platforms_owner_and_the_operators_time(
    staff_client, operator, django_assert_max_num_queries
):
    operator.timezone = "Asia/Tokyo"
    operator.save()
    owner = UserFactory(username="alice")
    for n in range(5):
        scheduled(owner, body=f"Post {n}", platforms=("twitter", "discord"))
    with django_assert_max_num_queries(9):
        html = staff_client.get(CHANGELIST).content.decode()
    assert html.count('class="herald-badge" data-status="SCHEDULED"') == 5
    assert '<span title="Scheduled">Discord</span>, <span title="Scheduled">X' in html
    assert "alice" in html
    # 12:00 UTC is 21:00 in Tokyo.
    assert "Jan. 15, 2031, 9 p.m." in html and "noon" not in html


def test_list_filters_by_status_platform_and_owner(staff_client):
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    scheduled(alice, body="alice on X")
    scheduled(bob, body="bob on Discord", platforms=("discord",))
    html = staff_client.get(CHANGELIST, {"publications__platform": "discord"}).content.decode()
    assert "bob on Discord" in html and "alice on X" not in html
    html = staff_client.get(CHANGELIST, {"owner__id__exact": alice.pk}).content.decode()
    assert "alice on X" in html and "bob on Discord" not in html
    html = staff_client.get(CHANGELIST, {"q": "bob"}).content.decode()
    assert "bob on Discord" in html and "alice on X" not in html


def action(client, name, contents, **extra):
    return client.post(
        CHANGELIST,
        {"action": name, "_selected_action": [c.pk for c in contents], **extra},
        follow=True,
    )


def test_cancel_says_what_it_did_and_what_it_skipped(staff_client, operator):
    owner = UserFactory()
    waiting = [scheduled(owner, body=f"Post {n}") for n in range(3)]
    out = scheduled(owner, body="Already out")
    row = out.publications.get()
    for status in (Status.QUEUED, Status.PUBLISHING, Status.PUBLISHED):
        transition(row, status, reason="test")
    response = action(staff_client, "cancel_selected", [*waiting, out])
    assert messages_of(response) == [f"3 canceled, 1 skipped: already published (#{out.pk})."]
    assert set(
        Publication.objects.filter(content__in=waiting).values_list("status", flat=True)
    ) == {Status.CANCELED}
    assert Content.objects.get(pk=out.pk).status == Status.PUBLISHED
    event = PublicationEvent.objects.filter(to_status=Status.CANCELED).first()
    assert (event.actor, event.actor_user_id) == (operator.username, operator.pk)


def test_reschedule_asks_for_the_time_then_moves_what_it_can(staff_client, operator):
    operator.timezone = "Europe/Madrid"
    operator.save()
    owner = UserFactory()
    movable = scheduled(owner, body="Movable")
    started = scheduled(owner, body="Started")
    transition(started.publications.get(), Status.QUEUED, reason="due")
    page = action(staff_client, "reschedule_selected", [movable, started])
    html = page.content.decode()
    assert "Reschedule content" in html and 'name="scheduled_for_0"' in html
    assert not page.context["messages"]  # nothing happened yet

    response = action(
        staff_client,
        "reschedule_selected",
        [movable, started],
        apply="Reschedule",
        scheduled_for_0="2031-03-01",
        scheduled_for_1="10:30:00",
    )
    assert messages_of(response) == [
        "1 rescheduled, 1 skipped: Only content whose targets are all still scheduled can be "
        f"moved (#{started.pk})."
    ]
    movable.refresh_from_db()
    # 10:30 in Madrid (UTC+1 in March) is 09:30 UTC.
    expected = dt.datetime(2031, 3, 1, 9, 30, tzinfo=dt.UTC)
    assert movable.scheduled_for == expected
    assert movable.publications.get().next_attempt_at == expected
    assert Content.objects.get(pk=started.pk).scheduled_for == LATER


def test_reschedule_without_a_time_shows_the_form_again(staff_client):
    content = scheduled(UserFactory())
    response = action(staff_client, "reschedule_selected", [content], apply="Reschedule")
    assert "This field is required." in response.content.decode()
    content.refresh_from_db()
    assert content.version == 1


def add_form(owner, **extra):
    return {
        "owner": owner.pk,
        "title": "",
        "body": "A photo #herald",
        "options": "{}",
        "scheduled_for_0": "2031-01-15",
        "scheduled_for_1": "12:00:00",
        **extra,
    }


@pytest.fixture
def media_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.PUBLIC_MEDIA_BASE_URL = "https://media.example.com"
    return tmp_path


def test_an_instagram_post_with_an_image_is_scheduled_from_the_add_form(
    staff_client, media_settings
):
    owner = UserFactory()
    account = IntegrationFactory(user=owner, provider="instagram")
    photo = SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff" + b"0" * 1024, "image/jpeg")
    response = staff_client.post(
        "/admin/content/content/add/", add_form(owner, platforms=["instagram"], media_files=photo)
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    content = Content.objects.get()
    item = content.media.get()
    assert (item.kind, item.mime_type, item.size_bytes) == ("image", "image/jpeg", 1027)
    assert (media_settings / item.file.name).read_bytes()[:3] == b"\xff\xd8\xff"
    publication = content.publications.get()
    assert (publication.platform, publication.integration, publication.status) == (
        "instagram",
        account,
        Status.SCHEDULED,
    )


def test_instagram_without_media_or_with_a_text_file_is_refused(staff_client, media_settings):
    owner = UserFactory()
    IntegrationFactory(user=owner, provider="instagram")
    html = staff_client.post(
        "/admin/content/content/add/", add_form(owner, platforms=["instagram"])
    ).content.decode()
    assert "Instagram: a post needs an image or a video; text alone is refused." in html
    notes = SimpleUploadedFile("notes.txt", b"hello", "text/plain")
    html = staff_client.post(
        "/admin/content/content/add/",
        add_form(owner, platforms=["instagram"], media_files=notes),
    ).content.decode()
    assert (
        "notes.txt is text/plain; send JPEG, PNG, GIF or WebP images, or MP4, QuickTime or "
        "WebM videos." in html
    )
    assert not Content.objects.exists()
    assert not list(media_settings.rglob("*.*"))


def test_a_staff_operator_without_superuser_rights_can_cancel(client, steering_operator):
    content = scheduled(UserFactory())
    client.force_login(steering_operator)
    response = action(client, "cancel_selected", [content])
    assert messages_of(response) == ["1 canceled."]
    assert Content.objects.get(pk=content.pk).status == Status.CANCELED


def test_retry_failed_retries_what_failed_and_says_why_it_skipped_the_rest(staff_client, operator):
    owner = UserFactory()
    failed = scheduled(owner, body="Failed once")
    row = failed.publications.get()
    for status in (Status.QUEUED, Status.PUBLISHING, Status.FAILED):
        transition(row, status, reason="test", last_error="X answered 503")
    waiting = scheduled(owner, body="Still waiting")
    response = action(staff_client, "retry_selected", [failed, waiting])
    (message,) = messages_of(response)
    assert message.startswith("1 retried, 1 skipped: ")
    assert f"(#{waiting.pk})" in message
    row.refresh_from_db()
    assert row.status == Status.QUEUED
    event = PublicationEvent.objects.filter(publication=row, to_status=Status.QUEUED).last()
    assert event.actor == operator.username


def test_publish_now_makes_scheduled_content_due_now(staff_client):
    owner = UserFactory()
    content = scheduled(owner, body="Tomorrow, or now")
    response = action(staff_client, "publish_now_selected", [content])
    assert messages_of(response) == ["1 moved to now."]
    row = content.publications.get()
    assert row.next_attempt_at <= dt.datetime.now(dt.UTC)
    assert row.status == Status.SCHEDULED
