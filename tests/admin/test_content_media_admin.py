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
