"""An operator runs publishing from the admin, in a real browser."""

import datetime as dt
import time

import pytest
from django.utils import timezone

from content.choices import Status
from content.models import Content
from flags.services import set_switch
from publishing import engine
from publishing.models import Publication
from publishing.services import Target, schedule_content
from publishing.states import transition
from sandbox.models import SandboxPost
from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.django_db(transaction=True)


def drain():
    """Run the engine as the cluster would: tick, then publish what it handed out."""
    for _ in range(10):
        handed: list[int] = []
        engine.tick(budget_seconds=0, enqueue=handed.append)
        if not handed:
            return
        for pk in handed:
            engine.publish_one(pk)


def run_action(page, name: str, pks: list[int]) -> None:
    for pk in pks:
        page.check(f"input[name=_selected_action][value='{pk}']")
    page.select_option("select[name=action]", name)
    page.click("button[name=index]")


def test_login_shows_the_operator_links(page):
    assert page.locator("#herald-operator-links").inner_text().count("Publishing") >= 2
    page.click("text=Publishing dashboard")
    page.wait_for_selector("#herald-states")
    assert "scheduler health" in page.inner_text("#herald-health").lower()


def test_schedule_a_post_from_the_admin_and_see_it_published(page, sandbox, accounts):
    page.goto(f"{sandbox.url}/admin/content/content/add/")
    # The owner is an autocomplete field: type and pick.
    page.click("#content_form .select2-selection")
    page.fill(".select2-search__field", "operator")
    page.click(".select2-results__option >> text=operator")
    page.fill("textarea[name=body]", "Hello from a real browser")
    when = timezone.now() - dt.timedelta(seconds=1)
    page.fill("#id_scheduled_for_0", when.strftime("%Y-%m-%d"))
    page.fill("#id_scheduled_for_1", when.strftime("%H:%M:%S"))
    page.check("input[name=platforms][value=twitter]")
    page.check("input[name=platforms][value=discord]")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist")
    content = Content.objects.get(body="Hello from a real browser")
    assert content.status == Status.SCHEDULED

    drain()
    page.goto(f"{sandbox.url}/admin/content/content/{content.pk}/change/")
    badges = page.locator("#publications-group .herald-badge")
    assert badges.all_inner_texts() == ["Published", "Published"]
    assert SandboxPost.objects.filter(text="Hello from a real browser").count() == 2
    # The content list says so too.
    page.goto(f"{sandbox.url}/admin/content/content/")
    row = page.locator("#result_list tbody tr", has_text="Hello from a real browser")
    assert row.locator(".herald-badge").inner_text() == "Published"


def test_schedule_an_instagram_photo_from_the_add_form(page, sandbox, accounts, tmp_path):
    photo = tmp_path / "sunset.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 4096)
    page.goto(f"{sandbox.url}/admin/content/content/add/")
    page.click("#content_form .select2-selection")
    page.fill(".select2-search__field", "operator")
    page.click(".select2-results__option >> text=operator")
    page.fill("textarea[name=body]", "Golden hour #herald")
    when = timezone.now() - dt.timedelta(seconds=1)
    page.fill("#id_scheduled_for_0", when.strftime("%Y-%m-%d"))
    page.fill("#id_scheduled_for_1", when.strftime("%H:%M:%S"))
    page.check("input[name=platforms][value=instagram]")
    page.set_input_files("input[name=media_files]", str(photo))
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist")
    content = Content.objects.get(body="Golden hour #herald")
    assert content.media.get().size_bytes == 4100

    drain()
    page.goto(f"{sandbox.url}/admin/content/content/{content.pk}/change/")
    assert page.locator("#publications-group .herald-badge").all_inner_texts() == ["Published"]
    assert SandboxPost.objects.get(platform="instagram").text == "Golden hour #herald"


def test_cancel_a_post(page, sandbox, accounts, operator_user):
    later = timezone.now() + dt.timedelta(hours=2)
    keep = schedule_content(
        owner=operator_user, body="Keep me", targets=[Target("discord")], scheduled_for=later
    )
    drop = schedule_content(
        owner=operator_user, body="Cancel me", targets=[Target("discord")], scheduled_for=later
    )
    page.goto(f"{sandbox.url}/admin/content/content/")
    run_action(page, "cancel_selected", [drop.pk])
    assert page.inner_text(".messagelist") == "1 canceled."
    row = page.locator("#result_list tbody tr", has_text="Cancel me")
    assert row.locator(".herald-badge").inner_text() == "Canceled"
    assert Content.objects.get(pk=drop.pk).status == Status.CANCELED
    assert Content.objects.get(pk=keep.pk).status == Status.SCHEDULED

    # Reschedule the other one through the intermediate form, and the canceled one is skipped.
    run_action(page, "reschedule_selected", [keep.pk, drop.pk])
    page.fill("#id_scheduled_for_0", "2031-05-04")
    page.fill("#id_scheduled_for_1", "09:15:00")
    page.click("input[name=apply]")
    assert page.inner_text(".messagelist") == (
        f"1 rescheduled, 1 skipped: This content can no longer be edited (Discord: CANCELED); "
        f"cancel it and schedule a new post (#{drop.pk})."
    )
    keep.refresh_from_db()
    assert keep.scheduled_for == dt.datetime(2031, 5, 4, 9, 15, tzinfo=dt.UTC)


