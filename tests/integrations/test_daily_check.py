"""The daily check refreshes what expires, flags what the platforms refuse, and says so."""

import datetime as dt
from io import StringIO

import pytest
import requests
from django.core.management import call_command
from django.utils import timezone
from django_q.models import Schedule
from responses import matchers

from integrations.daily_check import check_integrations
from integrations.models import Integration, OAuthState
from integrations.services import refresh_tokens
from tests.factories import IntegrationFactory, UserFactory
from tests.integrations.hosts import DISCORD, GRAPH, X_API, YOUTUBE_API

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("providers")]


def in_(**delta):
    return timezone.now() + dt.timedelta(**delta)


def test_an_expiring_x_token_is_refreshed_and_the_rotated_refresh_token_kept(api):
    integration = IntegrationFactory(
        provider="twitter", refresh_token="old-refresh-token-0123", token_expires_at=in_(hours=1)
    )
    api.post(
        f"{X_API}/2/oauth2/token",
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "grant_type": "refresh_token",
                    "refresh_token": "old-refresh-token-0123",
                    "client_id": "x-client",
                }
            )
        ],
        json={"access_token": "new-access", "refresh_token": "new-refresh", "expires_in": 7200},
    )
    report = check_integrations()
    assert report.outcomes == {"refreshed": 1}
    integration.refresh_from_db()
    assert (integration.access_token, integration.refresh_token) == ("new-access", "new-refresh")
    assert integration.status == Integration.Status.ACTIVE


def test_a_refused_refresh_token_marks_the_account_for_reauthorization(api):
    integration = IntegrationFactory(provider="twitter", token_expires_at=in_(minutes=30))
    api.post(f"{X_API}/2/oauth2/token", status=400, json={"error": "invalid_request"})
    report = check_integrations()
    assert report.outcomes == {"needs_reauth": 1}
    integration.refresh_from_db()
    assert integration.status == Integration.Status.NEEDS_REAUTH
    assert integration.last_error == (
        "X refused the refresh token: the account must be connected again."
    )
    assert report.problems == [f"{integration} ({integration.user}): {integration.last_error}"]


def test_an_instagram_token_near_its_60_days_is_refreshed(api):
    integration = IntegrationFactory(
        provider="instagram", access_token="long-lived-token-0123", token_expires_at=in_(days=3)
    )
    api.get(
        f"{GRAPH}/refresh_access_token",
        match=[
            matchers.query_param_matcher(
                {"grant_type": "ig_refresh_token", "access_token": "long-lived-token-0123"}
            )
        ],
        json={"access_token": "renewed-long-lived", "token_type": "bearer", "expires_in": 5184000},
    )
    check_integrations()
    integration.refresh_from_db()
    assert integration.access_token == "renewed-long-lived"
    assert integration.token_expires_at > in_(days=59)


def test_a_deleted_discord_webhook_is_found_before_a_post_needs_it(api):
    integration = IntegrationFactory(
        provider="discord",
        access_token=None,
        refresh_token=None,
        webhook_url=f"{DISCORD}/api/webhooks/1200/tok",
    )
    api.get(
        f"{DISCORD}/api/webhooks/1200/tok",
        status=404,
        json={"message": "Unknown Webhook", "code": 10015},
    )
    assert check_integrations().outcomes == {"needs_reauth": 1}
    integration.refresh_from_db()
    assert integration.status == Integration.Status.NEEDS_REAUTH
    assert integration.last_error == (
        "Discord refused the webhook lookup: Unknown Webhook Connect the account again."
    )


def test_a_valid_long_lived_token_is_checked_with_one_identity_call(api):
    integration = IntegrationFactory(
        provider="youtube", access_token="yt-access-token-0123", token_expires_at=in_(days=30)
    )
    api.get(
        f"{YOUTUBE_API}/youtube/v3/channels",
        match=[matchers.header_matcher({"Authorization": "Bearer yt-access-token-0123"})],
        json={"items": [{"id": "UC1", "snippet": {"title": "Channel"}}]},
    )
    assert check_integrations().outcomes == {"ok": 1}
    integration.refresh_from_db()
    assert integration.status == Integration.Status.ACTIVE and integration.last_error == ""


def test_an_expired_token_that_cannot_be_refreshed_is_marked_expired(api):
    integration = IntegrationFactory(
        provider="twitter", refresh_token="", token_expires_at=in_(hours=-2)
    )
    assert check_integrations().outcomes == {"expired": 1}
    integration.refresh_from_db()
    assert integration.status == Integration.Status.EXPIRED
    assert "expired on" in integration.last_error and "connect the account again" in (
        integration.last_error
    )


def test_a_token_expiring_soon_without_a_refresh_is_flagged_but_keeps_publishing(api):
    integration = IntegrationFactory(
        provider="twitter", refresh_token="", token_expires_at=in_(days=2)
    )
    assert check_integrations().outcomes == {"expiring": 1}
    integration.refresh_from_db()
    assert integration.status == Integration.Status.ACTIVE
    assert "cannot be refreshed; connect the account again before then" in integration.last_error


def test_an_unreachable_platform_says_nothing_about_the_token(api):
    integration = IntegrationFactory(provider="twitter", token_expires_at=None)
    api.get(f"{X_API}/2/users/me", body=requests.ConnectionError("refused"))
    assert check_integrations().outcomes == {"unreachable": 1}
    integration.refresh_from_db()
    assert integration.status == Integration.Status.ACTIVE
    assert integration.last_error == (
        "The daily check could not reach the platform: X could not be reached for the "
        "account lookup. Try again in a minute."
    )


def test_paused_and_revoked_accounts_are_left_alone(api):
    IntegrationFactory(status=Integration.Status.PAUSED, token_expires_at=in_(hours=-1))
    IntegrationFactory(status=Integration.Status.REVOKED)
    assert check_integrations().outcomes == {}
    assert len(api.calls) == 0


def test_connect_attempts_older_than_a_day_are_forgotten():
    user = UserFactory()
    old = OAuthState.objects.create(state="old", user=user, provider="twitter", redirect_uri="/")
    OAuthState.objects.filter(pk=old.pk).update(created_at=in_(days=-2))
    OAuthState.objects.create(state="fresh", user=user, provider="twitter", redirect_uri="/")
    assert check_integrations().states_deleted == 1
    assert list(OAuthState.objects.values_list("state", flat=True)) == ["fresh"]


def test_a_worker_that_waited_for_the_lock_uses_the_tokens_already_renewed():
    integration = IntegrationFactory(
        access_token="fresh-token-0123456", token_expires_at=in_(hours=2)
    )

    def refresh(credentials):
        raise AssertionError("must not refresh tokens that were just renewed")

    credentials = refresh_tokens(integration.pk, refresh, renew_before=in_(minutes=2))
    assert credentials.access_token == "fresh-token-0123456"


def test_the_command_prints_progress_a_summary_and_the_problems(api):
    IntegrationFactory(provider="twitter", refresh_token="", token_expires_at=in_(days=2))
    out = StringIO()
    call_command("check_integrations", stdout=out)
    text = out.getvalue()
    assert "1/1 accounts" in text
    assert "Checked integrations: 1 expiring." in text
    assert "cannot be refreshed" in text


def test_the_check_is_scheduled_daily_by_the_migrations():
    schedule = Schedule.objects.get(name="daily integration check")
    assert schedule.func == "integrations.tasks.daily_integration_check"
    assert schedule.schedule_type == Schedule.DAILY
