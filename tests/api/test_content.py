"""Content: schedule, list, read, edit, delete, and the actions on its targets."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from api.pagination import IdsFirstPagination, IdsFirstPaginator
from content.choices import Status
from content.models import Content, ContentMedia
from platforms import registry
from publishing.models import Publication, PublicationEvent
from publishing.states import transition
from tests.api.conftest import FUTURE, scheduled, soon
from tests.factories import IntegrationFactory
from tests.media_files import MP4, upload

pytestmark = pytest.mark.django_db


def move(publication, *statuses, **fields):
    for status in statuses:
        transition(publication, status, reason="test", **fields)


# --- create ----------------------------------------------------------------------------


def test_scheduling_creates_the_content_and_one_publication_per_target(api, alice):
    discord = IntegrationFactory(user=alice, provider="discord")
    answer = api.post(
        "/api/v1/content/",
        {
            "title": "Launch",
            "body": "We are live",
            "scheduled_for": "2031-05-01T09:30:00+00:00",
            "targets": ["twitter", {"integration": discord.pk}],
            "options": {"twitter": {"thread": ["More soon"]}},
        },
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    content = Content.objects.get(owner=alice)
    assert body["id"] == content.pk
    assert (body["title"], body["body"], body["status"], body["version"]) == (
        "Launch",
        "We are live",
        "SCHEDULED",
        1,
    )
    assert body["scheduled_for"] == "2031-05-01T09:30:00Z"
    assert body["options"] == {"twitter": {"thread": ["More soon"]}}
    targets = {t["platform"]: t for t in body["targets"]}
    assert targets["discord"]["integration"] == discord.pk
    assert targets["twitter"]["integration"] is None
    assert {t["status"] for t in targets.values()} == {"SCHEDULED"}
    assert Publication.objects.filter(content=content).count() == 2
    event = PublicationEvent.objects.filter(publication__content=content).first()
    assert event.actor == "alice"


def test_a_time_without_offset_is_read_in_the_users_time_zone(api):
    answer = api.post(
        "/api/v1/content/",
        {"body": "Hi", "scheduled_for": "2031-07-01T09:30:00", "targets": ["twitter"]},
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    # Madrid is UTC+2 in July.
    assert answer.json()["scheduled_for"] == "2031-07-01T07:30:00Z"
    assert Content.objects.get().scheduled_for == dt.datetime(2031, 7, 1, 7, 30, tzinfo=dt.UTC)


def test_media_is_uploaded_with_multipart(api):
    image = SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff" + b"0" * 100, content_type="image/jpeg")
    answer = api.post(
        "/api/v1/content/",
        {
            "body": "Look",
            "scheduled_for": soon(),
            "targets": ["instagram", "twitter"],
            "options": '{"twitter": {"thread": ["and more"]}}',
            "media": [image],
        },
        format="multipart",
    )
    assert answer.status_code == 201, answer.json()
    media = answer.json()["media"]
    assert [(m["kind"], m["mime_type"], m["size_bytes"], m["position"]) for m in media] == [
        ("image", "image/jpeg", 103, 0)
    ]
    stored = ContentMedia.objects.get()
    assert stored.file.read().startswith(b"\xff\xd8\xff")
    assert answer.json()["options"] == {"twitter": {"thread": ["and more"]}}


def test_youtube_options_reach_the_platform_rules(api):
    video = upload("clip.mp4", MP4, "video/mp4")
    answer = api.post(
        "/api/v1/content/",
        {
            "body": "Watch",
            "scheduled_for": soon(),
            "targets": ["youtube"],
            "options": '{"youtube": {"title": "' + "T" * 101 + '", "privacy": "unlisted"}}',
            "media": [video],
        },
        format="multipart",
    )
    assert answer.status_code == 400
    assert answer.json()["platforms"] == {
        "youtube": ["YouTube: the title is 101 characters; the limit is 100."]
    }


# --- create: errors ----------------------------------------------------------------------


def post(api, **fields):
    data = {"body": "Hi", "scheduled_for": soon(), "targets": ["twitter"], **fields}
    return api.post("/api/v1/content/", data, format="json")


def test_malformed_time_is_a_field_error(api):
    answer = post(api, scheduled_for="next tuesday")
    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid"
    assert answer.json()["field_errors"]["scheduled_for"][0].startswith(
        "Datetime has wrong format."
    )
    assert not Content.objects.exists()


def test_a_time_in_the_past_is_refused(api):
    past = (timezone.now() - dt.timedelta(minutes=5)).isoformat()
    answer = post(api, scheduled_for=past)
    assert answer.status_code == 400
    [message] = answer.json()["field_errors"]["scheduled_for"]
    assert "is in the past; choose a later time, or use publish-now" in message


def test_a_local_time_that_does_not_exist_is_refused(api):
    # Clocks in Madrid jump from 02:00 to 03:00 on 2031-03-30.
    answer = post(api, scheduled_for="2031-03-30T02:30:00")
    assert answer.status_code == 400
    assert answer.json()["field_errors"]["scheduled_for"] == [
        "2031-03-30T02:30:00 does not exist in Europe/Madrid (the clocks change then); "
        "give the time with an offset."
    ]


def test_unknown_platform_is_named(api):
    answer = post(api, targets=["myspace"])
    assert answer.status_code == 400
    assert answer.json()["field_errors"] == {
        "targets.0": [f"Unknown platform 'myspace'; choose from {', '.join(registry.values())}."]
    }


def test_another_users_integration_is_not_found(api, bob):
    theirs = IntegrationFactory(user=bob, provider="discord")
    answer = post(api, targets=[{"integration": theirs.pk}])
    assert answer.status_code == 400
    assert answer.json()["field_errors"] == {"targets.0": [f"Integration {theirs.pk} not found."]}
    missing = post(api, targets=[{"integration": theirs.pk + 1000}])
    assert missing.json()["field_errors"] == {
        "targets.0": [f"Integration {theirs.pk + 1000} not found."]
    }
    assert not Content.objects.exists()


def test_a_target_of_the_wrong_shape_says_what_a_target_is(api):
    answer = post(api, targets=[{}, 3, {"platform": "twitter", "extra": 1}])
    assert answer.status_code == 400
    message = 'A target is a platform name, {"platform": name} or {"integration": id}.'
    assert answer.json()["field_errors"] == {
        "targets.0": [message],
        "targets.1": [message],
        "targets.2": [message],
    }


def test_a_target_listed_twice_is_refused(api):
    answer = post(api, targets=["twitter", {"platform": "twitter"}])
    assert answer.status_code == 400
    assert answer.json()["field_errors"] == {"targets.1": ["This target is listed twice."]}


def test_text_too_long_for_x_names_the_platform_and_the_rule(api):
    answer = post(api, body="x" * 281, targets=["twitter", "discord"])
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "platform_rules"
    assert body["platforms"] == {
        "twitter": ["X: the text is 281 weighted characters; the limit is 280."]
    }
    assert body["field_errors"] == {
        "targets": ["X: the text is 281 weighted characters; the limit is 280."]
    }
    assert not Content.objects.exists() and not Publication.objects.exists()


def test_instagram_without_media_is_refused(api):
    answer = post(api, targets=["instagram"])
    assert answer.status_code == 400
    assert answer.json()["platforms"] == {
        "instagram": ["Instagram: a post needs an image or a video; text alone is refused."]
    }


def test_a_file_too_large_is_refused_with_the_limit(api, settings):
    settings.MAX_UPLOAD_BYTES = 1024
    big = SimpleUploadedFile("big.png", b"0" * 2048, content_type="image/png")
    answer = api.post(
        "/api/v1/content/",
        {"body": "x", "scheduled_for": soon(), "targets": ["twitter"], "media": [big]},
        format="multipart",
    )
    assert answer.status_code == 400
    assert answer.json()["field_errors"] == {
        "media.0": ["big.png is 2.0\xa0KB; the largest accepted file is 1.0\xa0KB."]
    }
    assert not ContentMedia.objects.exists()


def test_a_file_that_is_not_an_image_or_video_is_refused(api):
    doc = SimpleUploadedFile("notes.pdf", b"%PDF-1.4", content_type="application/pdf")
    answer = api.post(
        "/api/v1/content/",
        {"body": "x", "scheduled_for": soon(), "targets": ["twitter"], "media": [doc]},
        format="multipart",
    )
    assert answer.status_code == 400
    assert answer.json()["field_errors"] == {
        "media.0": [
            "notes.pdf is application/pdf; send JPEG, PNG, GIF or WebP images, or MP4, "
            "QuickTime or WebM videos."
        ]
    }


def test_malformed_json_is_a_400_with_the_parser_message(api):
    answer = api.post("/api/v1/content/", '{"body": "x",', content_type="application/json")
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "parse_error"
    assert body["message"].startswith("JSON parse error")


def test_wrong_types_are_field_errors(api):
    answer = post(api, body=["not", "text"], targets="twitter", options={"youtube": {"tags": 3}})
    assert answer.status_code == 400
    errors = answer.json()["field_errors"]
    assert errors["body"] == ["Not a valid string."]
    assert errors["targets"] == ['Expected a list of items but got type "str".']
    assert errors["options.youtube.tags"] == ['Expected a list of items but got type "int".']


def test_unknown_options_are_refused(api):
    answer = post(api, options={"myspace": {}})
    assert answer.status_code == 400
    assert answer.json()["field_errors"] == {
        "options.myspace": [f"Unknown option; the known ones are: {', '.join(registry.values())}."]
    }
    answer = post(api, options={"twitter": {"poll": True}, "discord": {"channel": 1}})
    assert answer.json()["field_errors"] == {
        "options.twitter.poll": ["Unknown option; the known ones are: text, thread."],
        "options.discord.channel": ["Unknown option; the known ones are: text, channel_id."],
    }


def test_missing_fields_are_named(api):
    answer = api.post("/api/v1/content/", {}, format="json")
    assert answer.status_code == 400
    assert answer.json()["field_errors"] == {
        "scheduled_for": ["This field is required (or set publish_now to true)."],
        "targets": ["This field is required."],
    }


# --- list and retrieve -------------------------------------------------------------------


def test_list_filters_by_status_platform_and_dates_and_orders(api, alice, bob):
    early = scheduled(alice, platforms=("twitter",), when=FUTURE)
    late = scheduled(alice, platforms=("discord",), when=FUTURE + dt.timedelta(days=2))
    canceled = scheduled(alice, platforms=("discord",), when=FUTURE + dt.timedelta(days=1))
    move(canceled.publications.get(), Status.CANCELED)
    scheduled(bob)

    def ids(**params):
        answer = api.get("/api/v1/content/", params)
        assert answer.status_code == 200, answer.json()
        return [item["id"] for item in answer.json()["results"]]

    assert ids() == [late.pk, canceled.pk, early.pk]
    assert ids(ordering="scheduled_for") == [early.pk, canceled.pk, late.pk]
    assert ids(ordering="created_at") == [early.pk, late.pk, canceled.pk]
    assert ids(status="CANCELED") == [canceled.pk]
    assert ids(platform="discord") == [late.pk, canceled.pk]
    assert ids(scheduled_after="2031-05-02T00:00:00Z") == [late.pk, canceled.pk]
    assert ids(scheduled_before="2031-05-02T00:00:00Z") == [early.pk]
    # Without an offset, the user's zone: 2031-05-02 11:29 in Madrid is 09:29 UTC.
    assert ids(scheduled_after="2031-05-02T11:29:00") == [late.pk, canceled.pk]
    assert ids(scheduled_after="2031-05-02T11:31:00") == [late.pk]


def test_list_is_paginated(api, alice):
    for _ in range(3):
        scheduled(alice)
    body = api.get("/api/v1/content/").json()
    assert body["count"] == 3 and body["next"] is None and len(body["results"]) == 3
    answer = api.get("/api/v1/content/", {"page": 9})
    assert answer.status_code == 404
    assert answer.json()["code"] == "not_found"


def test_deep_pages_keep_the_order_and_the_targets(api, alice, monkeypatch):
    """Pages are read as ids first (api.pagination): the same rows, in the same order."""
    monkeypatch.setattr(IdsFirstPagination, "page_size", 2)
    monkeypatch.setattr(IdsFirstPaginator, "deep_after", 0)
    contents = [scheduled(alice, when=FUTURE + dt.timedelta(hours=i)) for i in range(5)]
    newest_first = [content.pk for content in reversed(contents)]

    pages = [api.get("/api/v1/content/", {"page": n}).json() for n in (1, 2, 3)]

    assert [[item["id"] for item in page["results"]] for page in pages] == [
        newest_first[0:2],
        newest_first[2:4],
        newest_first[4:5],
    ]
    assert all(page["count"] == 5 for page in pages)
    assert pages[1]["results"][0]["targets"][0]["platform"] == "twitter"
    assert pages[2]["next"] is None
    assert api.get("/api/v1/content/", {"page": 4}).status_code == 404


def test_bad_filters_are_field_errors(api):
    answer = api.get(
        "/api/v1/content/", {"status": "DONE", "platform": "myspace", "scheduled_after": "soon"}
    )
    assert answer.status_code == 400
    errors = answer.json()["field_errors"]
    assert errors["status"] == ['"DONE" is not a valid choice.']
    assert errors["platform"] == ['"myspace" is not a valid choice.']
    assert errors["scheduled_after"][0].startswith("Datetime has wrong format.")


def test_list_runs_a_fixed_number_of_queries(api, alice, django_assert_max_num_queries):
    for _ in range(2):
        scheduled(alice, platforms=("twitter", "discord"))
    # One more the first time: the throttle reads the plan's API rate (then cached).
    with django_assert_max_num_queries(7):
        assert len(api.get("/api/v1/content/").json()["results"]) == 2
    for _ in range(8):
        scheduled(alice, platforms=("twitter", "discord"))
    with django_assert_max_num_queries(6):
        assert len(api.get("/api/v1/content/").json()["results"]) == 10


def test_retrieve_shows_each_targets_state_attempts_permalink_and_error(api, alice):
    content = scheduled(alice, platforms=("twitter", "discord"))
    twitter = content.publications.get(platform="twitter")
    move(twitter, Status.QUEUED, Status.PUBLISHING)
    move(twitter, Status.PUBLISHED, permalink="https://x.com/alice/status/1", external_id="1")
    discord = content.publications.get(platform="discord")
    move(discord, Status.QUEUED, Status.PUBLISHING)
    move(discord, Status.FAILED, last_error="Discord answered 403", last_error_code="http_403")
    Publication.objects.filter(pk=twitter.pk).update(attempts=1)
    body = api.get(f"/api/v1/content/{content.pk}/").json()
    assert body["status"] == "FAILED"
    targets = {t["platform"]: t for t in body["targets"]}
    assert targets["twitter"]["status"] == "PUBLISHED"
    assert targets["twitter"]["attempts"] == 1
    assert targets["twitter"]["permalink"] == "https://x.com/alice/status/1"
    assert (targets["discord"]["last_error_code"], targets["discord"]["last_error"]) == (
        "http_403",
        "Discord answered 403",
    )


def test_no_token_or_secret_appears_in_content(api, alice):
    account = IntegrationFactory(user=alice, provider="discord")
    content = scheduled(alice, platforms=("twitter",))
    answer = api.get(f"/api/v1/content/{content.pk}/")
    assert account.access_token not in answer.content.decode()
    assert "platform_state" not in answer.content.decode()


# --- update ------------------------------------------------------------------------------


def test_patch_edits_and_bumps_the_version(api, alice):
    content = scheduled(alice)
    answer = api.patch(
        f"/api/v1/content/{content.pk}/",
        {"body": "Edited", "scheduled_for": "2031-06-01T10:00:00+00:00"},
        format="json",
    )
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert (body["body"], body["version"], body["scheduled_for"]) == (
        "Edited",
        2,
        "2031-06-01T10:00:00Z",
    )
    assert body["targets"][0]["next_attempt_at"] == "2031-06-01T10:00:00Z"


def test_put_replaces_text_and_time(api, alice):
    content = scheduled(alice, title="Old")
    answer = api.put(
        f"/api/v1/content/{content.pk}/",
        {"body": "New", "title": "New title", "scheduled_for": "2031-06-01T10:00:00Z"},
        format="json",
    )
    assert answer.status_code == 200, answer.json()
    assert (answer.json()["title"], answer.json()["version"]) == ("New title", 2)
    incomplete = api.put(f"/api/v1/content/{content.pk}/", {"body": "x"}, format="json")
    assert incomplete.status_code == 400
    assert incomplete.json()["field_errors"] == {"scheduled_for": ["This field is required."]}


def test_edit_once_sent_is_a_409_and_changes_nothing(api, alice):
    content = scheduled(alice)
    move(content.publications.get(), Status.QUEUED, Status.PUBLISHING)
    answer = api.patch(f"/api/v1/content/{content.pk}/", {"body": "Too late"}, format="json")
    assert answer.status_code == 409
    assert answer.json()["code"] == "locked"
    assert "can no longer be edited (X: PUBLISHING)" in answer.json()["message"]
    content.refresh_from_db()
    assert (content.body, content.version) == ("Hello", 1)


def test_edit_a_platform_refuses_is_a_400(api, alice):
    content = scheduled(alice)
    answer = api.patch(f"/api/v1/content/{content.pk}/", {"body": "y" * 300}, format="json")
    assert answer.status_code == 400
    assert answer.json()["code"] == "platform_rules"
    content.refresh_from_db()
    assert content.version == 1


def test_edit_into_the_past_is_refused(api, alice):
    content = scheduled(alice)
    past = (timezone.now() - dt.timedelta(hours=1)).isoformat()
    answer = api.patch(f"/api/v1/content/{content.pk}/", {"scheduled_for": past}, format="json")
    assert answer.status_code == 400
    assert "is in the past" in answer.json()["field_errors"]["scheduled_for"][0]


# --- delete ------------------------------------------------------------------------------


def test_delete_removes_unsent_content(api, alice):
    content = scheduled(alice)
    answer = api.delete(f"/api/v1/content/{content.pk}/")
    assert answer.status_code == 204
    assert not Content.objects.filter(pk=content.pk).exists()


def test_delete_of_sent_content_is_a_409_and_keeps_it(api, alice):
    content = scheduled(alice, platforms=("twitter", "discord"))
    twitter = content.publications.get(platform="twitter")
    move(twitter, Status.QUEUED, Status.PUBLISHING, Status.PUBLISHED)
    answer = api.delete(f"/api/v1/content/{content.pk}/")
    assert answer.status_code == 409
    assert answer.json()["code"] == "locked"
    assert "stays as the record of what went out" in answer.json()["message"]
    assert Content.objects.filter(pk=content.pk).exists()


# --- actions -----------------------------------------------------------------------------


def test_cancel_cancels_what_has_not_started(api, alice):
    content = scheduled(alice, platforms=("twitter", "discord"))
    twitter = content.publications.get(platform="twitter")
    move(twitter, Status.QUEUED, Status.PUBLISHING, Status.PUBLISHED)
    answer = api.post(f"/api/v1/content/{content.pk}/cancel/")
    assert answer.status_code == 200
    body = answer.json()
    discord = content.publications.get(platform="discord")
    assert body["message"] == "1 canceled, 1 skipped: already published"
    assert body["done"] == [discord.pk]
    assert body["skipped"] == [{"publication": twitter.pk, "reason": "already published"}]
    assert body["content"]["status"] == "PUBLISHED"
    assert discord.status == Status.CANCELED


def test_publish_now_makes_scheduled_targets_due(api, alice):
    content = scheduled(alice)
    answer = api.post(f"/api/v1/content/{content.pk}/publish-now/")
    assert answer.status_code == 200
    assert answer.json()["message"] == "1 moved to now"
    publication = content.publications.get()
    assert publication.next_attempt_at <= timezone.now()
    assert publication.status == Status.SCHEDULED


def test_retry_requeues_failed_targets(api, alice):
    content = scheduled(alice, platforms=("twitter", "discord"))
    twitter = content.publications.get(platform="twitter")
    move(twitter, Status.QUEUED, Status.PUBLISHING, Status.FAILED)
    discord = content.publications.get(platform="discord")
    move(discord, Status.QUEUED, Status.PUBLISHING, Status.PUBLISHED)
    answer = api.post(f"/api/v1/content/{content.pk}/retry/")
    assert answer.status_code == 200
    assert answer.json()["message"] == "1 retried, 1 skipped: already published"
    assert content.publications.get(platform="twitter").status == Status.QUEUED
