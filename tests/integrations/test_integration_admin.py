"""Integrations in the admin: health, rate-limit use, refresh, and who may touch them."""

import datetime as dt

import pytest
import responses
from django.utils import timezone

from integrations.models import Integration
from publishing.models import Publication
from publishing.rate_limits import window_use, window_uses
from tests.factories import ContentFactory, IntegrationFactory, PublicationFactory, UserFactory
from tests.operators import grant, messages_of

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/integrations/integration/"
X_API = "https://api.x.test"
TOKEN = "sekret-access-token-0123456789-3f9a"
REFRESH = "sekret-refresh-token-0123456789-77aa"


@pytest.fixture(autouse=True)
def x_api(settings):
    settings.PLATFORM_BASE_URLS = {**settings.PLATFORM_BASE_URLS, "twitter": X_API}
    settings.X_CLIENT_ID, settings.X_CLIENT_SECRET = "x-client", ""


def take_slots(integration, count, *, ago=dt.timedelta(minutes=5)):
    for _ in range(count):
        content = ContentFactory(owner=integration.user)
        PublicationFactory(
            content=content,
            platform=integration.provider,
            integration=integration,
            account_key=f"integration:{integration.pk}",
            rate_slot_at=timezone.now() - ago,
        )


def test_list_shows_status_expiry_last_error_and_window_use(
    staff_client, django_assert_max_num_queries
):
    busy = IntegrationFactory(
        display_name="Busy", access_token=TOKEN, last_error="The daily check could not reach X"
    )
    take_slots(busy, 2)
    take_slots(busy, 1, ago=dt.timedelta(hours=4))  # outside X's 3-hour window
    for n in range(4):
        IntegrationFactory(provider="discord", display_name=f"Quiet {n}")
    with django_assert_max_num_queries(6):
        html = staff_client.get(CHANGELIST).content.decode()
    assert "2 / 300 per 3 h" in html
    assert html.count("0 / 50 per 1 h") == 4
    assert "The daily check could not reach X" in html
    assert "••••3f9a" in html and "sekret" not in html


def test_window_use_counts_the_current_window_only():
    integration = IntegrationFactory(provider="discord")
    take_slots(integration, 3)
    take_slots(integration, 2, ago=dt.timedelta(hours=2))
    use = window_use(f"integration:{integration.pk}", "discord")
    assert (use.used, use.limit, use.window_seconds, use.full) == (3, 50, 3600, False)
    assert window_uses([]) == {}


def test_a_full_window_is_shown_as_full(staff_client, settings):
    settings.PLATFORM_RATE_LIMITS = {**settings.PLATFORM_RATE_LIMITS, "twitter": (2, 10800)}
    take_slots(IntegrationFactory(), 2)
    html = staff_client.get(CHANGELIST).content.decode()
    assert "2 / 2 per 3 h (full)" in html


def test_no_page_shows_a_token(staff_client):
    integration = IntegrationFactory(access_token=TOKEN, refresh_token=REFRESH)
    owner = UserFactory(
        twitter_access_token="legacy-twitter-token-0123456789-beef",
        discord_webhook_url="https://discord.com/api/webhooks/1/legacy-webhook-secret",
    )
    pages = [
        CHANGELIST,
        f"{CHANGELIST}{integration.pk}/change/",
        "/admin/accounts/user/",
        f"/admin/accounts/user/{owner.pk}/change/",
    ]
    for page in pages:
        html = staff_client.get(page).content.decode()
        for secret in ("sekret", "legacy-twitter-token", "legacy-webhook-secret"):
            assert secret not in html, (page, secret)


def act(client, name, integrations):
    return client.post(
        CHANGELIST, {"action": name, "_selected_action": [i.pk for i in integrations]}, follow=True
    )


@responses.activate
def test_refresh_renews_the_tokens(staff_client):
    integration = IntegrationFactory(access_token=TOKEN, refresh_token=REFRESH)
    responses.post(
        f"{X_API}/2/oauth2/token",
        json={"access_token": "fresh-access", "refresh_token": "fresh-refresh", "expires_in": 7200},
    )
    response = act(staff_client, "refresh_accounts", [integration])
    assert messages_of(response) == ["1 refreshed."]
    integration = Integration.objects.get(pk=integration.pk)
    assert (integration.access_token, integration.refresh_token) == (
        "fresh-access",
        "fresh-refresh",
    )
    assert integration.token_expires_at > timezone.now() + dt.timedelta(minutes=110)


