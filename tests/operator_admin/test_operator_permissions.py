"""Staff status opens the admin, nothing more: each page and action asks for its own permission."""

import pytest
import responses
from django.urls import reverse
from django.utils import timezone
from django_q.models import Failure, OrmQ
from waffle.models import Switch

from flags.models import SwitchFlip
from integrations.models import Integration, OAuthState
from publishing.services import Target, schedule_content
from tests.factories import UserFactory
from tests.operators import grant, messages_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def bare_staff(client):
    """A staff member given no permission at all."""
    user = UserFactory(username="bare", is_staff=True)
    client.force_login(user)
    return user


@pytest.fixture
def no_platform_calls():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def test_the_dashboard_needs_the_publication_and_content_view_permissions(client, bare_staff):
    schedule_content(
        owner=UserFactory(username="alice"),
        title="Quarterly results",
        body="Secret until Monday",
        targets=[Target("twitter")],
        scheduled_for=timezone.now() + timezone.timedelta(hours=1),
    )
    response = client.get("/admin/dashboard/")
    assert response.status_code == 403
    assert b"Quarterly results" not in response.content and b"alice" not in response.content
    grant(bare_staff, "view_publication")
    assert client.get("/admin/dashboard/").status_code == 403  # the titles are content
    grant(bare_staff, "view_content")
    assert b"Quarterly results" in client.get("/admin/dashboard/").content


def test_the_switches_panel_needs_a_permission_to_look(client, bare_staff):
    response = client.get("/admin/switches/")
    assert response.status_code == 403
    assert (
        client.post("/admin/switches/", {"name": "automation_enabled", "active": "off"}).status_code
        == 403
    )
    grant(bare_staff, "view_switchflip")
    assert client.get("/admin/switches/").status_code == 200
    assert (
        client.post("/admin/switches/", {"name": "automation_enabled", "active": "off"}).status_code
        == 403
    )
    assert Switch.objects.get(name="automation_enabled").active and not SwitchFlip.objects.exists()


def test_the_index_links_only_the_pages_the_operator_may_open(client, bare_staff):
    html = client.get("/admin/").content.decode()
    assert "herald-operator-links" not in html
    grant(bare_staff, "view_switchflip")
    html = client.get("/admin/").content.decode()
    assert 'href="/admin/switches/"' in html and 'href="/admin/dashboard/"' not in html


def test_connecting_an_account_needs_the_manage_permission(client, bare_staff, no_platform_calls):
    """The finding: a staff member with no permission connected a Discord bot."""
    assert client.get(reverse("integrations:connect")).status_code == 403
    assert client.get(reverse("integrations:discord-bot")).status_code == 403
    bot = client.post(
        reverse("integrations:discord-bot"),
        {"bot_token": "bot-token-0123456789", "channel_id": "345"},
    )
    assert bot.status_code == 403
    start = client.post(reverse("integrations:connect-start", args=["twitter"]))
    assert start.status_code == 403
    assert not Integration.objects.exists() and not OAuthState.objects.exists()
    grant(bare_staff, "view_integration")
    html = client.get("/admin/integrations/integration/").content.decode()
    assert reverse("integrations:connect") not in html  # no link to a page it may not open
    assert client.get(reverse("integrations:connect")).status_code == 403
    grant(bare_staff, "manage_integration")
    assert client.get(reverse("integrations:connect")).status_code == 200


def test_resubmitting_a_django_q_task_needs_the_change_permission(
    client, bare_staff, tasks_queued_in_the_database
):
    failure = Failure.objects.create(
        id="a" * 32,
        name="failed-once",
        func="publishing.tasks.tick",
        started=timezone.now(),
        stopped=timezone.now(),
        success=False,
    )
    resubmit = {"action": "resubmit_task", "_selected_action": [failure.pk]}
    grant(bare_staff, "view_failure")
    assert client.post("/admin/django_q/failure/", resubmit).status_code == 200
    assert Failure.objects.filter(pk=failure.pk).exists() and not OrmQ.objects.exists()
    grant(bare_staff, "change_failure")
    client.post("/admin/django_q/failure/", resubmit)
    assert not Failure.objects.filter(pk=failure.pk).exists()
    assert OrmQ.objects.get().task["func"] == "publishing.tasks.tick"


def test_waffle_admin_flips_publishing_switches_only_through_the_recorded_flip(client, bare_staff):
    grant(bare_staff, "view_switch")
    grant(bare_staff, "change_switch")
    grant(bare_staff, "delete_switch")
    switch = Switch.objects.get(name="automation_enabled")
    url = f"/admin/waffle/switch/{switch.pk}/change/"
    assert client.post(url, {"name": "automation_enabled", "note": ""}).status_code == 403
    response = client.post(
        "/admin/waffle/switch/",
        {"action": "disable_selected", "_selected_action": [switch.pk]},
        follow=True,
    )
    assert messages_of(response) == [
        "Skipped automation_enabled: Only superusers or users allowed to flip switches may do that."
    ]
    client.post(
        "/admin/waffle/switch/",
        {"action": "delete_selected_switches", "_selected_action": [switch.pk]},
    )
    assert Switch.objects.get(name="automation_enabled").active
    grant(bare_staff, "flip_switch")
    client.post(
        "/admin/waffle/switch/",
        {"action": "disable_selected", "_selected_action": [switch.pk]},
    )
    assert not Switch.objects.get(name="automation_enabled").active
    assert SwitchFlip.objects.get().username == "bare"


def test_other_switches_still_flip_in_the_waffle_admin(client, bare_staff):
    grant(bare_staff, "view_switch")
    grant(bare_staff, "change_switch")
    other = Switch.objects.create(name="new_composer", active=False)
    client.post(
        "/admin/waffle/switch/", {"action": "enable_selected", "_selected_action": [other.pk]}
    )
    assert Switch.objects.get(pk=other.pk).active and not SwitchFlip.objects.exists()
    grant(bare_staff, "add_switch")
    page = client.post("/admin/waffle/switch/add/", {"name": "publishing_twitter", "note": ""})
    assert "is a publishing switch: flip it on the switches panel" in page.content.decode()


def test_only_a_superuser_grants_rights_or_touches_a_superuser(client, operator):
    """Changing users is not a way to become a superuser."""
    manager = UserFactory(username="manager", is_staff=True)
    for codename in ("view_user", "change_user", "delete_user"):
        grant(manager, codename)
    client.force_login(manager)
    html = client.get(f"/admin/accounts/user/{manager.pk}/change/").content.decode()
    assert 'name="is_superuser"' not in html and 'name="user_permissions"' not in html
    assert 'name="is_staff"' in html
    assert client.get(f"/admin/accounts/user/{operator.pk}/password/").status_code == 403
    assert (
        client.post(f"/admin/accounts/user/{operator.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert type(manager).objects.get(pk=operator.pk).is_superuser


def test_the_connect_by_hand_page_needs_the_manage_permission(client, no_platform_calls):
    """Bluesky's app password page: anonymous -> login, bare staff and view-only staff -> 403."""
    page = reverse("integrations:connect-by-hand", args=["bluesky"])
    typed = {"identifier": "alice.bsky.social", "app_password": "abcd-efgh-ijkl-mnop"}
    anonymous = client.get(page)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert client.post(page, typed).status_code == 302
    staff = UserFactory(username="bare-hand", is_staff=True)
    client.force_login(staff)
    assert client.get(page).status_code == 403
    assert client.post(page, typed).status_code == 403
    grant(staff, "view_integration")
    assert client.get(page).status_code == 403
    assert client.post(page, typed).status_code == 403
    assert not Integration.objects.exists()
