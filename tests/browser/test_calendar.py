"""The operator's calendar in a real browser: views, dragging, the keyboard, the themes."""

import datetime as dt
import random

import pytest
from django.utils import timezone

from content.choices import Status
from content.models import Content
from publishing.drafts import save_draft
from publishing.models import Publication, PublicationEvent
from publishing.services import Target, schedule_content
from publishing.states import transition
from tests.browser.conftest import ARTIFACTS
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def post(owner, when, targets, body="A post on the calendar"):
    return schedule_content(owner=owner, body=body, targets=targets, scheduled_for=when)


def publish(content):
    for publication in content.publications.all():
        transition(publication, Status.QUEUED, reason="due")
        transition(publication, Status.PUBLISHING, reason="claimed")
        transition(
            publication,
            Status.PUBLISHED,
            reason="sent",
            external_id="42",
            permalink=f"https://x.com/herald_browser/status/{publication.pk}",
        )
    return content


def fail(content):
    for publication in content.publications.all():
        transition(publication, Status.QUEUED, reason="due")
        transition(publication, Status.PUBLISHING, reason="claimed")
        transition(publication, Status.FAILED, reason="refused", last_error="Duplicate content.")
    return content


def open_calendar(page, base: str, query: str = "") -> None:
    page.goto(f"{base}/admin/calendar/{query}")
    page.wait_for_selector(".fc-view-harness")
    page.wait_for_function(
        "document.getElementById('herald-calendar').getAttribute('aria-busy') === 'false'"
    )


def event_of(page, content):
    return page.locator(f".fc-event[data-content-id='{content.pk}']").first


def drag(page, source, target) -> None:
    """Press on ``source``, move in small steps to the middle of ``target``, release."""
    start = source.bounding_box()
    end = target.bounding_box()
    x, y = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 8, y + 8, steps=4)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=20)
    page.mouse.up()


def a_time_today_ahead() -> dt.datetime:
    """A time later today (UTC, the operator's zone), or early tomorrow near midnight."""
    now = timezone.now()
    later = (now + dt.timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    return later


def test_drag_a_post_to_tomorrow_moves_it_and_writes_the_audit_row(page, sandbox, accounts):
    owner = accounts["twitter"].user
    when = a_time_today_ahead()
    content = post(owner, when, [Target("twitter", accounts["twitter"])], body="Drag me along")
    open_calendar(page, sandbox.url, f"?view=dayGridMonth&date={when.date().isoformat()}")
    tomorrow = (when + dt.timedelta(days=1)).date().isoformat()
    drag(page, event_of(page, content), page.locator(f"td.fc-daygrid-day[data-date='{tomorrow}']"))
    page.wait_for_selector("#herald-calendar-status:has-text('Moved to')")

    content.refresh_from_db()
    assert content.scheduled_for == when + dt.timedelta(days=1)
    note = PublicationEvent.objects.filter(publication__content=content).latest("pk")
    assert (note.from_status, note.to_status, note.actor) == ("SCHEDULED", "SCHEDULED", "operator")
    assert note.reason == (
        f"rescheduled from {when.isoformat()} to {(when + dt.timedelta(days=1)).isoformat()}"
    )
    # The post is shown on its new day.
    cell = page.locator(f"td.fc-daygrid-day[data-date='{tomorrow}']")
    assert cell.locator(f".fc-event[data-content-id='{content.pk}']").count() == 1


def test_a_published_post_cannot_be_dragged(page, sandbox, accounts):
    owner = accounts["twitter"].user
    when = timezone.now().replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=1)
    content = publish(post(owner, when, [Target("twitter", accounts["twitter"])], body="Out"))
    open_calendar(page, sandbox.url, f"?date={when.date().isoformat()}")
    event = event_of(page, content)
    assert "cannot move" in event.get_attribute("aria-label")
    target_day = (when + dt.timedelta(days=2)).date().isoformat()
    drag(page, event, page.locator(f"td.fc-daygrid-day[data-date='{target_day}']"))
    page.wait_for_timeout(500)
    day = when.date().isoformat()
    assert page.locator(f"td[data-date='{day}'] .fc-event[data-content-id='{content.pk}']").count()
    assert Content.objects.get(pk=content.pk).scheduled_for == when
    assert not PublicationEvent.objects.filter(reason__startswith="rescheduled").exists()


def test_a_post_published_after_the_page_loaded_snaps_back_with_the_reason(page, sandbox, accounts):
    owner = accounts["twitter"].user
    when = a_time_today_ahead()
    content = post(owner, when, [Target("twitter", accounts["twitter"])], body="Sent meanwhile")
    open_calendar(page, sandbox.url, f"?date={when.date().isoformat()}")
    publish(content)  # the engine sends it while the page is open
    day = when.date().isoformat()
    target_day = (when + dt.timedelta(days=1)).date().isoformat()
    drag(
        page, event_of(page, content), page.locator(f"td.fc-daygrid-day[data-date='{target_day}']")
    )
    status = page.locator("#herald-calendar-status")
    status.filter(has_text="Not moved").wait_for()
    assert "can no longer be edited (X: PUBLISHED)" in status.inner_text()
    # Back on its own day.
    assert page.locator(f"td[data-date='{day}'] .fc-event[data-content-id='{content.pk}']").count()
    assert Content.objects.get(pk=content.pk).scheduled_for == when


