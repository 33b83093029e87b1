"""Saving from the composer: the scheduling services decide, refusals are shown, nothing is left."""

import datetime as dt

import pytest
from django.utils import timezone

from content.choices import Status
from content.models import Content
from entitlements.models import Plan
from entitlements.services import set_plan
from publishing.models import Publication
from publishing.services import Target, schedule_content
from tests.composer.conftest import account_value, files_in
from tests.media_files import JPEG, MP4, PNG, upload
from tests.operators import messages_of

pytestmark = pytest.mark.django_db

LATER = "2031-03-04T09:30"


def compose(client, data, files=None, url="/admin/compose/"):
    return client.post(url, {**data, **(files or {})})


def test_schedule_a_thread_to_x_and_discord_with_media_in_the_pages_order(
    writer, composer_user, accounts, media_folder
):
    response = compose(
        writer,
        {
            "body": "Launch day",
            "accounts": [account_value(accounts["twitter"]), account_value(accounts["discord"])],
            "o__twitter__thread": ["Part two", "", "Part three"],
            "scheduled_for": LATER,
            "action": "schedule",
            # The page put the second file first.
            "media_order": "n1,n0",
        },
        {
            "media_files": [
                upload("one.png", PNG, "image/png"),
                upload("two.jpg", JPEG, "image/jpeg"),
            ]
        },
    )
    content = Content.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/content/content/{content.pk}/change/"
    assert content.owner == composer_user
    assert content.body == "Launch day"
    assert content.options == {"twitter": {"thread": ["Part two", "Part three"]}}
    assert content.scheduled_for == dt.datetime(2031, 3, 4, 9, 30, tzinfo=dt.UTC)
    assert sorted(content.publications.values_list("platform", "integration_id", "status")) == [
        ("discord", accounts["discord"].pk, Status.SCHEDULED),
        ("twitter", accounts["twitter"].pk, Status.SCHEDULED),
    ]
    media = list(content.media.order_by("position"))
    assert [(m.mime_type, m.position) for m in media] == [("image/jpeg", 0), ("image/png", 1)]
    assert media[0].file.name.startswith("content/") and "two-" in media[0].file.name
    assert len(files_in(media_folder)) == 2


def test_the_time_is_read_in_the_operators_time_zone(writer, composer_user, accounts):
    composer_user.timezone = "Europe/Paris"
    composer_user.save()
    page = writer.get("/admin/compose/").content.decode()
    assert "Time (Europe/Paris)" in page
    compose(
        writer,
        {
            "body": "Bonjour",
            "accounts": [account_value(accounts["discord"])],
            "scheduled_for": "2031-06-01T10:00",
            "action": "schedule",
        },
    )
    assert Content.objects.get().scheduled_for == dt.datetime(2031, 6, 1, 8, 0, tzinfo=dt.UTC)


def test_the_calendars_time_fills_in_the_form(writer, composer_user):
    composer_user.timezone = "Europe/Paris"
    composer_user.save()
    page = writer.get("/admin/compose/?at=2031-06-01T08:00:00Z").content.decode()
    assert 'value="2031-06-01T10:00"' in page
    # The calendar's slots send the operator's wall clock, without an offset.
    wall_clock = writer.get("/admin/compose/?at=2031-06-01T09:30").content.decode()
    assert 'value="2031-06-01T09:30"' in wall_clock
    # A time that is not one is left out, not a failure.
    assert writer.get("/admin/compose/?at=tomorrow-ish").status_code == 200


def test_publish_now_sends_by_hand(writer, composer_user, accounts):
    before = timezone.now()
    compose(
        writer,
        {"body": "Now", "accounts": [account_value(accounts["discord"])], "action": "now"},
    )
    publication = Publication.objects.get()
    assert publication.by_hand is True
    assert before <= publication.content.scheduled_for <= timezone.now()


