"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Nothing is downloaded: the tests use the system Chromium at /usr/bin/chromium and
skip, saying so, where it is not installed. The live server mounts the sandbox,
and each test drives the engine in-process (no django-q2 cluster runs in tests).
"""

import os
from pathlib import Path

import pytest

from integrations.models import Integration
from tests.factories import IntegrationFactory, UserFactory

# Playwright's sync API runs an asyncio event loop in this thread; Django then
# refuses ORM calls from it ("You cannot call this from an async context")
# although they are plain synchronous calls between browser steps.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "operator-password-for-browser-tests"


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)
            if not CHROMIUM.exists():
                item.add_marker(
                    pytest.mark.skip(reason=f"browser tests need Chromium at {CHROMIUM}")
                )


@pytest.fixture(scope="session")
def chromium(live_server):
    """One browser for the session; it closes before the live server stops (no open sockets)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def operator_user(db):
    user = UserFactory(username="operator", is_staff=True, is_superuser=True, timezone="UTC")
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def accounts(operator_user) -> dict[str, Integration]:
    """The operator's sandbox accounts on X, Discord and Instagram."""
    return {
        "twitter": IntegrationFactory(
            user=operator_user,
            provider="twitter",
            display_name="@herald_browser",
            access_token="sandbox-x-browser",
            account_options={"username": "herald_browser"},
        ),
        "discord": IntegrationFactory(
            user=operator_user,
            provider="discord",
            display_name="#announcements",
            access_token="sandbox-discord-browser",
            account_options={"channel_id": "1100000000000000077", "guild_id": "77"},
        ),
        "instagram": IntegrationFactory(
            user=operator_user,
            provider="instagram",
            display_name="herald.photos",
            external_account_id="17841400000000077",
            access_token="sandbox-ig-browser",
        ),
    }


@pytest.fixture
def page(chromium, sandbox, operator_user):
    """A browser page logged in to the admin as the operator."""
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{sandbox.url}/admin/login/")
    page.fill("#id_username", operator_user.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#herald-operator-links")
    yield page
    # Leave the server first, so no request of this page is still being served at exit.
    page.goto("about:blank")
    context.close()