def test_the_automation_switch_holds_a_due_post_and_releases_it(
    page, sandbox, accounts, operator_user
):
    page.goto(f"{sandbox.url}/admin/switches/")
    page.fill("#switch-automation_enabled input[name=note]", "browser test")
    page.click("input[name=flip-automation_enabled]")
    assert "is off" in page.inner_text(".messagelist")
    assert page.inner_text("#switch-automation_enabled .switch-state") == "OFF"

    content = schedule_content(
        owner=operator_user,
        body="Held by the switch",
        targets=[Target("discord", accounts["discord"])],
        scheduled_for=timezone.now() - dt.timedelta(seconds=1),
    )
    drain()
    row = Publication.objects.get(content=content)
    assert (row.status, row.hold_reason) == (Status.QUEUED, "switch automation_enabled is off")
    page.reload()
    assert page.inner_text("#switch-automation_enabled .switch-held") == "1"
    assert not SandboxPost.objects.exists()

    page.click("input[name=flip-automation_enabled]")
    assert "is on" in page.inner_text(".messagelist")
    drain()
    page.goto(f"{sandbox.url}/admin/content/content/{content.pk}/change/")
    assert page.locator("#publications-group .herald-badge").all_inner_texts() == ["Published"]
    page.goto(f"{sandbox.url}/admin/switches/")
    assert page.inner_text("#switch-automation_enabled .switch-held") == "0"
    assert "browser test" in page.inner_text("#recent-flips")


def test_screenshots_of_the_dashboard_and_the_content_list(page, sandbox, accounts, operator_user):
    now = timezone.now()
    twitter, discord = (
        Target("twitter", accounts["twitter"]),
        Target("discord", accounts["discord"]),
    )
    for minutes, body, targets in (
        (-3, "Weekly digest is live", [twitter, discord]),
        (-2, "Changelog: faster uploads", [discord]),
        (-1, "Thanks for 10k followers!", [twitter]),
    ):
        schedule_content(
            owner=operator_user,
            body=body,
            targets=targets,
            scheduled_for=now + dt.timedelta(minutes=minutes),
        )
    drain()
    broken = schedule_content(
        owner=operator_user,
        body="Spring sale starts now",
        targets=[twitter],
        scheduled_for=now - dt.timedelta(minutes=20),
    ).publications.get()
    for status in (Status.QUEUED, Status.PUBLISHING):
        transition(broken, status, reason="screenshot setup")
    transition(
        broken,
        Status.FAILED,
        reason="X: duplicate content",
        last_error_code="duplicate",
        last_error="X: You are not allowed to create a Tweet with duplicate content.",
    )
    for hours, body, targets in (
        (1, "Webinar starts in one hour", [twitter, discord]),
        (4, "Behind the scenes: our release process", [discord]),
        (9, "Tomorrow's roadmap preview", [twitter]),
    ):
        schedule_content(
            owner=operator_user,
            body=body,
            targets=targets,
            scheduled_for=now + dt.timedelta(hours=hours),
        )
    engine.record_heartbeat(time.monotonic() - 0.4, engine.TickReport(dispatched=4))
    set_switch("publishing_instagram", False, user=operator_user, note="Meta API incident")

    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(f"{sandbox.url}/admin/dashboard/")
    assert page.locator("#herald-upcoming li").count() == 3
    assert "duplicate content" in page.inner_text("#herald-failures")
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
    page.goto(f"{sandbox.url}/admin/content/content/")
    assert page.locator("#result_list tbody tr").count() == 7
    page.screenshot(path=str(ARTIFACTS / "content-list.png"), full_page=True)
    page.goto(f"{sandbox.url}/admin/publishing/publication/{broken.pk}/change/")
    page.screenshot(path=str(ARTIFACTS / "publication-timeline.png"), full_page=True)
    page.goto(f"{sandbox.url}/admin/switches/")
    page.screenshot(path=str(ARTIFACTS / "switches.png"), full_page=True)
    assert (ARTIFACTS / "dashboard.png").stat().st_size > 10_000