def test_with_the_keyboard_a_post_opens_and_moves_through_the_move_form(page, sandbox, accounts):
    owner = accounts["twitter"].user
    when = a_time_today_ahead()
    content = post(owner, when, [Target("twitter", accounts["twitter"])], body="Keyboard only")
    open_calendar(page, sandbox.url, f"?view=timeGridWeek&date={when.date().isoformat()}")
    event = event_of(page, content)
    event.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#herald-detail-title:focus")
    panel = page.locator("#herald-calendar-detail")
    assert "Keyboard only" in panel.inner_text()
    assert "Edit" in panel.inner_text() and "Open in admin" in panel.inner_text()
    later = when + dt.timedelta(days=2, hours=1)
    field = page.get_by_label("Move…")
    field.focus()
    field.fill(later.strftime("%Y-%m-%dT%H:%M"))
    page.keyboard.press("Enter")
    page.wait_for_selector("#herald-calendar-status:has-text('Moved to')")
    assert Content.objects.get(pk=content.pk).scheduled_for == later
    # The panel shows the move in its audit timeline; Escape closes it, focus goes back.
    page.wait_for_selector("#herald-calendar-detail:has-text('rescheduled from')")
    page.keyboard.press("Escape")
    assert panel.is_hidden()


def test_clicking_an_empty_day_opens_the_composer_at_that_time(page, sandbox, accounts):
    today = timezone.now().date()
    open_calendar(page, sandbox.url, f"?date={today.isoformat()}")
    day = (today + dt.timedelta(days=1)).isoformat()
    with page.expect_navigation():
        page.locator(f"td.fc-daygrid-day[data-date='{day}'] .fc-daygrid-day-events").click(
            position={"x": 5, "y": 5}, force=True
        )
    assert page.url.endswith(f"/admin/compose/?at={day}T09%3A00")


def test_filters_are_kept_in_the_address_so_a_view_can_be_shared(page, sandbox, accounts):
    owner = accounts["twitter"].user
    when = a_time_today_ahead()
    on_x = post(owner, when, [Target("twitter", accounts["twitter"])], body="On X")
    on_discord = post(owner, when, [Target("discord", accounts["discord"])], body="On Discord")
    open_calendar(page, sandbox.url, f"?date={when.date().isoformat()}")
    page.select_option("#id_platform", "discord")
    page.click("#herald-calendar-filters input[type=submit]")
    page.wait_for_selector(f".fc-event[data-content-id='{on_discord.pk}']")
    assert page.locator(f".fc-event[data-content-id='{on_x.pk}']").count() == 0
    page.click(".fc-timeGridWeek-button")
    page.wait_for_function("location.search.includes('view=timeGridWeek')")
    shared = page.url
    assert "platform=discord" in shared and f"date={when.date().isoformat()}" in shared
    page.goto("about:blank")
    page.goto(shared)
    page.wait_for_selector(f".fc-timegrid .fc-event[data-content-id='{on_discord.pk}']")
    assert page.locator(f".fc-event[data-content-id='{on_x.pk}']").count() == 0


def test_a_list_of_dates_shows_every_post_between_them(page, sandbox, accounts):
    owner = accounts["twitter"].user
    when = a_time_today_ahead()
    near = post(owner, when, [Target("twitter", accounts["twitter"])], body="In the list")
    far = post(
        owner, when + dt.timedelta(days=20), [Target("twitter", accounts["twitter"])], body="Later"
    )
    outside = post(
        owner, when + dt.timedelta(days=40), [Target("twitter", accounts["twitter"])], body="Out"
    )
    first, last = when.date(), (when + dt.timedelta(days=25)).date()
    open_calendar(page, sandbox.url, f"?view=list&start={first}&end={last}")
    page.wait_for_selector(".fc-list-event")
    for content, shown in ((near, 1), (far, 1), (outside, 0)):
        assert page.locator(f".fc-list-event[data-content-id='{content.pk}']").count() == shown
    assert "In the list" in page.locator(".fc-list").inner_text()
    assert f"start={first}" in page.url and "view=list" in page.url


# --- the screenshots --------------------------------------------------------------------------


