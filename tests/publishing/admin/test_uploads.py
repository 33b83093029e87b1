"""Media from the admin's add form: the API's inspection, platform rules and quota."""

import datetime as dt

import pytest

from content.models import Content, ContentMedia
from publishing.media import media_draft
from publishing.services import Target, schedule_content
from tests.factories import IntegrationFactory, UserFactory
from tests.media_files import HTML, JPEG, PNG, upload
from tests.publishing.admin.test_content_admin import add_form

pytestmark = pytest.mark.django_db
ADD = "/admin/content/content/add/"


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.PUBLIC_MEDIA_BASE_URL = "https://media.example.com"
    return tmp_path


def files_in(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()]


def test_html_declared_as_an_image_is_refused_and_nothing_is_written(staff_client, media_root):
    owner = UserFactory()
    IntegrationFactory(user=owner, provider="instagram")
    page = upload("cat.png", HTML, "image/png")
    html = staff_client.post(
        ADD, add_form(owner, platforms=["instagram"], media_files=page)
    ).content.decode()
    assert "cat.png is declared image/png, but its content is not a PNG image." in html
    assert not Content.objects.exists() and not ContentMedia.objects.exists()
    assert files_in(media_root) == []


def test_an_image_youtube_refuses_is_never_written(staff_client, media_root):
    owner = UserFactory()
    photo = upload("photo.jpg", JPEG, "image/jpeg")
    html = staff_client.post(
        ADD, add_form(owner, platforms=["youtube"], media_files=photo)
    ).content.decode()
    assert "YouTube: a post needs exactly one video file." in html
    assert not Content.objects.exists()
    assert files_in(media_root) == []


def test_the_stored_type_and_name_come_from_the_bytes(staff_client, media_root):
    owner = UserFactory()
    IntegrationFactory(user=owner, provider="instagram")
    photo = upload("photo.html", PNG, "image/png", size=500)
    answer = staff_client.post(ADD, add_form(owner, platforms=["instagram"], media_files=photo))
    assert answer.status_code == 302
    item = ContentMedia.objects.get()
    assert (item.kind, item.mime_type, item.size_bytes) == ("image", "image/png", 500)
    assert item.file.name.endswith(".png") and ".html" not in item.file.name
    assert len(files_in(media_root)) == 1


def test_the_quota_is_enforced_with_its_message(staff_client, media_root, settings):
    settings.MEDIA_QUOTA_BYTES_PER_USER = 1000
    owner = UserFactory()
    IntegrationFactory(user=owner, provider="instagram")
    schedule_content(
        owner=owner,
        body="x",
        targets=[Target("discord")],
        scheduled_for=dt.datetime(2031, 1, 1, tzinfo=dt.UTC),
        media=[media_draft(upload("old.png", PNG, "image/png", size=600), position=0)],
    )
    photo = upload("photo.png", PNG, "image/png", size=401)
    html = staff_client.post(
        ADD, add_form(owner, platforms=["instagram"], media_files=photo)
    ).content.decode()
    assert (
        "Not enough media storage: your content holds 600\xa0bytes of your 1000\xa0bytes quota, "
        "and these files add 401\xa0bytes." in html
    )
    assert Content.objects.count() == 1
    assert len(files_in(media_root)) == 1
