"""E-mail settings from the environment: EMAIL_URL or EMAIL_HOST and friends, refused when wrong."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.environment import email_from_environment, env_email_address, env_email_list
from tests.config.test_settings import PRODUCTION_ENV, manage

SMTP = "django.core.mail.backends.smtp.EmailBackend"
CONSOLE = "django.core.mail.backends.console.EmailBackend"
EMAIL_VARIABLES = (
    "EMAIL_URL",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
    "EMAIL_TIMEOUT",
)


@pytest.fixture(autouse=True)
def no_email_environment(monkeypatch):
    for name in EMAIL_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_nothing_set_writes_e_mails_to_the_console():
    assert email_from_environment() == {"EMAIL_BACKEND": CONSOLE}


def test_an_smtp_url_with_starttls_and_a_percent_encoded_password(monkeypatch):
    monkeypatch.setenv(
        "EMAIL_URL", "smtp://herald%40example.com:p%40ss%3Aw0rd@mail.example.com:587?tls=1"
    )
    assert email_from_environment() == {
        "EMAIL_BACKEND": SMTP,
        "EMAIL_HOST": "mail.example.com",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "herald@example.com",
        "EMAIL_HOST_PASSWORD": "p@ss:w0rd",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
        "EMAIL_TIMEOUT": 10,
    }


def test_smtps_is_tls_from_the_first_byte_on_465(monkeypatch):
    monkeypatch.setenv("EMAIL_URL", "smtps://u:p@mail.example.com?timeout=20")
    settings = email_from_environment()
    assert (settings["EMAIL_PORT"], settings["EMAIL_USE_SSL"], settings["EMAIL_USE_TLS"]) == (
        465,
        True,
        False,
    )
    assert settings["EMAIL_TIMEOUT"] == 20


def test_the_separate_variables(monkeypatch):
    monkeypatch.setenv("EMAIL_HOST", "mail.example.com")
    monkeypatch.setenv("EMAIL_PORT", "2525")
    monkeypatch.setenv("EMAIL_HOST_USER", "herald")
    monkeypatch.setenv("EMAIL_HOST_PASSWORD", "secret")
    monkeypatch.setenv("EMAIL_USE_TLS", "on")
    settings = email_from_environment()
    assert settings["EMAIL_HOST"] == "mail.example.com" and settings["EMAIL_PORT"] == 2525
    assert settings["EMAIL_HOST_USER"] == "herald" and settings["EMAIL_HOST_PASSWORD"] == "secret"
    assert settings["EMAIL_USE_TLS"] is True and settings["EMAIL_BACKEND"] == SMTP


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"EMAIL_URL": "http://mail.example.com"}, "EMAIL_URL scheme 'http' is not supported"),
        ({"EMAIL_URL": "smtp://"}, "EMAIL_URL names no host"),
        (
            {"EMAIL_URL": "smtp://mail.example.com:port"},
            "EMAIL_URL has a port that is not a number",
        ),
        ({"EMAIL_URL": "smtp://mail.example.com?tls=maybe"}, "tls='maybe' is not a boolean"),
        ({"EMAIL_URL": "smtp://mail.example.com?ssl=1"}, "unknown options ssl"),
        ({"EMAIL_URL": "smtps://mail.example.com?tls=1"}, "both smtps:// and tls=1"),
        ({"EMAIL_URL": "smtp://mail.example.com?timeout=0"}, "timeout='0' is not a number"),
        (
            {"EMAIL_URL": "smtp://a.example.com", "EMAIL_HOST": "b.example.com"},
            "Both EMAIL_URL and EMAIL_HOST are set",
        ),
        ({"EMAIL_HOST": "m.example.com", "EMAIL_PORT": "smtp"}, "EMAIL_PORT='smtp' is not a whole"),
        ({"EMAIL_HOST": "m.example.com", "EMAIL_PORT": "70000"}, "EMAIL_PORT=70000 is not a port"),
        ({"EMAIL_HOST": "m.example.com", "EMAIL_USE_TLS": "sure"}, "EMAIL_USE_TLS='sure'"),
        (
            {"EMAIL_HOST": "m.example.com", "EMAIL_USE_TLS": "1", "EMAIL_USE_SSL": "1"},
            "EMAIL_USE_TLS and EMAIL_USE_SSL are both on",
        ),
    ],
)
def test_bad_values_are_refused_with_one_line(monkeypatch, env, message):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=message.replace("?", r"\?")):
        email_from_environment()


def test_addresses_are_checked(monkeypatch):
    monkeypatch.setenv("DEFAULT_FROM_EMAIL", "Herald <herald@example.com>")
    assert env_email_address("DEFAULT_FROM_EMAIL") == "Herald <herald@example.com>"
    monkeypatch.setenv("DEFAULT_FROM_EMAIL", "herald")
    with pytest.raises(ImproperlyConfigured, match="DEFAULT_FROM_EMAIL='herald' is not an e-mail"):
        env_email_address("DEFAULT_FROM_EMAIL")
    monkeypatch.setenv("HERALD_OPERATOR_EMAILS", "ops@example.com, oncall@example.com")
    assert env_email_list("HERALD_OPERATOR_EMAILS") == ["ops@example.com", "oncall@example.com"]
    monkeypatch.setenv("HERALD_OPERATOR_EMAILS", "ops@example.com, not an address")
    with pytest.raises(ImproperlyConfigured, match="'not an address', which is not an e-mail"):
        env_email_list("HERALD_OPERATOR_EMAILS")


def test_a_bad_value_stops_herald_at_start():
    result = manage("check", EMAIL_URL="smtp://mail.example.com?tls=maybe")
    assert result.returncode != 0
    assert "EMAIL_URL tls='maybe' is not a boolean" in result.stderr
    assert "Traceback" not in result.stderr.splitlines()[-1]


def test_production_without_smtp_is_warned():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "EMAIL_URL"}
    result = manage("check", "--deploy", "--fail-level", "WARNING", **env)
    assert result.returncode != 0
    assert "(herald.W101) No SMTP server is configured" in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("NOTIFY_DIGEST_SECONDS", "7200", "NOTIFY_DIGEST_SECONDS (7200) must be at most 3600"),
        ("NOTIFY_DIGEST_SECONDS", "-1", "NOTIFY_DIGEST_SECONDS=-1 must be at least 0"),
        ("NOTIFY_DAILY_DIGEST_HOUR", "24", "NOTIFY_DAILY_DIGEST_HOUR (24) must be between 0"),
    ],
)
def test_notification_knobs_are_bounded(name, value, message):
    result = manage("check", **{name: value})
    assert result.returncode != 0 and message in result.stderr
