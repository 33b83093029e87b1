"""Settings come from the environment and fail with one clear message."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k" * 44
PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "s3cr3t-" * 8,
    "DJANGO_ALLOWED_HOSTS": "herald.example.com",
    "TOKEN_ENCRYPTION_KEY": STRONG_KEY,
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "TOKEN_", "REDIS_", "DATABASE_"))
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_q_cluster_timeout_is_below_retry_and_attempts_are_finite():
    assert settings.Q_CLUSTER["timeout"] < settings.Q_CLUSTER["retry"]
    assert 0 < settings.Q_CLUSTER["max_attempts"] < 10


def test_production_without_token_key_is_a_named_check_error():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "TOKEN_ENCRYPTION_KEY"}
    result = manage("check", **env)
    assert result.returncode != 0
    assert "(herald.E001) TOKEN_ENCRYPTION_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_settings_pass_check_deploy():
    result = manage("check", "--deploy", **PRODUCTION_ENV)
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