def test_a_post_a_platform_refuses_is_not_saved_and_says_why(writer, accounts, media_folder):
    response = compose(
        writer,
        {
            "body": "x" * 281,
            "accounts": [account_value(accounts["twitter"]), account_value(accounts["youtube"])],
            "scheduled_for": LATER,
            "action": "schedule",
        },
        {"media_files": [upload("clip.mp4", MP4, "video/mp4")]},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was saved." in page
    assert "X: the text is 281 weighted characters; the limit is 280." in page
    assert "YouTube: the video needs a title." in page
    # Each platform's problems sit with its preview, too.
    x_problems = page.split('data-problems-for="twitter">')[1].split("</ul>")[0]
    assert "the limit is 280" in x_problems and "YouTube" not in x_problems
    assert Content.objects.count() == 0 and Publication.objects.count() == 0
    assert files_in(media_folder) == []
    assert "The files you added are not kept after a refusal: add them again." in page


def test_fixed_it_is_saved(writer, accounts):
    compose(
        writer,
        {
            "body": "x" * 280,
            "title": "Trailer",
            "accounts": [account_value(accounts["twitter"]), account_value(accounts["youtube"])],
            "o__youtube__privacy": "unlisted",
            "o__youtube__tags": ["herald", "launch"],
            "o__youtube__made_for_kids": "",
            "scheduled_for": LATER,
            "action": "schedule",
        },
        {"media_files": [upload("clip.mp4", MP4, "video/mp4")]},
    )
    content = Content.objects.get()
    assert content.options == {"youtube": {"tags": ["herald", "launch"], "privacy": "unlisted"}}
    assert content.publications.count() == 2


def test_the_plans_refusal_is_shown_and_nothing_is_written(writer, composer_user, accounts):
    set_plan(composer_user, Plan.objects.create(name="Tiny", posts_per_month=0))
    response = compose(
        writer,
        {
            "body": "Over the plan",
            "accounts": [account_value(accounts["discord"])],
            "scheduled_for": LATER,
            "action": "schedule",
        },
    )
    assert response.status_code == 200
    assert "Tiny" in response.content.decode()
    assert "posts" in response.content.decode()
    assert Content.objects.count() == 0


def test_scheduling_needs_a_time_and_an_account(writer, accounts):
    no_time = compose(
        writer,
        {"body": "When?", "accounts": [account_value(accounts["discord"])], "action": "schedule"},
    )
    assert "Give the time to publish at, or publish now." in no_time.content.decode()
    nowhere = compose(writer, {"body": "Where?", "scheduled_for": LATER, "action": "schedule"})
    assert "Choose at least one platform to publish to." in nowhere.content.decode()
    assert Content.objects.count() == 0


def test_only_the_operators_own_active_accounts_are_offered(writer, composer_user, accounts):
    from integrations.models import Integration
    from tests.factories import IntegrationFactory

    paused = IntegrationFactory(
        user=composer_user,
        provider="twitter",
        display_name="@paused",
        status=Integration.Status.PAUSED,
    )
    someone_elses = IntegrationFactory(provider="twitter", display_name="@not_mine")
    page = writer.get("/admin/compose/").content.decode()
    assert "@herald" in page and "#news" in page and "Herald TV" in page
    assert "@paused" not in page and "@not_mine" not in page
    # Sent anyway, another's account is not a target.
    compose(
        writer,
        {
            "body": "Sneaky",
            "accounts": [account_value(someone_elses), account_value(paused)],
            "scheduled_for": LATER,
            "action": "schedule",
        },
    )
    assert Content.objects.count() == 0


def test_legacy_tokens_are_offered_where_no_account_is_connected(writer, composer_user):
    composer_user.discord_webhook_url = "https://discord.com/api/webhooks/1/secret-part"
    composer_user.save()
    page = writer.get("/admin/compose/").content.decode()
    assert 'value="legacy:discord"' in page
    assert "secret-part" not in page
    compose(
        writer,
        {
            "body": "Old style",
            "accounts": ["legacy:discord"],
            "scheduled_for": LATER,
            "action": "schedule",
        },
    )
    publication = Publication.objects.get()
    assert (publication.platform, publication.integration) == ("discord", None)


def test_edit_a_scheduled_post_through_edit_content(writer, composer_user, accounts):
    content = schedule_content(
        owner=composer_user,
        body="First words",
        targets=[Target("discord", accounts["discord"])],
        scheduled_for=dt.datetime(2031, 1, 1, 12, tzinfo=dt.UTC),
    )
    page = writer.get(f"/admin/compose/{content.pk}/").content.decode()
    assert "First words" in page and "Save changes" in page
    assert 'value="2031-01-01T12:00"' in page
    response = compose(
        writer,
        {"body": "Better words", "scheduled_for": "2031-01-02T12:00", "action": "schedule"},
        url=f"/admin/compose/{content.pk}/",
    )
    assert response.status_code == 302
    content.refresh_from_db()
    assert (content.body, content.version) == ("Better words", 2)
    assert content.scheduled_for == dt.datetime(2031, 1, 2, 12, tzinfo=dt.UTC)
    # The targets stay: a scheduled post's accounts are its publications.
    assert list(content.publications.values_list("integration_id", flat=True)) == [
        accounts["discord"].pk
    ]


def test_a_post_that_went_out_is_not_opened(writer, composer_user, accounts):
    content = schedule_content(
        owner=composer_user,
        body="Gone",
        targets=[Target("discord", accounts["discord"])],
        scheduled_for=dt.datetime(2031, 1, 1, 12, tzinfo=dt.UTC),
    )
    Publication.objects.filter(content=content).update(status=Status.PUBLISHED)
    response = writer.get(f"/admin/compose/{content.pk}/", follow=True)
    assert response.redirect_chain[-1][0] == f"/admin/content/content/{content.pk}/change/"
    assert any("can no longer be edited" in m for m in messages_of(response))


def test_the_content_page_links_to_the_composer_for_the_operators_own(
    writer, composer_user, accounts
):
    mine = schedule_content(
        owner=composer_user,
        body="Mine",
        targets=[Target("discord", accounts["discord"])],
        scheduled_for=dt.datetime(2031, 1, 1, 12, tzinfo=dt.UTC),
    )
    page = writer.get(f"/admin/content/content/{mine.pk}/change/").content.decode()
    assert f'href="/admin/compose/{mine.pk}/"' in page and "Edit in composer" in page
    index = writer.get("/admin/").content.decode()
    assert 'href="/admin/compose/"' in index and "Compose a post" in index
