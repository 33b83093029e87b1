"""Media from the admin's add form: the API's inspection, platform rules and quota."""

import datetime as dt

import pytest

from content.models import Content, ContentMedia
from publishing.media import media_draft
from publishing.services import Target, schedule_content
from tests.api.conftest import client_for
from tests.factories import IntegrationFactory, UserFactory
from tests.media_files import GIF, HTML, JPEG, MOV, PNG, upload
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


@pytest.mark.parametrize(
    ("head", "name", "declared"),
    [
        (PNG, "photo.png", "image/png"),
        (JPEG, "photo.html", "image/jpg"),
        (MOV, "clip.mp4", "video/mp4"),
        (HTML, "cat.png", "image/png"),
        (GIF, "b.png", "image/png"),
        (PNG, "page.html", "text/html"),
    ],
)
def test_the_admin_and_the_api_type_and_refuse_an_upload_alike(
    staff_client, media_root, head, name, declared
):
    """One rule (publishing.media) types a file or refuses it, whichever door it came through."""
    owner = UserFactory()
    api_answer = client_for(owner).post(
        "/api/v1/content/",
        {
            "body": "A photo",
            "scheduled_for": "2031-01-15T12:00:00Z",
            "targets": ["discord"],
            "media": [upload(name, head, declared, size=700)],
        },
        format="multipart",
    )
    from_api = list(ContentMedia.objects.values_list("kind", "mime_type", "size_bytes"))
    ContentMedia.objects.all().delete()
    admin_answer = staff_client.post(
        ADD,
        add_form(
            owner,
            body="A photo",
            platforms=["discord"],
            media_files=upload(name, head, declared, size=700),
        ),
    )
    from_admin = list(ContentMedia.objects.values_list("kind", "mime_type", "size_bytes"))

    assert from_admin == from_api
    if api_answer.status_code == 201:
        assert admin_answer.status_code == 302
        assert len(from_api) == 1
    else:
        assert from_api == []
        refusal = api_answer.json()["field_errors"]["media.0"][0]
        assert refusal in admin_answer.content.decode()