def a_busy_month(accounts, count=200):
    """``count`` posts over this month: sent ones behind, scheduled ones ahead, some drafts."""
    operator = accounts["twitter"].user
    editor = UserFactory(username="editor", timezone="UTC")
    rng = random.Random(18)
    now = timezone.now()
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    days = ((first + dt.timedelta(days=32)).replace(day=1) - first).days
    choices = [
        [Target("twitter", accounts["twitter"])],
        [Target("discord", accounts["discord"])],
        [Target("twitter", accounts["twitter"]), Target("discord", accounts["discord"])],
    ]
    words = [
        "launch",
        "digest",
        "update",
        "recap",
        "thread",
        "webinar",
        "release",
        "notes",
        "behind",
        "the",
        "scenes",
    ]
    for n in range(count):
        when = first + dt.timedelta(days=rng.randrange(days), hours=rng.randrange(7, 21))
        when = when.replace(minute=rng.choice((0, 15, 30, 45)))
        body = f"{rng.choice(words).capitalize()} {n}: {' '.join(rng.sample(words, 5))}"
        owner = operator if n % 3 else editor
        if n % 10 == 0 and when > now:
            save_draft(owner=owner, body=body, targets=rng.choice(choices), scheduled_for=when)
            continue
        content = post(owner, when, rng.choice(choices), body=body)
        if when < now:
            fail(content) if n % 9 == 0 else publish(content)
    return now


# The contrast of a text with the first opaque background behind it (WCAG 2 formula).
LOWEST_CONTRAST = """(selectors) => {
  const rgb = (text) => text.match(/[\\d.]+/g).map(Number);
  const luminance = ([r, g, b]) => {
    const channel = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const background = (node) => {
    for (; node; node = node.parentElement) {
      const colour = rgb(getComputedStyle(node).backgroundColor);
      if (colour.length < 4 || colour[3] > 0.9) return colour.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const found = {};
  for (const selector of selectors) {
    let lowest = 99;
    for (const node of document.querySelectorAll(selector)) {
      const [a, b] = [luminance(rgb(getComputedStyle(node).color)), luminance(background(node))];
      lowest = Math.min(lowest, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05));
    }
    found[selector] = Math.round(lowest * 100) / 100;
  }
  return found;
}"""
READ_TEXTS = [
    ".herald-event-text",
    ".herald-event-time",
    ".herald-event-owner",
    ".herald-mark:not(.herald-mark-draft)",
    ".herald-event-draft",
    ".fc-daygrid-day-number",
    ".fc-col-header-cell-cushion",
    ".fc-daygrid-more-link",
    ".fc-toolbar-title",
    ".fc-button:not(:disabled)",
    "#herald-calendar-filters label",
    "#herald-calendar-help",
    ".herald-detail dd",
    ".herald-timeline li",
]


def assert_readable(page) -> None:
    contrasts = page.evaluate(LOWEST_CONTRAST, READ_TEXTS)
    assert {s: c for s, c in contrasts.items() if c < 4.5} == {}, contrasts


def test_screenshots_of_the_month_the_week_and_the_dark_theme(chromium, page, sandbox, accounts):
    now = a_busy_month(accounts)
    ARTIFACTS.mkdir(exist_ok=True)
    open_calendar(page, sandbox.url, f"?view=dayGridMonth&date={now.date().isoformat()}")
    assert page.locator(".fc-event").count() > 60
    page.locator(".fc-event").first.click()
    page.wait_for_selector("#herald-detail-title")
    assert_readable(page)
    page.locator(".herald-detail-close").click()
    page.screenshot(path=str(ARTIFACTS / "calendar-month-200.png"), full_page=True)

    open_calendar(page, sandbox.url, f"?view=timeGridWeek&date={now.date().isoformat()}")
    first = page.locator(".fc-timegrid-event").first
    first.click()
    page.wait_for_selector("#herald-detail-title")
    page.screenshot(path=str(ARTIFACTS / "calendar-week.png"), full_page=True)

    # The admin follows the browser's colour scheme by default ("auto").
    cookies = page.context.cookies()
    dark = chromium.new_context(viewport={"width": 1400, "height": 1000}, color_scheme="dark")
    dark.add_cookies(cookies)
    dark_page = dark.new_page()
    try:
        open_calendar(dark_page, sandbox.url, f"?date={now.date().isoformat()}")
        dark_page.locator(".fc-event").first.click()
        dark_page.wait_for_selector("#herald-detail-title")
        background = dark_page.evaluate(
            "getComputedStyle(document.querySelector('#herald-calendar-detail')).backgroundColor"
        )
        assert background == "rgb(18, 18, 18)"  # the admin's dark --body-bg
        assert_readable(dark_page)
        dark_page.screenshot(path=str(ARTIFACTS / "calendar-dark.png"), full_page=True)
    finally:
        dark_page.goto("about:blank")
        dark.close()

    tablet = chromium.new_context(viewport={"width": 800, "height": 1100})
    tablet.add_cookies(cookies)
    tablet_page = tablet.new_page()
    try:
        open_calendar(tablet_page, sandbox.url, f"?view=timeGridWeek&date={now.date().isoformat()}")
        width = tablet_page.evaluate("document.documentElement.scrollWidth")
        assert width <= 800  # nothing runs off the side
        tablet_page.screenshot(path=str(ARTIFACTS / "calendar-tablet.png"), full_page=True)
    finally:
        tablet_page.goto("about:blank")
        tablet.close()
    assert Publication.objects.count() > 150
