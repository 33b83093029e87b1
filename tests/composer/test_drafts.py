"""Drafts through the composer: save without a time or accounts, reopen, schedule, duplicate."""

import datetime as dt

import pytest

from content.choices import ContentStatus, Status
from content.models import Content
from publishing.drafts import save_draft
from publishing.models import Publication
from publishing.services import Target, schedule_content
from tests.composer.conftest import account_value, files_in
from tests.media_files import JPEG, MP4, PNG, upload
from tests.operators import messages_of

pytestmark = pytest.mark.django_db


def test_a_draft_needs_no_time_and_no_account(writer, composer_user):
    response = writer.post("/admin/compose/", {"body": "Half an idea", "action": "draft"})
    draft = Content.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/compose/{draft.pk}/"
    assert (draft.status, draft.scheduled_for, draft.draft_targets) == (
        ContentStatus.DRAFT,
        None,
        [],
    )
    assert draft.owner == composer_user
    assert Publication.objects.count() == 0
    page = writer.get(response["Location"])
    assert f"Draft #{draft.pk} saved." in messages_of(page)


def test_a_draft_reopens_with_everything_it_holds(writer, composer_user, accounts, media_folder):
    writer.post(
        "/admin/compose/",
        {
            "body": "Trailer soon",
            "title": "Trailer",
            "accounts": [account_value(accounts["youtube"]), account_value(accounts["twitter"])],
            "o__twitter__thread": ["More to come"],
            "o__youtube__privacy": "unlisted",
            "scheduled_for": "2031-05-01T18:00",
            "action": "draft",
            "media_files": [upload("clip.mp4", MP4, "video/mp4")],
        },
    )
    draft = Content.objects.get()
    assert draft.scheduled_for == dt.datetime(2031, 5, 1, 18, tzinfo=dt.UTC)
    assert draft.options == {
        "twitter": {"thread": ["More to come"]},
        "youtube": {"privacy": "unlisted"},
    }
    page = writer.get(f"/admin/compose/{draft.pk}/").content.decode()
    assert f"Edit draft #{draft.pk}" in page
    assert "Trailer soon" in page and 'value="Trailer"' in page
    assert 'value="2031-05-01T18:00"' in page
    assert f'value="{account_value(accounts["youtube"])}"' in page
    youtube_box = page.split(f'value="{account_value(accounts["youtube"])}"')[1].split(">")[0]
    assert "checked" in youtube_box
    discord_box = page.split(f'value="{account_value(accounts["discord"])}"')[1].split(">")[0]
    assert "checked" not in discord_box
    assert ">More to come</textarea>" in page
    assert '<option value="unlisted" selected>' in page
    media = draft.media.get()
    assert f'data-token="s{media.pk}"' in page and 'data-kind="video"' in page
    assert len(files_in(media_folder)) == 1


def test_a_drafts_media_are_reordered_removed_and_added(
    writer, composer_user, media_folder, django_capture_on_commit_callbacks
):
    draft = save_draft(
        owner=composer_user,
        body="Gallery",
        media=[],
    )
    writer.post(
        f"/admin/compose/{draft.pk}/",
        {
            "body": "Gallery",
            "action": "draft",
            "media_files": [
                upload("a.png", PNG, "image/png"),
                upload("b.jpg", JPEG, "image/jpeg"),
                upload("c.png", PNG, "image/png"),
            ],
        },
    )
    a, b, c = draft.media.order_by("position")
    # b goes first, a is removed, a new file d comes last.
    with django_capture_on_commit_callbacks(execute=True):
        writer.post(
            f"/admin/compose/{draft.pk}/",
            {
                "body": "Gallery, edited",
                "action": "draft",
                "media_order": f"s{b.pk},s{c.pk},n0",
                "media_files": [upload("d.jpg", JPEG, "image/jpeg")],
            },
        )
    draft.refresh_from_db()
    rows = list(draft.media.order_by("position"))
    assert [r.pk for r in rows[:2]] == [b.pk, c.pk]
    assert "d-" in rows[2].file.name and len(rows) == 3
    assert draft.body == "Gallery, edited"
    assert not (media_folder / a.file.name).exists()
    assert len(files_in(media_folder)) == 3


