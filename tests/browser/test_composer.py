"""An operator writes posts in the composer, in a real browser, and sees them go out."""

import datetime as dt
import struct
import zlib

import pytest
from django.utils import timezone

from content.choices import ContentStatus, Status
from content.models import Content
from integrations.models import Integration
from publishing.models import Publication
from sandbox.models import SandboxPost
from tests.browser.conftest import ARTIFACTS
from tests.engine_run import drain
from tests.factories import IntegrationFactory
from tests.media_files import MP4

pytestmark = pytest.mark.django_db(transaction=True)


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A real PNG of one colour, so the thumbnails and previews show a picture."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


VIDEO = {"name": "trailer.mp4", "mimeType": "video/mp4", "buffer": MP4 + b"\x00" * 4096}


def image(name: str, rgb) -> dict:
    return {"name": name, "mimeType": "image/png", "buffer": png(96, 64, rgb)}


@pytest.fixture
def youtube(operator_user) -> Integration:
    return IntegrationFactory(
        user=operator_user,
        provider="youtube",
        display_name="Herald TV",
        access_token="sandbox-yt-browser",
    )


def now_in_the_form() -> str:
    """This minute, as the time input takes it (the operator's zone is UTC): due at once."""
    return timezone.now().strftime("%Y-%m-%dT%H:%M")


def wait_for_check(page) -> None:
    """Wait until the live check has answered for the form as it is now."""
    page.wait_for_timeout(450)
    page.wait_for_function(
        "() => document.getElementById('composer-check-status').textContent !== ''"
    )
    page.wait_for_load_state("networkidle")


def open_calendar_at(page, base: str, content: Content):
    """The calendar's month around the post, once its events are in; the post's event."""
    day = timezone.localdate(content.scheduled_for).isoformat()
    page.goto(f"{base}/admin/calendar/?date={day}")
    page.wait_for_function(
        "document.getElementById('herald-calendar').getAttribute('aria-busy') === 'false'"
    )
    return page.locator(f".fc-event[data-content-id='{content.pk}']").first


def counter(page, platform: str, label: str):
    return page.locator(f"[data-counters-for={platform}] li", has_text=label)


