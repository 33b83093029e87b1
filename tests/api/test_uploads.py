"""Uploads: typed by their bytes, checked before anything is written, within the owner's quota."""

import pytest
from django.conf import settings

from content.models import Content, ContentMedia
from publishing.models import Publication
from tests.api.conftest import client_for, scheduled, soon
from tests.factories import UserFactory
from tests.media_files import GIF, HTML, JPEG, MOV, MP4, PNG, WEBM, WEBP, upload

pytestmark = pytest.mark.django_db


def stored_files() -> list:
    return [path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()]


def post(api, media, targets=("discord",), **fields):
    data = {"body": "Look", "scheduled_for": soon(), "targets": list(targets), "media": media}
    return api.post("/api/v1/content/", {**data, **fields}, format="multipart")


def test_html_declared_as_an_image_is_refused_and_nothing_is_written(api):
    answer = post(api, [upload("cat.png", HTML, "image/png")])
    assert answer.status_code == 400
    assert answer.json()["field_errors"] == {
        "media.0": ["cat.png is declared image/png, but its content is not a PNG image."]
    }
    assert not Content.objects.exists() and not ContentMedia.objects.exists()
    assert stored_files() == []


def test_a_file_of_another_type_than_declared_is_refused(api):
    answer = post(api, [upload("a.jpg", JPEG, "image/jpeg"), upload("b.png", GIF, "image/png")])
    assert answer.status_code == 400
    assert answer.json()["field_errors"] == {
        "media.1": ["b.png is declared image/png, but its content is a GIF image."]
    }
    assert stored_files() == []


@pytest.mark.parametrize(
    ("head", "declared", "kind", "stored_type", "extension"),
    [
        (JPEG, "image/jpeg", "image", "image/jpeg", ".jpg"),
        (JPEG, "image/jpg", "image", "image/jpeg", ".jpg"),
        (PNG, "image/png", "image", "image/png", ".png"),
        (GIF, "image/gif", "image", "image/gif", ".gif"),
        (WEBP, "image/webp", "image", "image/webp", ".webp"),
        (MP4, "video/mp4", "video", "video/mp4", ".mp4"),
        (MOV, "video/quicktime", "video", "video/quicktime", ".mov"),
        (MOV, "video/mp4", "video", "video/quicktime", ".mov"),
        (WEBM, "video/webm", "video", "video/webm", ".webm"),
    ],
)
def test_accepted_files_are_stored_with_the_type_their_bytes_say(
    api, head, declared, kind, stored_type, extension
):
    answer = post(api, [upload("page.html", head, declared, size=2048)])
    assert answer.status_code == 201, answer.json()
    (media,) = answer.json()["media"]
    assert (media["kind"], media["mime_type"], media["size_bytes"]) == (kind, stored_type, 2048)
    assert media["file"].startswith("content/") and media["file"].endswith(extension)
    assert "page-" in media["file"] and ".html" not in media["file"]
    (path,) = stored_files()
    assert path.read_bytes().startswith(head)


def test_svg_and_other_image_types_are_refused(api):
    svg = upload("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml")
    answer = post(api, [svg])
    assert answer.status_code == 400
    assert answer.json()["field_errors"] == {
        "media.0": [
            "logo.svg is image/svg+xml; send JPEG, PNG, GIF or WebP images, or MP4, QuickTime "
            "or WebM videos."
        ]
    }


@pytest.mark.parametrize(
    ("targets", "media", "fields", "problem"),
    [
        (
            ["youtube"],
            [upload("photo.jpg", JPEG, "image/jpeg")],
            {},
            "YouTube: a post needs exactly one video file.",
        ),
        (
            ["instagram"],
            [upload("photo.jpg", JPEG, "image/jpeg")],
            {"body": "#tag " * 31},
            "Instagram: 31 hashtags; the limit is 30.",
        ),
        (
            ["twitter"],
            [upload("a.jpg", JPEG, "image/jpeg"), upload("b.mp4", MP4, "video/mp4")],
            {},
            "X: a video or GIF must be the only media of a post.",
        ),
    ],
)
def test_files_a_platform_would_refuse_are_never_written(api, targets, media, fields, problem):
    answer = post(api, media, targets=targets, **fields)
    assert answer.status_code == 400
    assert answer.json()["code"] == "platform_rules"
    assert problem in answer.json()["message"]
    assert not Content.objects.exists() and not Publication.objects.exists()
    assert stored_files() == []


def test_the_media_quota_counts_the_owners_files_and_names_limit_and_usage(api, alice, settings):
    settings.MEDIA_QUOTA_BYTES_PER_USER = 5000
    assert post(api, [upload("one.png", PNG, "image/png", size=3000)]).status_code == 201
    # Another user's files do not count against alice.
    other = client_for(UserFactory())
    assert post(other, [upload("big.png", PNG, "image/png", size=4000)]).status_code == 201

    answer = post(
        api,
        [
            upload("a.png", PNG, "image/png", size=1500),
            upload("b.png", PNG, "image/png", size=1000),
        ],
    )
    assert answer.status_code == 400
    assert answer.json()["field_errors"] == {
        "media": [
            "Not enough media storage: your content holds 2.9\xa0KB of your 4.9\xa0KB quota, "
            "and these files add 2.4\xa0KB. Delete content you no longer need, or send smaller "
            "files."
        ]
    }
    assert len(stored_files()) == 2
    assert post(api, [upload("c.png", PNG, "image/png", size=2000)]).status_code == 201

    # Deleting content frees its share.
    first = Content.objects.filter(owner=alice).order_by("pk").first()
    assert api.delete(f"/api/v1/content/{first.pk}/").status_code == 204
    assert post(api, [upload("d.png", PNG, "image/png", size=3000)]).status_code == 201


def test_content_without_media_ignores_the_quota(api, alice, settings):
    settings.MEDIA_QUOTA_BYTES_PER_USER = 0
    scheduled(alice)
    assert post(api, [], targets=["twitter"]).status_code == 201
    answer = post(api, [upload("a.png", PNG, "image/png")], targets=["twitter"])
    assert answer.status_code == 400
    assert "quota" in answer.json()["field_errors"]["media"][0]
