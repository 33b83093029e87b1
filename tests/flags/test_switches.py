"""The switches panel: flip with a record, see what each switch holds, only if allowed."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from waffle.models import Switch

from content.choices import Status
from flags.models import SwitchFlip
from flags.services import UnknownSwitch, set_switch
from publishing import engine
from publishing.dashboard import switch_panel
from publishing.models import Publication
from publishing.services import Target, schedule_content
from tests.factories import UserFactory
from tests.operators import grant, messages_of

pytestmark = pytest.mark.django_db
PANEL = "/admin/switches/"


def due_post(platform="twitter"):
    return schedule_content(
        owner=UserFactory(),
        body="Due now",
        targets=[Target(platform)],
        scheduled_for=timezone.now() - dt.timedelta(seconds=5),
    ).publications.get()


def test_set_switch_records_who_flipped_what_and_when(operator):
    flip = set_switch("automation_enabled", False, user=operator, note="incident 42")
    assert not Switch.objects.get(name="automation_enabled").active
    assert (flip.name, flip.active, flip.user, flip.username, flip.note) == (
        "automation_enabled",
        False,
        operator,
        "op",
        "incident 42",
    )
    assert set_switch("automation_enabled", False, user=operator) is None  # already off
    assert SwitchFlip.objects.count() == 1


def test_set_switch_refuses_unknown_names_and_users_without_the_permission(steering_operator):
    with pytest.raises(UnknownSwitch):
        set_switch("everything", False, user=UserFactory(is_superuser=True))
    with pytest.raises(PermissionDenied):
        set_switch("automation_enabled", False, user=steering_operator)
    assert Switch.objects.get(name="automation_enabled").active
    grant(steering_operator, "flip_switch")
    steering_operator = type(steering_operator).objects.get(pk=steering_operator.pk)
    assert set_switch("automation_enabled", False, user=steering_operator) is not None


def test_panel_counts_what_each_switch_holds_now_and_would_hold(operator):
    set_switch("automation_enabled", False, user=operator)
    held = [due_post("twitter"), due_post("twitter")]
    engine.tick(budget_seconds=0, enqueue=[].append)
    assert {p.status for p in Publication.objects.filter(pk__in=[h.pk for h in held])} == {
        Status.QUEUED
    }
    set_switch("automation_enabled", True, user=operator)
    set_switch("publishing_discord", False, user=operator)
    due_post("discord")  # due, not yet seen by a tick
    states = {s.name: s for s in switch_panel(timezone.now())}
    assert (states["automation_enabled"].held, states["automation_enabled"].due) == (2, 0)
    assert (states["publishing_discord"].held, states["publishing_discord"].due) == (0, 1)
    assert states["publishing_twitter"].waiting == 0
    assert not states["publishing_discord"].active and states["automation_enabled"].active


def test_flipping_from_the_panel(staff_client, operator, django_assert_max_num_queries):
    due_post("twitter")
    response = staff_client.post(
        PANEL, {"name": "automation_enabled", "active": "off", "note": "maintenance"}, follow=True
    )
    assert messages_of(response) == [
        "All publishing (automation) is off: due posts wait in QUEUED until it is on."
    ]
    assert not Switch.objects.get(name="automation_enabled").active
    engine.tick(budget_seconds=0, enqueue=[].append)
    with django_assert_max_num_queries(5):
        html = staff_client.get(PANEL).content.decode()
    row = html.split('id="switch-automation_enabled"')[1].split("</tr>")[0]
    assert "OFF" in row and '<span class="herald-warn">1</span>' in row
    assert 'value="Turn on"' in row
    assert "maintenance" in html  # the recent flips
    response = staff_client.post(PANEL, {"name": "automation_enabled", "active": "on"}, follow=True)
    assert messages_of(response) == [
        "All publishing (automation) is on: posts it held go out on the next tick."
    ]
    assert list(SwitchFlip.objects.values_list("active", "username")) == [
        (True, "op"),
        (False, "op"),
    ]


def test_staff_without_the_permission_sees_the_panel_but_cannot_flip(client, steering_operator):
    client.force_login(steering_operator)
    assert client.get(PANEL).status_code == 403  # staff status alone shows nothing
    grant(steering_operator, "view_switchflip")
    html = client.get(PANEL).content.decode()
    assert "You may look but not flip" in html and 'value="Turn off"' not in html
    response = client.post(PANEL, {"name": "automation_enabled", "active": "off"})
    assert response.status_code == 403
    assert Switch.objects.get(name="automation_enabled").active
    assert not SwitchFlip.objects.exists()


def test_flips_are_listed_read_only(staff_client, operator):
    set_switch("publishing_discord", False, user=operator, note="Discord outage")
    html = staff_client.get("/admin/flags/switchflip/").content.decode()
    assert "Discord outage" in html and "publishing_discord" in html
    assert staff_client.get("/admin/flags/switchflip/add/").status_code == 403
