"""Attached files are read-only in the admin: they come in through the content form only."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from content.models import ContentMedia
from publishing.services import Target, schedule_content
from tests.factories import UserFactory
from tests.media_files import HTML, PNG, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    content = schedule_content(
        owner=UserFactory(),
        body="With a picture",
        targets=[Target("discord")],
        scheduled_for=timezone.now() + dt.timedelta(hours=1),
        media=[
            ContentMedia(
                file=upload("a.png", PNG, "image/png"),
                kind="image",
                mime_type="image/png",
                size_bytes=1024,
            )
        ],
    )
    return content.media.get()


def test_even_a_superuser_cannot_add_swap_or_delete_a_file_here(staff_client, media):
    add = reverse("admin:content_contentmedia_add")
    assert staff_client.get(add).status_code == 403
    lying = upload("b.png", HTML, "image/png")
    posted = staff_client.post(
        add, {"content": media.content_id, "file": lying, "kind": "image", "position": 1}
    )
    assert posted.status_code == 403

    change = reverse("admin:content_contentmedia_change", args=[media.pk])
    page = staff_client.get(change)
    assert page.status_code == 200  # read-only view
    assert b'type="file"' not in page.content
    swapped = staff_client.post(change, {"content": media.content_id, "file": lying})
    assert swapped.status_code == 403
    delete = reverse("admin:content_contentmedia_delete", args=[media.pk])
    assert staff_client.post(delete, {"post": "yes"}).status_code == 403

    stored = ContentMedia.objects.get()
    assert stored.file.name == media.file.name
    assert stored.file.read().startswith(PNG)


def test_the_content_page_shows_its_files_but_takes_none(staff_client, media):
    """The content page's media rows are shown only: no file is typed, swapped or added by hand."""
    content = media.content
    change = reverse("admin:content_content_change", args=[content.pk])
    page = staff_client.get(change).content.decode()
    assert media.file.name in page
    assert 'name="media-0-kind"' not in page and 'name="media-0-alt_text"' not in page

    publication = content.publications.get()
    saved = staff_client.post(
        change,
        {
            "owner": content.owner_id,
            "title": "",
            "body": content.body,
            "options": "{}",
            "scheduled_for_0": content.scheduled_for.strftime("%Y-%m-%d"),
            "scheduled_for_1": content.scheduled_for.strftime("%H:%M:%S"),
            "publications-TOTAL_FORMS": "1",
            "publications-INITIAL_FORMS": "1",
            "publications-0-id": publication.pk,
            "publications-0-content": content.pk,
            "media-TOTAL_FORMS": "2",
            "media-INITIAL_FORMS": "1",
            "media-0-id": media.pk,
            "media-0-content": content.pk,
            "media-0-position": "0",
            "media-0-kind": "video",
            "media-0-mime_type": "video/mp4",
            "media-0-size_bytes": "1024",
            "media-0-alt_text": "changed by hand",
            "media-1-content": content.pk,
            "media-1-position": "1",
            "media-1-kind": "image",
            "media-1-mime_type": "image/png",
            "media-1-size_bytes": "10",
            "media-1-file": upload("b.png", HTML, "image/png"),
        },
    )

    assert saved.status_code == 302  # the content saved; the media rows were not offered
    stored = ContentMedia.objects.get()
    assert (stored.pk, stored.kind, stored.alt_text) == (media.pk, "image", "")
    assert stored.file.read().startswith(PNG)
