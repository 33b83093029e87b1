"""Who may open the composer and its endpoints: operators allowed to add (and change) content."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission

from content.models import Content, ContentMedia
from publishing.drafts import save_draft
from publishing.services import Target, schedule_content
from tests.composer.conftest import account_value
from tests.factories import IntegrationFactory, UserFactory
from tests.media_files import PNG, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheduled(composer_user):
    account = IntegrationFactory(user=composer_user, provider="discord")
    return schedule_content(
        owner=composer_user,
        body="Scheduled",
        targets=[Target("discord", account)],
        scheduled_for=dt.datetime(2031, 1, 1, 12, tzinfo=dt.UTC),
        media=[
            ContentMedia(
                file=upload("a.png", PNG, "image/png"),
                kind="image",
                mime_type="image/png",
                size_bytes=1024,
            )
        ],
    )


def pages(content) -> list[tuple[str, str, dict | None]]:
    return [
        ("get", "/admin/compose/", None),
        ("post", "/admin/compose/", {"body": "x", "action": "draft"}),
        ("post", "/admin/compose/check/", {"body": "x", "media": "[]"}),
        ("get", f"/admin/compose/{content.pk}/", None),
        ("post", f"/admin/compose/{content.pk}/", {"body": "x", "action": "schedule"}),
        ("get", f"/admin/compose/media/{content.media.get().pk}/", None),
    ]


def view_only_staff():
    user = UserFactory(is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__startswith="view_"))
    return user


@pytest.mark.parametrize("kind", ["anonymous", "bare_staff", "view_only", "add_only"])
def test_the_composer_refuses_who_may_not_write(client, scheduled, kind):
    if kind == "bare_staff":
        client.force_login(UserFactory(is_staff=True))
    elif kind == "view_only":
        client.force_login(view_only_staff())
    elif kind == "add_only":
        user = UserFactory(is_staff=True)
        user.user_permissions.add(Permission.objects.get(codename="add_content"))
        client.force_login(user)
    before = Content.objects.count()
    media_pk = scheduled.media.get().pk
    for method, url, data in pages(scheduled):
        new_post = url == "/admin/compose/" or url.endswith(("/check/", f"/{media_pk}/"))
        if kind == "add_only" and new_post:
            continue  # adding is what this one may do (and seeing their own files)
        response = getattr(client, method)(url, data or {})
        if kind == "anonymous":
            assert response.status_code == 302, url
            assert response["Location"].startswith("/admin/login/"), url
        else:
            assert response.status_code == 403, (kind, method, url)
    assert Content.objects.count() == before
    assert Content.objects.get(pk=scheduled.pk).body == "Scheduled"


def test_the_check_refuses_a_get(writer):
    assert writer.get("/admin/compose/check/").status_code == 405


def test_another_owners_draft_is_not_opened(writer, composer_user):
    someone = UserFactory()
    theirs = save_draft(
        owner=someone,
        body="Theirs",
        media=[
            ContentMedia(
                file=upload("a.png", PNG, "image/png"),
                kind="image",
                mime_type="image/png",
                size_bytes=1024,
            )
        ],
    )
    assert writer.get(f"/admin/compose/{theirs.pk}/").status_code == 404
    assert writer.post(f"/admin/compose/{theirs.pk}/", {"body": "Mine now"}).status_code == 404
    assert writer.get(f"/admin/compose/media/{theirs.media.get().pk}/").status_code == 404
    check = writer.post("/admin/compose/check/", {"content": theirs.pk, "media": "[]"})
    assert check.status_code == 404
    assert Content.objects.get(pk=theirs.pk).body == "Theirs"
    writer.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = writer.get(f"/admin/content/content/{theirs.pk}/change/").content.decode()
    assert "Edit in composer" not in page


def test_another_owners_scheduled_post_is_edited_with_its_own_accounts(writer, composer_user):
    someone = UserFactory()
    account = IntegrationFactory(user=someone, provider="discord", display_name="#theirs")
    theirs = schedule_content(
        owner=someone,
        body="Theirs",
        targets=[Target("discord", account)],
        scheduled_for=dt.datetime(2031, 1, 1, 12, tzinfo=dt.UTC),
    )
    page = writer.get(f"/admin/compose/{theirs.pk}/").content.decode()
    assert "#theirs" in page and "Save changes" in page
    check = writer.post(
        "/admin/compose/check/",
        {"content": theirs.pk, "accounts": [account_value(account)], "body": "d" * 2001},
    ).json()
    assert check["platforms"][0]["problems"] == [
        "Discord: the message is 2001 characters; the limit is 2000."
    ]
    response = writer.post(
        f"/admin/compose/{theirs.pk}/",
        {"body": "Fixed typo", "scheduled_for": "2031-01-01T12:00", "action": "schedule"},
    )
    assert response.status_code == 302
    theirs.refresh_from_db()
    assert (theirs.body, theirs.owner) == ("Fixed typo", someone)
    page = writer.get(f"/admin/content/content/{theirs.pk}/change/").content.decode()
    assert "Edit in composer" in page


def test_the_live_check_of_an_edit_needs_the_change_permission(client, composer_user, accounts):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="add_content"))
    client.force_login(user)
    mine = schedule_content(
        owner=composer_user,
        body="Scheduled",
        targets=[Target("discord", accounts["discord"])],
        scheduled_for=dt.datetime(2031, 1, 1, 12, tzinfo=dt.UTC),
    )
    assert client.post("/admin/compose/check/", {"content": mine.pk}).status_code == 403
    assert client.post("/admin/compose/check/", {"content": "x"}).status_code == 403
    composer_client = client
    composer_client.force_login(composer_user)
    assert composer_client.post("/admin/compose/check/", {"content": "x"}).status_code == 400


def test_the_owner_sees_their_own_files_typed_and_not_sniffed(writer, composer_user, accounts):
    content = schedule_content(
        owner=composer_user,
        body="With a picture",
        targets=[Target("discord", accounts["discord"])],
        scheduled_for=dt.datetime(2031, 1, 1, 12, tzinfo=dt.UTC),
        media=[
            ContentMedia(
                file=upload("a.png", PNG, "image/png"),
                kind="image",
                mime_type="image/png",
                size_bytes=1024,
            )
        ],
    )
    media = content.media.get()
    response = writer.get(f"/admin/compose/media/{media.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(PNG)
    page = writer.get(f"/admin/compose/{content.pk}/").content.decode()
    assert f'data-url="/admin/compose/media/{media.pk}/"' in page
    assert account_value(accounts["discord"]) in page
