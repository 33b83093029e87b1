"""Log records and error texts print without tokens, whatever shape the token comes in."""

import datetime as dt
import json
import logging
import threading
from urllib.parse import quote, quote_plus

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from api.tokens import issue_token
from integrations.daily_check import check_integrations, refresh_integration
from integrations.models import Integration
from integrations.redaction import (
    MASK,
    RedactSecretsFilter,
    redact,
    redact_values,
    redacting,
    remember,
    secrets_in_use,
)
from integrations.services import IntegrationError
from tests.factories import IntegrationFactory, UserFactory
from tests.integrations.hosts import GRAPH, X_API

TOKEN = "tok_9f8e7d6c5b4a3210"


@pytest.mark.parametrize(
    ("message", "args"),
    [
        ("sending with headers %s", ({"Authorization": f"Bearer {TOKEN}"},)),
        ("GET https://graph.instagram.com/v23.0/me?fields=id&access_token=%s", (TOKEN,)),
        ("bot header: Bot %s", (TOKEN,)),
        ('token answer: {"access_token": "%s", "expires_in": 3600}', (TOKEN,)),
        ("form grant_type=refresh_token&refresh_token=%s&client_id=x", (TOKEN,)),
        ("webhook https://discord.com/api/webhooks/123456/%s failed", (TOKEN,)),
        ('typed: {"identifier": "a.test", "app_password": "%s"}', (TOKEN,)),
        ("form identifier=a.test&app_password=%s", (TOKEN,)),
    ],
)
def test_a_log_record_holding_a_token_prints_without_it(message, args):
    record = logging.LogRecord("herald", logging.WARNING, __file__, 1, message, args, None)
    assert RedactSecretsFilter().filter(record) is True
    printed = logging.Formatter("%(message)s").format(record)
    assert TOKEN not in printed
    assert MASK in printed


def test_tracebacks_are_redacted_too():
    try:
        raise ValueError(f"refused https://api.example/x?access_token={TOKEN}")
    except ValueError:
        import sys

        record = logging.LogRecord("herald", logging.ERROR, __file__, 1, "boom", (), sys.exc_info())
    RedactSecretsFilter().filter(record)
    printed = logging.Formatter("%(message)s").format(record)
    assert "ValueError" in printed and TOKEN not in printed


def test_the_configured_console_handler_redacts():
    from django.conf import settings

    assert settings.LOGGING["handlers"]["console"]["filters"] == ["redact_secrets"]
    handler = next(
        h
        for h in logging.getLogger().handlers
        if isinstance(h, logging.StreamHandler) and h.filters
    )
    assert any(isinstance(f, RedactSecretsFilter) for f in handler.filters)


# --- by value: the secrets of the accounts in use ---------------------------------------

SECRET = "s3cr3t/token+with=odd chars"


def test_redact_values_masks_each_secret_in_every_written_form():
    text = (
        f"plain {SECRET}; path {quote(SECRET, safe='')}; query {quote_plus(SECRET)}; "
        f"json {json.dumps({'t': SECRET})}"
    )
    redacted = redact_values(text, [SECRET])
    assert redacted == (f'plain {MASK}; path {MASK}; query {MASK}; json {{"t": "{MASK}"}}')


def test_redact_values_leaves_short_values_and_other_text_alone():
    assert redact_values("id 1234567 of user bob", ["1234567", "", None]) == (
        "id 1234567 of user bob"
    )


def test_a_webhook_url_is_masked_whole_and_by_its_token_alone():
    url = "https://discord.com/api/webhooks/123456789/AbCdEfGhIjKlMnOp-qrst"
    with redacting(url):
        assert redact(f"sent to {url}") == "sent to [redacted]"
        assert redact("Unknown Webhook AbCdEfGhIjKlMnOp-qrst") == "Unknown Webhook [redacted]"


def test_the_values_in_use_are_masked_until_the_block_ends():
    with redacting("first-secret-value"):
        with redacting("second-secret-value"):
            remember("learned-inside-value")
            assert secrets_in_use() == {
                "first-secret-value",
                "second-secret-value",
                "learned-inside-value",
            }
        assert redact("first-secret-value, second-secret-value") == f"{MASK}, second-secret-value"
    assert secrets_in_use() == set()
    assert redact("first-secret-value") == "first-secret-value"


def test_remember_outside_a_block_is_a_mistake():
    with pytest.raises(RuntimeError):
        remember("nowhere-to-keep-it")


def test_a_record_logged_inside_a_block_leaves_without_the_values(caplog):
    # The configured console handler's filter runs first and rewrites the record itself:
    # every later handler (this capture too) sees it masked.
    logger = logging.getLogger("integrations.test")
    with caplog.at_level(logging.INFO), redacting(TOKEN):
        logger.warning("the platform said: invalid token %s", TOKEN)
        try:
            raise ValueError(f"unexpected answer quoting {TOKEN}")
        except ValueError:
            logger.exception("publishing failed")
    logger.warning("after the block: %s", TOKEN)
    assert caplog.records[0].getMessage() == f"the platform said: invalid token {MASK}"
    assert TOKEN not in caplog.records[1].exc_text
    assert "unexpected answer quoting" in caplog.records[1].exc_text
    assert caplog.records[2].getMessage() == f"after the block: {TOKEN}"


