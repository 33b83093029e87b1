"""The Analytics page in a real browser, with numbers collected from the sandbox; screenshots."""

import datetime as dt

import pytest
from django.utils import timezone

from analytics.models import CollectorState
from analytics.services import collect_due
from publishing.models import Publication
from publishing.services import Target, schedule_content
from sandbox.models import SandboxPost
from tests.browser.conftest import ARTIFACTS, PASSWORD
from tests.browser.test_operator_admin import drain

pytestmark = pytest.mark.django_db(transaction=True)

POSTS = [
    "Spring launch: everything new in Herald",
    "How we schedule 10,000 posts an hour",
    "Customer story: a newsroom on four platforms",
    "Behind the scenes: our release process",
    "Tips: writing for X, Discord and Instagram",
    "Roadmap preview for the summer",
    "Why exactly-once publishing matters",
    "Office hours this Thursday",
]


def spread_over_days(publications: list[Publication]) -> None:
    """As if the posts had gone out over the last ten days (and the sandbox saw them then)."""
    now = timezone.now()
    for n, publication in enumerate(publications):
        when = now - dt.timedelta(days=1 + (n * 9) // len(publications), hours=n % 5)
        Publication.objects.filter(pk=publication.pk).update(published_at=when)
        SandboxPost.objects.filter(
            platform=publication.platform, external_id=publication.external_id
        ).update(created_at=when)


def collect_numbers(owner, accounts) -> Publication:
    for n, body in enumerate(POSTS):
        platforms = ["twitter", "discord"] if n % 3 else ["twitter"]
        schedule_content(
            owner=owner,
            body=body,
            title=body,
            targets=[Target(p, accounts[p]) for p in platforms],
            scheduled_for=timezone.now() - dt.timedelta(seconds=1),
        )
    drain()
    publications = list(Publication.objects.order_by("pk"))
    # Two hours later: the 1-hour snapshots.
    for publication in publications:
        when = publication.published_at - dt.timedelta(hours=2)
        Publication.objects.filter(pk=publication.pk).update(published_at=when)
        SandboxPost.objects.filter(external_id=publication.external_id).update(created_at=when)
    assert collect_due().snapshots == len(publications)
    # Then as if they had gone out over the last ten days: the 24-hour (or 7-day) ones.
    spread_over_days(publications)
    CollectorState.objects.update(next_age_index=1, next_due_at=timezone.now())
    report = collect_due()
    assert report.snapshots == len(publications) and report.errors == {}
    return publications[0]


def open_as(chromium, url: str, user, *, dark: bool = False):
    context = chromium.new_context(
        viewport={"width": 1400, "height": 1000}, color_scheme="dark" if dark else "light"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(url.replace("/admin/analytics/", "/admin/login/?next=/admin/analytics/"))
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    return context, page


def test_the_analytics_page_with_numbers_from_the_sandbox(
    page, chromium, sandbox, accounts, operator_user
):
    first = collect_numbers(operator_user, accounts)
    ARTIFACTS.mkdir(exist_ok=True)

    page.click("text=Analytics")
    page.wait_for_selector("#herald-analytics-chart svg")
    totals = page.inner_text("#herald-analytics-totals")
    assert "posts with numbers" in totals
    assert page.locator("#herald-analytics-chart polyline").count() == 2  # X and Discord
    assert page.locator("#herald-analytics-top tbody tr").count() == Publication.objects.count()
    assert "@herald_browser" in page.inner_text("#herald-analytics-accounts")
    page.screenshot(path=str(ARTIFACTS / "analytics.png"), full_page=True)

    page.select_option("#id_platform", "discord")
    page.click("#herald-analytics-range input[type=submit]")
    page.wait_for_selector("#herald-analytics-chart svg")
    assert page.locator("#herald-analytics-chart polyline").count() == 1
    assert "X" not in [
        cell.strip() for cell in page.locator("#herald-analytics-platforms td").all_inner_texts()
    ]

    page.goto(f"{sandbox.url}/admin/publishing/publication/{first.pk}/change/")
    page.wait_for_selector("#publication-metrics svg")
    page.locator("#publication-metrics").screenshot(path=str(ARTIFACTS / "publication-metrics.png"))

    context, dark = open_as(chromium, f"{sandbox.url}/admin/analytics/", operator_user, dark=True)
    dark.wait_for_selector("#herald-analytics-chart svg")
    dark.screenshot(path=str(ARTIFACTS / "analytics-dark.png"), full_page=True)
    dark.goto("about:blank")
    context.close()
    assert (ARTIFACTS / "analytics.png").stat().st_size > 10_000
