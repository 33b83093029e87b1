"""Connecting past the plan: every connect path refuses, and no token is stored.

The paths: the OAuth callback (a browser page), tokens entered by hand through the API
and through the Discord bot page, and the service they share. Reconnecting an account
already stored is not a new account.
"""

import threading

import pytest
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from api.tokens import issue_token
from entitlements.models import Plan
from entitlements.services import EntitlementExceeded, set_plan
from integrations.models import Integration, OAuthState
from integrations.selectors import connected_accounts_by_platform
from integrations.services import connect_with_tokens, save_connection
from platforms.base import Credentials
from platforms.oauth import ConnectedAccount
from tests.factories import IntegrationFactory, UserFactory
from tests.integrations.hosts import DISCORD, X_API

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("providers")]

NEW_TOKEN = "x-new-access-token-0123456789"


@pytest.fixture
def owner(db):
    user = UserFactory(username="owner", is_staff=True, is_superuser=False)
    set_plan(user, Plan.objects.create(name="Starter", accounts_per_platform=1))
    return user


def x_identity(api, account_id: str) -> None:
    api.get(f"{X_API}/2/users/me", json={"data": {"id": account_id, "username": "someone"}})


def stored_tokens() -> list[str]:
    """Every token the database holds, decrypted, however it got there."""
    return [
        token
        for row in Integration.objects.values_list("access_token", "refresh_token", "webhook_url")
        for token in row
        if token
    ]


def integration_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM integrations_integration")
        return cursor.fetchone()[0]


# --- The service every path goes through ------------------------------------------------


def test_at_the_limit_a_new_account_is_refused_and_nothing_is_stored(api, owner):
    IntegrationFactory(user=owner, provider="twitter", external_account_id="1")
    x_identity(api, "2")
    with pytest.raises(EntitlementExceeded) as refused:
        connect_with_tokens(user=owner, provider="twitter", access_token=NEW_TOKEN)
    assert refused.value.as_dict() == {
        "code": "entitlement_exceeded",
        "detail": "Your plan Starter allows 1 X account; you have connected 1.",
        "plan": "Starter",
        "limit_name": "accounts_per_platform",
        "limit": 1,
        "used": 1,
        "resets_at": None,
    }
    assert integration_rows() == 1
    assert NEW_TOKEN not in stored_tokens()


def test_below_the_limit_a_new_account_is_stored(api, owner):
    x_identity(api, "2")
    integration, created = connect_with_tokens(
        user=owner, provider="twitter", access_token=NEW_TOKEN
    )
    assert created and integration.access_token == NEW_TOKEN


def test_at_the_limit_reconnecting_a_stored_account_updates_its_tokens(api, owner):
    stored = IntegrationFactory(
        user=owner, provider="twitter", external_account_id="1", status="needs_reauth"
    )
    x_identity(api, "1")
    integration, created = connect_with_tokens(
        user=owner, provider="twitter", access_token=NEW_TOKEN
    )
    assert not created and integration.pk == stored.pk
    assert (integration.status, integration.access_token) == ("active", NEW_TOKEN)
    assert integration_rows() == 1


def test_a_revoked_account_does_not_count_but_bringing_it_back_needs_room(api, owner):
    IntegrationFactory(user=owner, provider="twitter", external_account_id="1", status="revoked")
    x_identity(api, "2")
    connect_with_tokens(user=owner, provider="twitter", access_token=NEW_TOKEN)
    assert connected_accounts_by_platform(owner) == {"twitter": 1}
    # The revoked one, connected again, would be a second account.
    x_identity(api, "1")
    with pytest.raises(EntitlementExceeded):
        connect_with_tokens(user=owner, provider="twitter", access_token="x-other-token-0000")
    assert Integration.objects.get(external_account_id="1").status == "revoked"
    assert "x-other-token-0000" not in stored_tokens()


def test_a_platform_outside_the_plan_is_refused(api, owner):
    set_plan(owner, Plan.objects.create(name="Discord only", platforms=["discord"]))
    x_identity(api, "2")
    with pytest.raises(EntitlementExceeded, match=r"^Your plan Discord only does not include X\.$"):
        connect_with_tokens(user=owner, provider="twitter", access_token=NEW_TOKEN)
    assert integration_rows() == 0


