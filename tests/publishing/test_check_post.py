"""The composer's live check: each platform's own validate() and counters, with its own text."""

import pytest

from content.models import Content, ContentMedia
from platforms.base import Measure
from platforms.descriptor import Limits
from platforms.registry import registered
from publishing.posts import PlatformCheck, build_post, check_post
from tests.platforms.pigeon import PIGEON

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def real_validation(settings, fake_platform):
    settings.PLATFORM_MODULES = {}


def test_a_platforms_own_text_replaces_the_body_there_only():
    content = Content(body="For everyone", options={"discord": {"text": "For Discord"}})
    assert build_post(content, "discord").body == "For Discord"
    assert build_post(content, "twitter").body == "For everyone"
    blank = Content(body="For everyone", options={"discord": {"text": ""}})
    assert build_post(blank, "discord").body == "For everyone"


def test_check_gives_problems_and_counters_per_platform():
    content = Content(
        body="x" * 281,
        options={"discord": {"text": "Short"}, "youtube": {"title": "A video"}},
    )
    video = ContentMedia(kind="video", mime_type="video/mp4", size_bytes=1000)

    checks = check_post(content, ["twitter", "discord", "youtube"], media=[video])

    assert checks["twitter"].problems == [
        "X: the text is 281 weighted characters; the limit is 280."
    ]
    assert checks["twitter"].measures[0] == Measure("Post", 281, 280, "weighted characters")
    assert checks["discord"] == PlatformCheck(
        [],
        [Measure("Message", 5, 2000, "characters"), Measure("Attachments", 1, 10, "files")],
    )
    assert checks["youtube"].problems == []
    assert checks["youtube"].measures[0] == Measure("Title", 7, 100, "characters")


def test_a_platform_without_counters_gets_its_descriptors_limits():
    with registered(PIGEON):
        checks = check_post(Content(body="coo"), [PIGEON.value])
    limits: Limits = PIGEON.limits
    assert checks[PIGEON.value].measures == [
        Measure("Text", 3, limits.max_text, "characters"),
        Measure("Media", 0, limits.max_media, "files"),
    ]
