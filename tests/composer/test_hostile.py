"""Hostile input to the composer: a form error or a 400, never a 500, and nothing left behind."""

import json

import pytest

from content.models import Content
from publishing.models import Publication
from tests.composer.conftest import account_value, files_in
from tests.media_files import HTML, JPEG, MP4, PNG, upload

pytestmark = pytest.mark.django_db

LATER = "2031-03-04T09:30"


@pytest.fixture
def post(writer, accounts):
    def send(data, files=None):
        base = {
            "body": "Hello",
            "accounts": [account_value(accounts["discord"])],
            "scheduled_for": LATER,
            "action": "schedule",
        }
        return writer.post("/admin/compose/", {**base, **data, **(files or {})})

    return send


def refused_with(response, text):
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was saved." in page
    assert text in page, page[page.find("errornote") : page.find("errornote") + 2000]


def nothing_written(media_folder):
    assert Content.objects.count() == 0
    assert Publication.objects.count() == 0
    assert files_in(media_folder) == []


def test_a_huge_body(post, media_folder):
    refused_with(post({"body": "a" * 20_001}), "Ensure this value has at most 20000 characters")
    nothing_written(media_folder)


def test_far_and_impossible_dates(post, media_folder):
    refused_with(post({"scheduled_for": "9999-12-31T23:59"}), "Too far ahead")
    refused_with(post({"scheduled_for": "99999-01-01T00:00"}), "Enter a valid date/time.")
    refused_with(post({"scheduled_for": "2031-02-30T10:00"}), "Enter a valid date/time.")
    nothing_written(media_folder)


def test_odd_characters(post, media_folder):
    refused_with(post({"body": "nul \x00 byte"}), "Null characters are not allowed.")
    # Right-to-left marks, emoji and combining marks are text like any other.
    odd = "\u202eevil\u202c 👩🏽‍💻 e\u0301"
    response = post({"body": odd})
    assert response.status_code == 302
    assert Content.objects.get().body == odd


def test_a_png_that_is_not_an_image(post, media_folder):
    response = post({}, {"media_files": [upload("cat.png", HTML, "image/png")]})
    refused_with(response, "cat.png is declared image/png, but its content is not a PNG image.")
    nothing_written(media_folder)


def test_a_file_of_a_type_herald_does_not_take(post, media_folder):
    response = post({}, {"media_files": [upload("page.html", HTML, "text/html")]})
    refused_with(response, "page.html is text/html")
    nothing_written(media_folder)


def test_a_good_file_beside_a_lying_one_is_not_kept_either(post, media_folder):
    response = post(
        {},
        {
            "media_files": [
                upload("good.jpg", JPEG, "image/jpeg"),
                upload("bad.mp4", PNG, "video/mp4"),
            ]
        },
    )
    refused_with(response, "bad.mp4 is declared video/mp4, but its content is a PNG image.")
    nothing_written(media_folder)


def test_a_forged_media_order(post, media_folder):
    for order in ("s999", "n5", "x,y", "n0,n0,n0,n0,n0,n0,n0,n0,n0,n0,n0"):
        response = post(
            {"media_order": order}, {"media_files": [upload("a.jpg", JPEG, "image/jpeg")]}
        )
        assert response.status_code == 200, order
    nothing_written(media_folder)


def test_too_many_files(post, media_folder):
    files = [upload(f"{i}.jpg", JPEG, "image/jpeg") for i in range(11)]
    refused_with(post({}, {"media_files": files}), "At most 10 files per post.")
    nothing_written(media_folder)


def test_forged_options_and_actions(post, media_folder):
    refused_with(post({"o__youtube__privacy": "everyone"}), "Select a valid choice")
    refused_with(post({"action": "delete-everything"}), "Select a valid choice")
    refused_with(post({"o__twitter__thread": ["x"] * 26}), "At most 25 items (26 given).")
    nothing_written(media_folder)


@pytest.mark.parametrize(
    "media",
    [
        "not json",
        json.dumps({"kind": "image"}),
        json.dumps([{"mime_type": "text/html", "size": 1}]),
        json.dumps([{"mime_type": "image/png", "size": -1}]),
        json.dumps([{"mime_type": "image/png", "size": "big"}]),
        json.dumps([{"mime_type": "image/png", "size": 1}] * 11),
        json.dumps(["image/png"]),
    ],
)
def test_the_check_answers_400_to_forged_media(writer, accounts, media, media_folder):
    response = writer.post(
        "/admin/compose/check/",
        {"body": "x", "accounts": [account_value(accounts["discord"])], "media": media},
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["media"]
    assert files_in(media_folder) == []


def test_the_check_answers_a_huge_body_with_the_field_error(writer, accounts):
    response = writer.post(
        "/admin/compose/check/",
        {"body": "a" * 20_001, "accounts": [account_value(accounts["twitter"])], "media": "[]"},
    )
    assert response.status_code == 200
    assert response.json()["errors"]["body"] == [
        "Ensure this value has at most 20000 characters (it has 20001)."
    ]


def test_a_video_upload_is_checked_by_its_bytes_too(post, media_folder, accounts, writer):
    response = writer.post(
        "/admin/compose/",
        {
            "body": "Clip",
            "title": "Clip",
            "accounts": [account_value(accounts["youtube"])],
            "scheduled_for": LATER,
            "action": "schedule",
            "media_files": [upload("clip.mp4", MP4, "video/mp4")],
        },
    )
    assert response.status_code == 302
    assert Content.objects.get().media.get().mime_type == "video/mp4"


@pytest.mark.parametrize(
    "at",
    [
        "2031-13-45T00:00:00",
        "9999-12-31T23:59:59Z",
        "0001-01-01T00:00:00+14:00",
        "2031-05-01T10:00:00+99:00",
        "x" * 10_000,
        "2031-05-01 10:00:00; DROP TABLE content_content",
    ],
)
def test_a_calendar_link_with_a_time_that_is_not_one_opens_an_empty_form(writer, composer_user, at):
    composer_user.timezone = "Pacific/Kiritimati"
    composer_user.save()
    response = writer.get("/admin/compose/", {"at": at})
    assert response.status_code == 200
    assert 'name="scheduled_for" id="id_scheduled_for"' in response.content.decode()
    assert 'name="scheduled_for" value=' not in response.content.decode()


def test_the_first_hour_of_the_calendar_in_a_zone_ahead_of_utc(post, composer_user, media_folder):
    # Tokyo's local mean time in year 1 is 9 h 19 min ahead of UTC: the time is in year 0 there.
    composer_user.timezone = "Asia/Tokyo"
    composer_user.save()
    refused_with(post({"scheduled_for": "0001-01-01T00:00"}), "cannot be stored")
    nothing_written(media_folder)


def test_too_many_fields_is_a_400(writer, accounts):
    response = writer.post("/admin/compose/", {"body": "x", "o__twitter__thread": ["a"] * 5000})
    assert response.status_code == 400
    assert Content.objects.count() == 0