def test_compose_an_x_thread_and_a_youtube_video_see_a_refusal_fix_it_and_publish(
    page, sandbox, accounts, youtube
):
    page.goto(f"{sandbox.url}/admin/")
    page.click("text=Compose a post")
    page.wait_for_selector("#composer-form")
    page.get_by_label("@herald_browser").check()
    page.get_by_label("Herald TV").check()
    long_body = "Our trailer is out. " * 15  # 300 characters
    page.fill("#id_body", long_body)
    page.fill("#id_o__twitter__thread_0", "Part two: how we made it.")
    page.click("text=Add thread")
    page.fill("#id_o__twitter__thread_1", "Part three: thanks for watching.")
    page.set_input_files("#id_media_files", [VIDEO])
    wait_for_check(page)

    # The counters follow each platform's own rules, over-limit said in words too.
    post = counter(page, "twitter", "Post")
    assert post.inner_text() == ("Post: 300 / 280 weighted characters — over the limit by 20")
    assert "composer-over" in post.get_attribute("class")
    assert counter(page, "twitter", "Thread part 3").inner_text() == (
        "Thread part 3: 32 / 280 weighted characters"
    )
    assert counter(page, "youtube", "Description").inner_text() == ("Description: 300 / 5000 bytes")
    assert page.locator("[data-problems-for=twitter] li").all_inner_texts() == [
        "X: the text is 300 weighted characters; the limit is 280."
    ]
    assert page.locator("[data-problems-for=youtube] li").all_inner_texts() == [
        "YouTube: the video needs a title."
    ]
    # The previews: the thread as stacked posts, the video's frame and title on YouTube.
    assert page.locator("#composer-preview-twitter .composer-pv-x-post").count() == 3
    assert page.locator("#composer-preview-youtube .composer-pv-title").inner_text() == (
        "(no title)"
    )
    assert (
        "trailer.mp4" in page.locator("#composer-preview-youtube .composer-pv-video").inner_text()
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.emulate_media(color_scheme="dark")
    page.screenshot(path=str(ARTIFACTS / "composer-dark.png"), full_page=True)
    page.emulate_media(color_scheme="light")

    # Scheduling anyway: the server refuses with the same messages, and writes nothing.
    page.fill("#id_scheduled_for", now_in_the_form())
    page.click("button[name=action][value=schedule]")
    page.wait_for_selector("#composer-errors")
    refusals = page.locator("#composer-refusals li").all_inner_texts()
    assert refusals == [
        "X: the text is 300 weighted characters; the limit is 280.",
        "YouTube: the video needs a title.",
    ]
    assert Content.objects.count() == 0
    assert page.locator("#composer-files-not-kept").is_visible()

    # Fix it: a shorter text, a title for YouTube, the video again.
    page.fill("#id_body", "Our trailer is out.")
    page.fill("#id_o__youtube__title", "Herald: the trailer")
    page.select_option("#id_o__youtube__privacy", "unlisted")
    page.set_input_files("#id_media_files", [VIDEO])
    wait_for_check(page)
    assert page.locator(".composer-over").count() == 0
    assert page.locator(".composer-problems li").count() == 0
    assert counter(page, "youtube", "Title").inner_text() == "Title: 19 / 100 characters"
    assert page.locator("#composer-refusals").count() == 0
    assert page.locator("#composer-files-not-kept").count() == 0
    page.screenshot(path=str(ARTIFACTS / "composer-previews.png"), full_page=True)

    page.fill("#id_scheduled_for", now_in_the_form())
    page.click("button[name=action][value=schedule]")
    page.wait_for_selector(".messagelist")
    content = Content.objects.get()
    assert page.inner_text(".messagelist") == f"#{content.pk} scheduled."
    assert content.options == {
        "twitter": {"thread": ["Part two: how we made it.", "Part three: thanks for watching."]},
        "youtube": {"title": "Herald: the trailer", "privacy": "unlisted"},
    }

    drain()
    page.reload()
    assert page.locator("#publications-group .herald-badge").all_inner_texts() == [
        "Published",
        "Published",
    ]
    assert Content.objects.get().status == Status.PUBLISHED
    x_posts = SandboxPost.objects.filter(platform="twitter").order_by("pk")
    assert [p.text for p in x_posts] == [
        "Our trailer is out.",
        "Part two: how we made it.",
        "Part three: thanks for watching.",
    ]
    video = SandboxPost.objects.get(platform="youtube")
    assert video.text == "Herald: the trailer"

    # On the calendar, today: the post, with a published mark for each target.
    event = open_calendar_at(page, sandbox.url, content)
    assert "Our trailer is out." in event.inner_text()
    assert event.locator(".herald-mark-published").count() == 2


def test_save_reopen_and_schedule_a_draft_with_media_reordered_by_keyboard(page, sandbox, accounts):
    # From an empty day of the calendar: the composer opens at 09:00 that day.
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    page.goto(f"{sandbox.url}/admin/calendar/?date={tomorrow}")
    page.wait_for_function(
        "document.getElementById('herald-calendar').getAttribute('aria-busy') === 'false'"
    )
    with page.expect_navigation():
        page.locator(f"td.fc-daygrid-day[data-date='{tomorrow}'] .fc-daygrid-day-events").click(
            position={"x": 5, "y": 5}, force=True
        )
    assert page.input_value("#id_scheduled_for") == f"{tomorrow}T09:00"
    page.fill("#id_scheduled_for", "")
    page.fill("#id_body", "Two pictures for the team")
    page.set_input_files(
        "#id_media_files", [image("red.png", (200, 30, 30)), image("blue.png", (30, 60, 200))]
    )
    items = page.locator("#composer-media li")
    assert items.all_inner_texts()[0].startswith("1. red.png (image)")
    # Keyboard only: focus blue's "Move up" and press Enter.
    page.get_by_role("button", name="Move up: blue.png").focus()
    page.keyboard.press("Enter")
    assert items.nth(0).inner_text().startswith("1. blue.png (image)")
    assert page.inner_text("#composer-media-status") == "blue.png is now file 1 of 2."
    page.click("button[name=action][value=draft]")
    page.wait_for_selector(".messagelist")
    draft = Content.objects.get()
    assert page.inner_text(".messagelist") == f"Draft #{draft.pk} saved."
    assert (draft.status, draft.scheduled_for, Publication.objects.count()) == (
        ContentStatus.DRAFT,
        None,
        0,
    )
    assert [m.file.name.split("/")[-1][:4] for m in draft.media.order_by("position")] == [
        "blue",
        "red-",
    ]

    # Reopen it: the text and the files in their order are there.
    page.goto(f"{sandbox.url}/admin/compose/{draft.pk}/")
    assert page.input_value("#id_body") == "Two pictures for the team"
    assert page.locator("#composer-media li").count() == 2
    assert page.locator("#composer-media li").nth(0).inner_text().startswith("1. blue")
    page.get_by_label("#announcements").check()
    wait_for_check(page)
    assert counter(page, "discord", "Attachments").inner_text() == "Attachments: 2 / 10 files"
    assert page.locator("#composer-preview-discord .composer-pv-attachment img").count() == 2
    page.fill("#id_scheduled_for", now_in_the_form())
    page.click("button[name=action][value=schedule]")
    page.wait_for_selector(".messagelist")
    draft.refresh_from_db()
    assert draft.status == Status.SCHEDULED

    drain()
    posted = SandboxPost.objects.get(platform="discord")
    assert posted.text == "Two pictures for the team"
    assert len(posted.media) == 2


def test_the_composer_fits_a_tablet_and_works_by_keyboard(page, sandbox, accounts):
    page.set_viewport_size({"width": 800, "height": 1000})
    page.goto(f"{sandbox.url}/admin/compose/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 800
    # Every input has a label tied to it.
    unlabelled = page.evaluate(
        """() => Array.from(document.querySelectorAll(
            '#composer-form input:not([type=hidden]), #composer-form textarea, #composer-form select'))
            .filter(el => !(el.labels && el.labels.length)).map(el => el.name)"""
    )
    assert unlabelled == []
    # Tab reaches the accounts, and Space ticks one; the preview follows.
    page.focus("#id_body")
    page.keyboard.type("By keyboard")
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.accountName") == "@herald_browser":
            break
    page.keyboard.press("Space")
    assert (
        page.is_checked("text=@herald_browser") or page.get_by_label("@herald_browser").is_checked()
    )
    page.wait_for_selector("#composer-preview-twitter:not([hidden])")
    assert "By keyboard" in page.inner_text("#composer-preview-twitter")
    wait_for_check(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 800
    page.screenshot(path=str(ARTIFACTS / "composer-tablet.png"), full_page=True)


# The contrast ratio (WCAG 2) of each visible text against the background it is drawn on.
CONTRAST = """() => {
  const channel = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  const rgb = (text) => text.match(/[\\d.]+/g).map(Number);
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length < 4 || c[3] > 0) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const selector = '#composer label, #composer legend, #composer h2, #composer h3, #composer .help, ' +
    '#composer .composer-counter, #composer .errorlist li, #composer button:not(:disabled), ' +
    '#composer .composer-pv-text, #composer .composer-pv-handle, #composer .composer-media-name, ' +
    '#composer textarea, #composer input[type=text], #composer select, #composer .composer-dropzone p';
  const shown = Array.from(document.querySelectorAll(selector))
    .filter((el) => el.offsetParent !== null)
    .filter((el) => el.textContent.trim() !== '' || el.matches('textarea, input, select'));
  const low = shown.map((el) => {
      const [a, b] = [luminance(rgb(getComputedStyle(el).color)), luminance(background(el))];
      const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      return [el.tagName + '.' + el.className + ' ' + (el.textContent || el.name).trim().slice(0, 30), ratio];
    })
    .filter(([, ratio]) => ratio < 4.5);
  return {checked: shown.length, low: low};
}"""


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_text_contrast_passes_in_the_admins_light_and_dark_themes(page, sandbox, accounts, theme):
    page.emulate_media(color_scheme=theme)
    page.goto(f"{sandbox.url}/admin/compose/")
    page.get_by_label("@herald_browser").check()
    page.get_by_label("#announcements").check()
    page.fill("#id_body", "漢" * 141)
    page.set_input_files("#id_media_files", [image("red.png", (200, 30, 30))])
    wait_for_check(page)
    assert page.locator(".composer-over").count() == 1
    found = page.evaluate(CONTRAST)
    assert found["checked"] > 40
    assert found["low"] == []


DROP_FILE = """(name) => {
  const transfer = new DataTransfer();
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  transfer.items.add(new File([png], name, {type: 'image/png'}));
  const zone = document.getElementById('composer-dropzone');
  for (const type of ['dragenter', 'dragover', 'drop']) {
    zone.dispatchEvent(new DragEvent(type, {dataTransfer: transfer, bubbles: true, cancelable: true}));
  }
}"""


def test_files_dropped_on_the_page_and_reordered_by_dragging(page, sandbox, accounts):
    page.goto(f"{sandbox.url}/admin/compose/")
    page.evaluate(DROP_FILE, "first.png")
    page.evaluate(DROP_FILE, "second.png")
    items = page.locator("#composer-media li")
    assert [t.split(" (")[0] for t in items.all_inner_texts()] == ["1. first.png", "2. second.png"]
    items.nth(1).drag_to(items.nth(0))
    assert [t.split(" (")[0] for t in items.all_inner_texts()] == ["1. second.png", "2. first.png"]
    page.get_by_role("button", name="Remove: first.png").click()
    assert page.inner_text("#composer-media-status") == "first.png removed."
    assert items.count() == 1
    # Saved as a draft, the dropped file is what was kept.
    page.fill("#id_body", "Dropped in")
    page.click("button[name=action][value=draft]")
    page.wait_for_selector(".messagelist")
    assert Content.objects.get().media.get().file.name.split("/")[-1].startswith("second-")