def test_schedule_a_draft_with_the_checks_of_a_new_post(writer, composer_user, accounts):
    draft = save_draft(owner=composer_user, body="x" * 300)
    refused = writer.post(
        f"/admin/compose/{draft.pk}/",
        {
            "body": "x" * 300,
            "accounts": [account_value(accounts["twitter"])],
            "scheduled_for": "2031-05-01T18:00",
            "action": "schedule",
        },
    )
    assert refused.status_code == 200
    assert "X: the text is 300 weighted characters; the limit is 280." in refused.content.decode()
    draft.refresh_from_db()
    # Refused, the draft is as it was: no time, no accounts, no publications.
    assert (draft.status, draft.scheduled_for, draft.draft_targets) == (
        ContentStatus.DRAFT,
        None,
        [],
    )
    assert Publication.objects.count() == 0

    response = writer.post(
        f"/admin/compose/{draft.pk}/",
        {
            "body": "Fits now",
            "accounts": [account_value(accounts["twitter"])],
            "scheduled_for": "2031-05-01T18:00",
            "action": "schedule",
        },
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Status.SCHEDULED
    assert draft.body == "Fits now"
    assert draft.scheduled_for == dt.datetime(2031, 5, 1, 18, tzinfo=dt.UTC)
    publication = Publication.objects.get()
    assert (publication.platform, publication.integration) == ("twitter", accounts["twitter"])
    # Scheduled, it is edited as scheduled content from now on.
    page = writer.get(f"/admin/compose/{draft.pk}/").content.decode()
    assert "Edit scheduled post" in page


def test_a_refused_drafts_new_files_are_not_left_behind(
    writer, composer_user, accounts, media_folder
):
    draft = save_draft(owner=composer_user, body="Clip")
    response = writer.post(
        f"/admin/compose/{draft.pk}/",
        {
            "body": "Clip",
            "accounts": [account_value(accounts["youtube"])],
            "scheduled_for": "2031-05-01T18:00",
            "action": "schedule",
            "media_files": [upload("clip.mp4", MP4, "video/mp4")],
        },
    )
    assert "YouTube: the video needs a title." in response.content.decode()
    assert draft.media.count() == 0
    assert files_in(media_folder) == []


def test_publish_a_draft_now(writer, composer_user, accounts):
    draft = save_draft(
        owner=composer_user, body="Now", targets=[Target("discord", accounts["discord"])]
    )
    writer.post(
        f"/admin/compose/{draft.pk}/",
        {"body": "Now", "accounts": [account_value(accounts["discord"])], "action": "now"},
    )
    assert Publication.objects.get().by_hand is True


def test_duplicate_a_post_as_a_draft_from_the_content_list(client, composer_user, accounts):
    original = schedule_content(
        owner=composer_user,
        body="Again please",
        options={"twitter": {"thread": ["and again"]}},
        targets=[Target("twitter", accounts["twitter"])],
        scheduled_for=dt.datetime(2031, 1, 1, 12, tzinfo=dt.UTC),
    )
    client.force_login(composer_user)
    response = client.post(
        "/admin/content/content/",
        {"action": "duplicate_selected", "_selected_action": [original.pk]},
        follow=True,
    )
    copy = Content.objects.exclude(pk=original.pk).get()
    assert messages_of(response) == [f"1 duplicated as drafts: #{copy.pk}."]
    assert (copy.status, copy.body, copy.options) == (
        ContentStatus.DRAFT,
        "Again please",
        {"twitter": {"thread": ["and again"]}},
    )
    page = client.get(f"/admin/compose/{copy.pk}/").content.decode()
    assert "Again please" in page
    box = page.split(f'value="{account_value(accounts["twitter"])}"')[1].split(">")[0]
    assert "checked" in box


def test_discords_channel_shows_the_accounts_own_as_placeholder(writer, accounts):
    page = writer.get("/admin/compose/").content.decode()
    field = page.split('id="id_o__discord__channel_id"')[0].rsplit("<input", 1)[1]
    assert 'placeholder="1100000000000000077 (the account&#x27;s own)"' in field
