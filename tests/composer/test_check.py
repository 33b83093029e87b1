"""The live check: each chosen platform's counters and problems, from its own rules."""

import json

import pytest

from content.models import Content, ContentMedia
from platforms import registry
from tests.composer.conftest import account_value, files_in
from tests.composer.heron import HERON

pytestmark = pytest.mark.django_db

VIDEO = {"kind": "video", "mime_type": "video/mp4", "size": 5_000_000}
IMAGE = {"kind": "image", "mime_type": "image/jpeg", "size": 200_000}


@pytest.fixture
def check(writer, accounts):
    def send(platforms, *, media=(), **fields):
        data = {
            "accounts": [account_value(accounts[p]) for p in platforms],
            "media": json.dumps(list(media)),
            **fields,
        }
        response = writer.post("/admin/compose/check/", data)
        assert response.status_code == 200, response.content
        return response.json()

    return send


def by_platform(answer) -> dict:
    return {row["platform"]: row for row in answer["platforms"]}


def counters(row) -> dict:
    return {m["label"]: (m["used"], m["limit"], m["unit"], m["over"]) for m in row["measures"]}


def test_x_counts_weighted_characters_for_the_post_and_each_thread_part(check):
    # A URL weighs 23 whatever its length; CJK characters weigh 2.
    body = "Read https://example.com/" + "a" * 100 + " " + "漢" * 120
    answer = check(["twitter"], body=body, o__twitter__thread=["Part two", "x" * 281])
    x = by_platform(answer)["twitter"]
    assert x["label"] == "X"
    assert counters(x) == {
        "Post": (5 + 23 + 1 + 240, 280, "weighted characters", False),
        "Thread part 2": (8, 280, "weighted characters", False),
        "Thread part 3": (281, 280, "weighted characters", True),
        "Media": (0, 4, "files", False),
    }
    assert x["problems"] == ["X: thread part 3 is 281 weighted characters; the limit is 280."]
    over = by_platform(check(["twitter"], body="漢" * 141))["twitter"]
    assert over["problems"] == ["X: the text is 282 weighted characters; the limit is 280."]


def test_discord_counts_2000_characters_and_attachments(check):
    discord = by_platform(check(["discord"], body="d" * 2001, media=[IMAGE] * 2))["discord"]
    assert counters(discord) == {
        "Message": (2001, 2000, "characters", True),
        "Attachments": (2, 10, "files", False),
    }
    assert discord["problems"] == ["Discord: the message is 2001 characters; the limit is 2000."]


def test_a_platforms_own_text_is_what_is_counted_there(check):
    answer = check(
        ["discord", "twitter"], body="short", o__twitter__text="t" * 300, o__discord__text=""
    )
    rows = by_platform(answer)
    assert counters(rows["twitter"])["Post"][0] == 300
    assert counters(rows["discord"])["Message"][0] == 5


def test_instagram_counts_the_caption_hashtags_and_mentions(check):
    caption = " ".join(f"#tag{i}" for i in range(31)) + " " + " ".join(f"@f{i}" for i in range(21))
    caption += " " + "c" * (2200 - len(caption) - 1)
    instagram = by_platform(check(["instagram"], body=caption, media=[IMAGE]))["instagram"]
    assert counters(instagram) == {
        "Caption": (2200, 2200, "characters", False),
        "Hashtags": (31, 30, "hashtags", True),
        "Mentions": (21, 20, "@mentions", True),
        "Media": (1, 10, "files", False),
    }
    assert instagram["problems"] == [
        "Instagram: 31 hashtags; the limit is 30.",
        "Instagram: 21 @mentions; the limit is 20.",
    ]
    text_only = by_platform(check(["instagram"], body="Hi"))["instagram"]
    assert (
        "Instagram: a post needs an image or a video; text alone is refused."
        in (text_only["problems"])
    )
    reel = by_platform(check(["instagram"], body="Hi", media=[IMAGE], o__instagram__kind="reel"))
    assert reel["instagram"]["problems"] == ["Instagram: a reel is exactly one video."]


def test_youtube_counts_the_title_and_the_description_in_bytes(check):
    youtube = by_platform(
        check(
            ["youtube"],
            body="body",
            o__youtube__title="T" * 101,
            o__youtube__description="é" * 2501,
            media=[VIDEO],
        )
    )["youtube"]
    assert counters(youtube) == {
        "Title": (101, 100, "characters", True),
        "Description": (5002, 5000, "bytes", True),
    }
    assert youtube["problems"] == [
        "YouTube: the title is 101 characters; the limit is 100.",
        "YouTube: the description is 5002 bytes; the limit is 5000.",
    ]
    no_video = by_platform(check(["youtube"], title="Trailer", media=[IMAGE]))["youtube"]
    assert no_video["problems"] == ["YouTube: a post needs exactly one video file."]
    assert counters(no_video)["Title"] == (7, 100, "characters", False)


def test_only_the_chosen_platforms_are_checked(check):
    assert check([], body="x" * 5000)["platforms"] == []
    assert [row["platform"] for row in check(["discord", "twitter"], body="x")["platforms"]] == [
        "discord",
        "twitter",
    ]


def test_option_errors_come_back_by_field(check):
    answer = check(["discord"], body="hi", o__discord__channel_id="general")
    assert answer["errors"] == {
        "o__discord__channel_id": ["A Discord channel id is 17 to 20 digits."]
    }


def test_the_check_writes_nothing(check, media_folder):
    check(["instagram", "youtube"], body="hi", media=[VIDEO, IMAGE])
    assert files_in(media_folder) == []
    assert Content.objects.count() == 0 and ContentMedia.objects.count() == 0


def test_a_new_platforms_counters_come_from_its_module(writer, composer_user):
    from tests.factories import IntegrationFactory

    with registry.registered(HERON):
        account = IntegrationFactory(user=composer_user, provider="heron")
        answer = writer.post(
            "/admin/compose/check/",
            {"body": "h" * 51, "accounts": [account_value(account)], "media": "[]"},
        ).json()
    assert answer["platforms"] == [
        {
            "platform": "heron",
            "label": "Heron",
            "measures": [
                {"label": "Call", "used": 51, "limit": 50, "unit": "characters", "over": True}
            ],
            "problems": ["Heron: the call is 51 characters; the limit is 50."],
        }
    ]
