"""The notices and preferences in the admin: each page asks for its own permission."""

import pytest

from notifications import services
from notifications.models import NotificationPreferences
from tests.factories import UserFactory
from tests.notifications.conftest import TOKEN, a_post, fail
from tests.operators import grant

pytestmark = pytest.mark.django_db

NOTICES = "/admin/notifications/notice/"
PREFERENCES = "/admin/notifications/notificationpreferences/"


@pytest.fixture
def a_notice(alice, x_account):
    fail(a_post(alice, x_account), reason=f"X refused it (sent with {TOKEN})")
    return alice.notices.get()


@pytest.fixture
def alices_preferences(alice):
    return services.update_preferences(alice, daily_digest=True)


@pytest.fixture
def view_only(client):
    user = UserFactory(username="viewer", is_staff=True)
    for codename in ("view_notice", "view_notificationpreferences"):
        grant(user, codename)
    client.force_login(user)
    return user


@pytest.fixture
def bare_staff(client):
    user = UserFactory(username="bare", is_staff=True)
    client.force_login(user)
    return user


def pages(notice, preferences) -> list[str]:
    return [
        NOTICES,
        f"{NOTICES}{notice.pk}/change/",
        PREFERENCES,
        f"{PREFERENCES}{preferences.pk}/change/",
    ]


def test_anonymous_is_sent_to_the_login_page(client, a_notice, alices_preferences):
    for url in [*pages(a_notice, alices_preferences), f"{PREFERENCES}add/"]:
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], url


def test_staff_without_permissions_gets_403(client, bare_staff, a_notice, alices_preferences):
    for url in [*pages(a_notice, alices_preferences), f"{PREFERENCES}add/"]:
        assert client.get(url).status_code == 403, url
    response = client.post(
        f"{PREFERENCES}{alices_preferences.pk}/change/", {"user": alices_preferences.user_id}
    )
    assert response.status_code == 403
    assert NotificationPreferences.objects.get().daily_digest is True


def test_view_only_staff_reads_but_changes_nothing(client, view_only, a_notice, alices_preferences):
    for url in pages(a_notice, alices_preferences):
        response = client.get(url)
        assert response.status_code == 200, url
        assert TOKEN not in response.content.decode(), url
    listing = client.get(NOTICES).content.decode()
    assert "Launch day" in listing and "A post failed" in listing
    assert client.get(f"{PREFERENCES}add/").status_code == 403
    response = client.post(
        f"{PREFERENCES}{alices_preferences.pk}/change/",
        {"user": alices_preferences.user_id, "daily_digest": ""},
    )
    assert response.status_code == 403
    assert NotificationPreferences.objects.get().daily_digest is True
    # Notices are a record: not even a superuser edits one.
    assert client.post(f"{NOTICES}{a_notice.pk}/change/", {}).status_code == 403
    assert client.post(f"{NOTICES}{a_notice.pk}/delete/", {"post": "yes"}).status_code == 403


def test_staff_with_the_change_permission_turns_a_users_kind_off(
    client, view_only, alices_preferences, alice
):
    grant(view_only, "change_notificationpreferences")
    response = client.post(
        f"{PREFERENCES}{alices_preferences.pk}/change/",
        {"user": alice.pk, "publication_in_doubt": "on", "daily_digest": "on"},
    )
    assert response.status_code == 302
    saved = NotificationPreferences.objects.get()
    assert saved.publication_failed is False and saved.publication_in_doubt is True
