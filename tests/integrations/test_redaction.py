"""Log records print without tokens, whatever shape the token comes in."""

import logging

import pytest

from integrations.redaction import MASK, RedactSecretsFilter

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