def test_another_users_accounts_do_not_count(api, owner):
    IntegrationFactory(user=UserFactory(), provider="twitter", external_account_id="1")
    x_identity(api, "1")
    _, created = connect_with_tokens(user=owner, provider="twitter", access_token=NEW_TOKEN)
    assert created


# --- Tokens entered through the API --------------------------------------------------------


def api_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user=user).token}")
    return client


def post_tokens(user, token=NEW_TOKEN):
    return api_for(user).post(
        "/api/v1/integrations/", {"provider": "twitter", "access_token": token}, format="json"
    )


def test_the_api_answers_the_limit_with_a_403_and_stores_nothing(api, owner):
    IntegrationFactory(user=owner, provider="twitter", external_account_id="1")
    x_identity(api, "2")
    answer = post_tokens(owner)
    assert answer.status_code == 403
    body = answer.json()
    assert body["code"] == "entitlement_exceeded"
    assert (body["limit_name"], body["limit"], body["used"]) == ("accounts_per_platform", 1, 1)
    assert body["message"] == "Your plan Starter allows 1 X account; you have connected 1."
    assert NEW_TOKEN not in answer.content.decode()
    assert integration_rows() == 1 and NEW_TOKEN not in stored_tokens()


def test_the_api_connects_below_the_limit_and_reconnects_at_it(api, owner):
    x_identity(api, "2")
    assert post_tokens(owner).status_code == 201
    x_identity(api, "2")
    again = post_tokens(owner, token="x-renewed-token-000000")
    assert again.status_code == 200
    assert stored_tokens() == ["x-renewed-token-000000"]
    assert integration_rows() == 1


# --- The OAuth callback --------------------------------------------------------------------


def x_exchange(api, account_id: str) -> None:
    api.post(f"{X_API}/2/oauth2/token", json={"access_token": NEW_TOKEN, "expires_in": 7200})
    x_identity(api, account_id)


def run_callback(client, api, owner, account_id: str):
    """Start as the API does, open the start URL in this browser, come back with a code."""
    start = api_for(owner).post(
        "/api/v1/integrations/connect/", {"provider": "twitter"}, format="json"
    )
    assert client.get(start.json()["authorization_url"]).status_code == 302
    x_exchange(api, account_id)
    state = OAuthState.objects.get(used_at__isnull=True)
    return client.get(
        reverse("integrations:oauth-callback", args=["twitter"]),
        {"state": state.state, "code": "the-code"},
    )


def test_the_callback_past_the_limit_shows_the_refusal_with_a_403(client, api, owner):
    IntegrationFactory(user=owner, provider="twitter", external_account_id="1")
    page = run_callback(client, api, owner, "2")
    assert page.status_code == 403
    text = page.content.decode()
    assert "The account was not connected" in text
    assert "Your plan Starter allows 1 X account; you have connected 1." in text
    assert NEW_TOKEN not in text
    assert integration_rows() == 1 and NEW_TOKEN not in stored_tokens()
    # The flow is over: its cookie is deleted.
    (cookie,) = [c for name, c in page.cookies.items() if name.startswith("herald_oauth_")]
    assert cookie.value == ""


def test_the_callback_below_the_limit_connects(client, api, owner):
    page = run_callback(client, api, owner, "2")
    assert page.status_code == 200
    assert "Account connected" in page.content.decode()
    assert stored_tokens() == [NEW_TOKEN]


def test_the_callback_reconnects_a_stored_account_at_the_limit(client, api, owner):
    IntegrationFactory(user=owner, provider="twitter", external_account_id="1")
    page = run_callback(client, api, owner, "1")
    assert page.status_code == 200
    assert "reconnected; its tokens were updated" in page.content.decode()
    assert Integration.objects.get().access_token == NEW_TOKEN


# --- The Discord bot page (tokens entered by hand in the admin) ----------------------------