def test_each_thread_masks_only_its_own_accounts_secrets():
    seen_in_other_thread: list[set[str]] = []
    other = threading.Thread(target=lambda: seen_in_other_thread.append(secrets_in_use()))
    with redacting("this-threads-secret"):
        other.start()
        other.join()
    assert seen_in_other_thread == [set()]


# --- the integration lifecycle: what a platform quotes back is stored redacted -----------

ECHOED = "ig-or-x-token/with+odd=chars-0123"
ECHOED_REFRESH = "refresh-token-echoed-back-4567"


def nothing_echoed(*texts: str) -> bool:
    forms = (ECHOED, quote(ECHOED, safe=""), ECHOED_REFRESH)
    return not any(form in text for text in texts for form in forms)


def client_of(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user=user).token}")
    return client


@pytest.mark.django_db
@pytest.mark.usefixtures("providers")
def test_the_daily_check_stores_a_refusal_quoting_the_token_redacted(api, client, operator, caplog):
    integration = IntegrationFactory(provider="twitter", access_token=ECHOED)
    api.get(
        f"{X_API}/2/users/me",
        status=401,
        json={"detail": f"The token {ECHOED} ({quote(ECHOED, safe='')}) was revoked."},
    )
    with caplog.at_level(logging.DEBUG):
        report = check_integrations()
    assert report.outcomes == {"needs_reauth": 1}
    integration.refresh_from_db()
    assert integration.last_error == (
        "X refused the account lookup: The token [redacted] ([redacted]) was revoked. "
        "Connect the account again."
    )
    client.force_login(operator)
    page = client.get(f"/admin/integrations/integration/{integration.pk}/change/")
    answer = client_of(integration.user).get(f"/api/v1/integrations/{integration.pk}/")
    assert nothing_echoed(
        *report.problems, caplog.text, page.content.decode(), answer.content.decode()
    )


@pytest.mark.django_db
@pytest.mark.usefixtures("providers")
def test_a_refresh_refused_in_words_quoting_the_token_is_stored_and_shown_redacted(api):
    integration = IntegrationFactory(
        provider="instagram",
        access_token=ECHOED,
        token_expires_at=timezone.now() + dt.timedelta(days=3),
    )
    refused = {"error": {"message": f"Cannot refresh {ECHOED}", "code": 100}}
    api.get(f"{GRAPH}/refresh_access_token", status=400, json=refused)
    assert check_integrations().outcomes == {"unreachable": 1}
    integration.refresh_from_db()
    assert integration.last_error == (
        "The daily check could not refresh the token: Instagram error 100: Cannot refresh "
        "[redacted]"
    )
    # The same refusal asked from the admin: the operator's message is redacted too.
    api.get(f"{GRAPH}/refresh_access_token", status=400, json=refused)
    with pytest.raises(IntegrationError) as raised:
        refresh_integration(integration)
    assert nothing_echoed(str(raised.value), repr(raised.value.__cause__))
    assert "Cannot refresh [redacted]" in str(raised.value)


@pytest.mark.django_db
@pytest.mark.usefixtures("providers")
def test_typed_tokens_quoted_back_never_reach_the_400_answer(api, caplog):
    user = UserFactory()
    api.get(
        f"{X_API}/2/users/me",
        status=401,
        json={"detail": f"Unknown token {ECHOED}, refresh {ECHOED_REFRESH}"},
    )
    with caplog.at_level(logging.DEBUG):
        answer = client_of(user).post(
            "/api/v1/integrations/",
            {"provider": "twitter", "access_token": ECHOED, "refresh_token": ECHOED_REFRESH},
            format="json",
        )
    assert answer.status_code == 400
    assert answer.json()["message"] == (
        "X refused the account lookup: Unknown token [redacted], refresh [redacted]"
    )
    assert nothing_echoed(answer.content.decode(), caplog.text)
    assert not Integration.objects.exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("providers")
def test_a_revocation_refused_quoting_the_token_is_recorded_redacted(api):
    integration = IntegrationFactory(
        provider="twitter", access_token=ECHOED, refresh_token=ECHOED_REFRESH
    )
    api.post(
        f"{X_API}/2/oauth2/revoke",
        status=400,
        json={"error_description": f"token {ECHOED_REFRESH} is not known"},
    )
    answer = client_of(integration.user).post(f"/api/v1/integrations/{integration.pk}/revoke/")
    assert answer.status_code == 200
    assert answer.json()["platform_message"] == (
        "Revoked in Herald, but X refused the revocation: token [redacted] is not known "
        "Remove Herald in the account's settings."
    )
    integration.refresh_from_db()
    assert integration.status == Integration.Status.REVOKED
    assert nothing_echoed(integration.last_error, answer.content.decode())