@responses.activate
def test_a_refused_refresh_is_said_in_words(staff_client):
    integration = IntegrationFactory(access_token=TOKEN, refresh_token=REFRESH, display_name="Ours")
    responses.post(f"{X_API}/2/oauth2/token", status=400, json={"error": "invalid_request"})
    discord = IntegrationFactory(provider="discord", refresh_token=None, display_name="Hook")
    response = act(staff_client, "refresh_accounts", [integration, discord])
    assert messages_of(response) == [
        "Skipped: X · Ours: X refused the refresh (X refused the refresh "
        "token: the account must be connected again.); the account needs to be connected again.",
        "Skipped: Discord · Hook: Discord gives no way to refresh this token; connect the "
        "account again.",
    ]
    integration.refresh_from_db()
    assert integration.status == Integration.Status.NEEDS_REAUTH
    assert integration.access_token == TOKEN


def test_pause_and_resume_keep_working(staff_client):
    integration = IntegrationFactory()
    assert messages_of(act(staff_client, "pause_accounts", [integration])) == ["1 paused."]
    assert messages_of(act(staff_client, "pause_accounts", [integration]))[0].startswith(
        "Skipped: Only an active account can be paused"
    )
    assert messages_of(act(staff_client, "resume_accounts", [integration])) == ["1 resumed."]


def test_staff_without_the_permission_cannot_touch_integrations(client, steering_operator):
    integration = IntegrationFactory(access_token=TOKEN)
    client.force_login(steering_operator)
    assert client.get(CHANGELIST).status_code == 403
    grant(steering_operator, "view_integration")
    html = client.get(CHANGELIST).content.decode()
    assert "••••3f9a" in html and 'name="action"' not in html  # may look, no actions
    act(client, "pause_accounts", [integration])
    assert Integration.objects.get(pk=integration.pk).status == Integration.Status.ACTIVE
    change = client.post(f"{CHANGELIST}{integration.pk}/change/", {"display_name": "x"})
    assert change.status_code == 403

    grant(steering_operator, "manage_integration")
    assert messages_of(act(client, "pause_accounts", [integration])) == ["1 paused."]
    assert Integration.objects.get(pk=integration.pk).status == Integration.Status.PAUSED


def test_rows_without_slots_do_not_count_other_accounts(staff_client):
    mine, other = IntegrationFactory(), IntegrationFactory()
    take_slots(other, 3)
    Publication.objects.update(rate_slot_at=timezone.now())
    uses = window_uses(
        [("twitter", f"integration:{mine.pk}"), ("twitter", f"integration:{other.pk}")]
    )
    assert uses[("twitter", f"integration:{mine.pk}")].used == 0
    assert uses[("twitter", f"integration:{other.pk}")].used == 3


@pytest.mark.redis
def test_window_use_reads_the_redis_window_and_falls_back_to_the_database_without_one():
    from django.db import transaction
    from django_redis import get_redis_connection

    from publishing.rate_limits import reserve_slot, window_key

    on_redis, on_database = IntegrationFactory(provider="discord"), IntegrationFactory()
    take_slots(on_redis, 2)
    take_slots(on_database, 4)
    now = timezone.now()
    with transaction.atomic():
        # Redis seeds the window from the 2 recorded slots and adds this one.
        assert reserve_slot(Publication.objects.filter(integration=on_redis).first(), now).granted
        new = PublicationFactory(
            content=ContentFactory(owner=on_redis.user),
            platform="discord",
            integration=on_redis,
            account_key=f"integration:{on_redis.pk}",
        )
        assert reserve_slot(new, now).granted  # counted in Redis, no rate_slot_at saved
    client = get_redis_connection("default")
    assert client.exists(window_key("twitter", f"integration:{on_database.pk}")) == 0
    uses = window_uses(
        [("discord", f"integration:{on_redis.pk}"), ("twitter", f"integration:{on_database.pk}")],
        now,
    )
    assert uses[("discord", f"integration:{on_redis.pk}")].used == 3  # as Redis counts
    assert uses[("twitter", f"integration:{on_database.pk}")].used == 4  # from the database


def test_expiry_shows_in_the_operators_time_zone(staff_client, operator):
    operator.timezone = "Asia/Tokyo"
    operator.save()
    IntegrationFactory(token_expires_at=dt.datetime(2031, 1, 15, 12, 0, tzinfo=dt.UTC))
    html = staff_client.get(CHANGELIST).content.decode()
    assert "Jan. 15, 2031, 9 p.m." in html
