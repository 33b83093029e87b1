"""Settings come from the environment and fail with one clear message."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from config.settings import DEVELOPMENT_SECRET_KEY, DEVELOPMENT_TOKEN_KEY

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k" * 44
STRONG_SECRET = "8Hq2-vVx_pL0aZr7Tn3sYc5mWd1eKb9gUj4fXo6iNl8hRt2yAp"
PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "s3cr3t-" * 8,
    "DJANGO_ALLOWED_HOSTS": "herald.example.com",
    "TOKEN_ENCRYPTION_KEY": STRONG_KEY,
    # Without SMTP, notification e-mails only reach the log: a warning (herald.W101).
    "EMAIL_URL": "smtp://herald:pw@mail.internal:587?tls=1",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return run_clean([sys.executable, "manage.py", *args], env)


def run_clean(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run ``command`` in the project root with ``env`` and none of the caller's settings."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "TOKEN_", "REDIS_", "DATABASE_"))
    }
    return subprocess.run(
        command,
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def python(*args: str, **env: str) -> subprocess.CompletedProcess:
    return run_clean([sys.executable, *args], env)


def test_q_cluster_timeout_is_below_retry_and_attempts_are_finite():
    assert settings.Q_CLUSTER["timeout"] < settings.Q_CLUSTER["retry"]
    assert 0 < settings.Q_CLUSTER["max_attempts"] < 10


def test_production_without_token_key_is_a_named_check_error():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "TOKEN_ENCRYPTION_KEY"}
    result = manage("check", **env)
    assert result.returncode != 0
    assert "(herald.E001) TOKEN_ENCRYPTION_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "servers",
    [
        {},
        {
            "DATABASE_URL": "postgres://herald:pw@db.internal:5432/herald",
            "REDIS_URL": "redis://cache.internal:6379/0",
        },
    ],
    ids=["embedded", "postgres-redis"],
)
def test_production_settings_pass_check_deploy_without_a_warning(servers):
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV, **servers)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DATABASE_URL": "mysql://u:p@h/db"}, "DATABASE_URL scheme 'mysql' is not supported"),
        (
            {"DATABASE_URL": "postgres://u:p@h:port/db"},
            "DATABASE_URL has a port that is not a number",
        ),
        ({"DATABASE_URL": "postgres://u:p@h:5432"}, "DATABASE_URL names no database"),
        ({"REDIS_URL": "http://localhost:6379"}, "REDIS_URL 'http' is malformed"),
        ({"REDIS_URL": "redis://:6379/x"}, "REDIS_URL names no host"),
        ({**PRODUCTION_ENV, "TOKEN_ENCRYPTION_KEY": "short"}, "TOKEN_ENCRYPTION_KEY is too weak"),
        (
            {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": DEVELOPMENT_SECRET_KEY},
            "DJANGO_SECRET_KEY is a development key",
        ),
        (
            {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": DEVELOPMENT_TOKEN_KEY},
            "DJANGO_SECRET_KEY is a development key",
        ),
        (
            {**PRODUCTION_ENV, "TOKEN_ENCRYPTION_KEY": DEVELOPMENT_TOKEN_KEY},
            "TOKEN_ENCRYPTION_KEY is a development key",
        ),
        (
            {**PRODUCTION_ENV, "TOKEN_ENCRYPTION_KEY": DEVELOPMENT_SECRET_KEY},
            "TOKEN_ENCRYPTION_KEY is a development key",
        ),
        (
            {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": "s3cr3t-key" * 4},
            "DJANGO_SECRET_KEY is too weak (40 characters, 9 different; at least 50 and 5 needed)",
        ),
        (
            {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": "abcd" * 20},
            "DJANGO_SECRET_KEY is too weak (80 characters, 4 different; at least 50 and 5 needed)",
        ),
        (
            {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": "django-insecure-" + STRONG_SECRET},
            "DJANGO_SECRET_KEY is a key Django generated for development",
        ),
        ({"SANDBOX_FAILURE_RATE": "lots"}, "SANDBOX_FAILURE_RATE='lots' is not a number"),
        (
            {"PLATFORM_RATE_LIMITS": "twitter=300"},
            "PLATFORM_RATE_LIMITS entry 'twitter=300' is malformed",
        ),
        ({"Q_TIMEOUT": "400"}, "Q_TIMEOUT (400) must be below Q_RETRY (360)"),
    ],
)
def test_bad_environment_fails_at_start_with_one_line(env, message):
    result = manage("check", **env)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if not line.startswith("Warning:")]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Configuration error: ")
    assert message in lines[0]


def test_weak_token_key_message_says_how_to_generate_one():
    result = manage("check", **{**PRODUCTION_ENV, "TOKEN_ENCRYPTION_KEY": "short"})
    assert "Fernet.generate_key()" in result.stderr


def test_redis_host_variables_build_the_redis_settings():
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(settings.REDIS_URL, settings.Q_CLUSTER.get('django_redis'), settings.CACHES['default']['BACKEND'])",
        REDIS_HOST="cache.internal",
        REDIS_PORT="6380",
        REDIS_PASSWORD="pw",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "redis://:pw@cache.internal:6380/0",
        "default",
        "django_redis.cache.RedisCache",
    ]


def test_embedded_default_uses_sqlite_locmem_and_orm_broker():
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'], settings.CACHES['default']['BACKEND'], settings.Q_CLUSTER.get('orm'), settings.DEBUG)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "django.core.cache.backends.locmem.LocMemCache",
        "default",
        "True",
    ]
    assert "development keys" in result.stderr


def test_debug_mode_still_accepts_the_development_keys_when_set():
    result = manage(
        "check",
        DJANGO_SECRET_KEY=DEVELOPMENT_SECRET_KEY,
        TOKEN_ENCRYPTION_KEY=DEVELOPMENT_TOKEN_KEY,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("module", ["config.wsgi", "config.asgi"])
@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DJANGO_SECRET_KEY", DEVELOPMENT_SECRET_KEY),
        ("TOKEN_ENCRYPTION_KEY", DEVELOPMENT_TOKEN_KEY),
        ("DJANGO_SECRET_KEY", "short"),
    ],
)
def test_the_web_application_refuses_to_start_with_a_development_or_weak_key(
    module, variable, value
):
    result = python("-c", f"import {module}", **{**PRODUCTION_ENV, variable: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr.strip().splitlines()[-1]


def test_the_web_application_starts_with_production_keys():
    result = python("-c", "import config.wsgi, config.asgi", **PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr


# A request that claims HTTPS with X-Forwarded-Proto, made over plain HTTP with the HTTPS
# redirect on (DEBUG off): printed are request.is_secure(), the status and Location.
CLAIMS_HTTPS = """
from django.test import Client, RequestFactory
request = RequestFactory().get("/", HTTP_X_FORWARDED_PROTO="https")
response = Client().get(
    "/api/v1/content/", HTTP_HOST="herald.example.com", HTTP_X_FORWARDED_PROTO="https"
)
print(request.is_secure(), response.status_code, response.get("Location", "-"))
"""


def test_x_forwarded_proto_is_not_believed_by_default():
    result = manage("shell", "--no-imports", "-c", CLAIMS_HTTPS, **PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False",
        "301",
        "https://herald.example.com/api/v1/content/",
    ]


def test_x_forwarded_proto_is_believed_behind_a_trusted_proxy():
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        CLAIMS_HTTPS,
        **PRODUCTION_ENV,
        DJANGO_TRUST_X_FORWARDED_PROTO="1",
    )
    assert result.returncode == 0, result.stderr
    is_secure, status, location = result.stdout.split()
    assert is_secure == "True"
    # Past the redirect: the API itself answers, asking for credentials.
    assert (status, location) == ("401", "-")


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, ["100", "100"]),
        ({"PUBLISH_BATCH_SIZE": "40"}, ["40", "40"]),
        ({"PUBLISH_BATCH_SIZE": "40", "PUBLISH_CONCURRENCY": "8"}, ["40", "8"]),
    ],
)
def test_a_worker_sends_its_whole_batch_at_once_unless_told_otherwise(env, expected):
    """A batch task ends with its slowest post: a pool smaller than the batch sends it in waves."""
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(settings.PUBLISH_BATCH_SIZE, settings.PUBLISH_CONCURRENCY)",
        **env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == expected