def post_bot(client, user):
    client.force_login(user)
    return client.post(
        reverse("integrations:discord-bot"),
        {"bot_token": "bot-token-0123456789", "channel_id": "345"},
    )


def discord_channel(api) -> None:
    api.get(
        f"{DISCORD}/api/v10/channels/345",
        json={"id": "345", "guild_id": "678", "name": "announcements", "type": 0},
    )


@pytest.fixture
def bot_operator(owner):
    from django.contrib.auth.models import Permission

    owner.user_permissions.add(Permission.objects.get(codename="manage_integration"))
    return owner


def test_the_bot_page_past_the_limit_shows_the_refusal_with_a_403(client, api, bot_operator):
    IntegrationFactory(user=bot_operator, provider="discord", external_account_id="other")
    discord_channel(api)
    page = post_bot(client, bot_operator)
    assert page.status_code == 403
    text = page.content.decode()
    assert "Your plan Starter allows 1 Discord account; you have connected 1." in text
    assert "bot-token-0123456789" not in text
    assert integration_rows() == 1 and "bot-token-0123456789" not in stored_tokens()


def test_the_bot_page_below_the_limit_connects(client, api, bot_operator):
    discord_channel(api)
    page = post_bot(client, bot_operator)
    assert page.status_code == 302
    assert stored_tokens() == ["bot-token-0123456789"]


# --- The integration admin's add form (tokens typed by an operator for a user) -------------


def admin_add(client, user, account_id: str, **extra):
    data = {
        "user": user.pk,
        "provider": "twitter",
        "external_account_id": account_id,
        "display_name": "Typed in",
        "scopes": "",
        "account_options": "{}",
        "new_access_token": NEW_TOKEN,
        **extra,
    }
    return client.post("/admin/integrations/integration/add/", data)


def test_the_admin_cannot_add_an_account_past_the_users_plan(client, operator, owner):
    IntegrationFactory(user=owner, provider="twitter", external_account_id="1")
    client.force_login(operator)
    page = admin_add(client, owner, "2")
    assert page.status_code == 200
    assert "Your plan Starter allows 1 X account; you have connected 1." in page.content.decode()
    assert NEW_TOKEN not in page.content.decode()
    assert integration_rows() == 1 and NEW_TOKEN not in stored_tokens()


def test_the_admin_adds_an_account_below_the_users_plan(client, operator, owner):
    client.force_login(operator)
    assert admin_add(client, owner, "2").status_code == 302
    assert stored_tokens() == [NEW_TOKEN]


def test_the_admin_edits_an_account_at_the_limit(client, operator, owner):
    stored = IntegrationFactory(user=owner, provider="twitter", external_account_id="1")
    client.force_login(operator)
    data = {
        "user": owner.pk,
        "provider": "twitter",
        "external_account_id": "1",
        "display_name": "Renamed",
        "scopes": "",
        "account_options": "{}",
    }
    page = client.post(f"/admin/integrations/integration/{stored.pk}/change/", data)
    assert page.status_code == 302
    stored.refresh_from_db()
    assert stored.display_name == "Renamed"


# --- Racing for the last place (PostgreSQL: the entitlement row lock) ----------------------

RACERS = 6


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_connects_racing_for_the_last_place_let_exactly_one_in():
    user = UserFactory(username="racer")
    set_plan(user, Plan.objects.create(name="Starter", accounts_per_platform=1))
    start = threading.Barrier(RACERS)
    outcomes: list[str] = []

    def connect(n: int) -> None:
        try:
            start.wait(timeout=30)
            save_connection(
                user=user,
                provider="twitter",
                grant=Credentials(access_token=f"racer-token-{n:04d}-0123456789"),
                account=ConnectedAccount(external_account_id=f"acct-{n}", display_name=f"{n}"),
            )
            outcomes.append("connected")
        except EntitlementExceeded:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=connect, args=(n,)) for n in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    print(f"\nconnect race: {RACERS} attempts, {outcomes.count('connected')} connected")
    assert sorted(outcomes) == ["connected"] + ["refused"] * (RACERS - 1)
    assert Integration.objects.filter(user=user).count() == 1
    assert len(stored_tokens()) == 1
