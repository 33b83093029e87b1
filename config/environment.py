"""Typed readers for environment variables, used only by ``config.settings``.

Every reader raises ``ImproperlyConfigured`` with a one-line message naming the
variable, so a bad deployment fails at start with something a person can fix.
"""

from __future__ import annotations

import os
from email.utils import parseaddr
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}

TOKEN_KEY_MIN_LENGTH = 32
TOKEN_KEY_HOWTO = (
    'generate one with: python -c "from cryptography.fernet import Fernet; '
    'print(Fernet.generate_key().decode())"'
)


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use 1/0, true/false or on/off.")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} must be at least {minimum}.")
    return value


def env_float(name: str, default: float, *, minimum: float, maximum: float) -> float:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number.") from None
    if not minimum <= value <= maximum:
        raise ImproperlyConfigured(f"{name}={value} must be between {minimum} and {maximum}.")
    return value


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def env_seconds_list(name: str, default: str) -> list[float]:
    """A comma-separated list of positive numbers of seconds, e.g. ``5,300,1800``."""
    values = []
    for item in env_list(name, default):
        try:
            value = float(item)
        except ValueError:
            raise ImproperlyConfigured(f"{name}: {item!r} is not a number of seconds.") from None
        if not 0 < value <= 7 * 86400:
            raise ImproperlyConfigured(f"{name}: {item} must be above 0 and at most a week.")
        values.append(value)
    if not values:
        raise ImproperlyConfigured(f"{name} lists no delay.")
    return values


DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def env_durations(name: str, default: str) -> list[int]:
    """A comma-separated list of durations, ``1h,24h,7d,30d``, as seconds, strictly rising."""
    values = []
    for item in env_list(name, default):
        number, unit = item[:-1], item[-1:].lower()
        if unit.isdigit():
            number, unit = item, "s"
        try:
            seconds = int(number) * DURATION_UNITS[unit]
        except (KeyError, ValueError):
            raise ImproperlyConfigured(
                f"{name}: {item!r} is not a duration; write a whole number and s, m, h or d."
            ) from None
        if seconds <= 0 or (values and seconds <= values[-1]):
            raise ImproperlyConfigured(f"{name}: the durations must be above 0 and rising.")
        values.append(seconds)
    if not values:
        raise ImproperlyConfigured(f"{name} lists no duration.")
    return values


def database_from_url(url: str) -> dict:
    """Turn ``postgres://user:pass@host:port/name?sslmode=...`` into a DATABASES entry."""
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL scheme {parts.scheme or '(none)'!r} is not supported; "
            "use postgres://user:password@host:5432/dbname (leave DATABASE_URL unset for SQLite)."
        )
    name = unquote(parts.path.lstrip("/"))
    if not parts.hostname and not name:
        raise ImproperlyConfigured(
            "DATABASE_URL is malformed: expected postgres://user:password@host:5432/dbname."
        )
    if not name or "/" in name:
        raise ImproperlyConfigured(
            "DATABASE_URL names no database: expected postgres://user:password@host:5432/dbname."
        )
    try:
        port = parts.port
    except ValueError:
        raise ImproperlyConfigured("DATABASE_URL has a port that is not a number.") from None
    options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    # libpq waits forever for an unanswering server by default; a web request,
    # a worker or /health/ should give up and say so. ?connect_timeout= overrides.
    options.setdefault("connect_timeout", "5")
    pool = connection_pool_from_environment()
    if pool:
        options["pool"] = pool
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(port or ""),
        "OPTIONS": options,
        # Pooled, or persistent when the pool is off; either way connections are
        # health-checked before reuse, so a restarted PostgreSQL costs one failed
        # check, not a crashed worker. Django refuses CONN_MAX_AGE with a pool.
        "CONN_MAX_AGE": 0 if pool else env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
        "CONN_HEALTH_CHECKS": True,
    }


def connection_pool_from_environment() -> dict | None:
    """psycopg's pool options per process (Django's ``OPTIONS["pool"]``), or None when off.

    A threaded web server otherwise keeps one connection per thread; the pool caps a
    process at DATABASE_POOL_MAX_SIZE, and a request waits up to DATABASE_POOL_TIMEOUT
    seconds for a free one before failing.
    """
    if not env_bool("DATABASE_POOL", True):
        return None
    if env_str("DATABASE_CONN_MAX_AGE") not in {"", "0"}:
        raise ImproperlyConfigured(
            "DATABASE_CONN_MAX_AGE applies only without the connection pool; "
            "unset it, or set DATABASE_POOL=0 to keep persistent connections instead."
        )
    max_size = env_int("DATABASE_POOL_MAX_SIZE", 10, minimum=1)
    return {
        # One connection stays open between bursts; the rest close after ten idle minutes.
        "min_size": 1,
        "max_size": max_size,
        "timeout": env_float("DATABASE_POOL_TIMEOUT", 5.0, minimum=0.1, maximum=600.0),
    }


def redis_url_from_environment() -> str:
    """REDIS_URL, or one built from REDIS_HOST/REDIS_PORT/REDIS_PASSWORD; empty if neither."""
    url = env_str("REDIS_URL")
    if url:
        parts = urlsplit(url)
        if parts.scheme not in {"redis", "rediss", "unix"}:
            raise ImproperlyConfigured(
                f"REDIS_URL {parts.scheme or '(no scheme)'!r} is malformed; "
                "use redis://[:password@]host:6379/0."
            )
        try:
            parts.port  # noqa: B018 - parsing the port is the check
        except ValueError:
            raise ImproperlyConfigured("REDIS_URL has a port that is not a number.") from None
        if parts.scheme != "unix" and not parts.hostname:
            raise ImproperlyConfigured(
                "REDIS_URL names no host; use redis://[:password@]host:6379/0."
            )
        db = parts.path.lstrip("/")
        if db and not db.isdigit():
            raise ImproperlyConfigured(f"REDIS_URL database {db!r} is not a number.")
        return url
    host = env_str("REDIS_HOST")
    if not host:
        return ""
    port = env_int("REDIS_PORT", 6379, minimum=1)
    password = env_str("REDIS_PASSWORD")
    auth = f":{password}@" if password else ""
    return f"redis://{auth}{host}:{port}/0"


# Django's own bar for a secret key (check --deploy, security.W009).
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE_CHARACTERS = 5
SECRET_KEY_HOWTO = 'generate one with: python -c "import secrets; print(secrets.token_urlsafe(50))"'


def refuse_development_key(name: str, value: str, development_keys: tuple[str, ...]) -> None:
    """With DEBUG off, a key written in the source code is no secret, whoever set it."""
    if value in development_keys:
        advice = (
            "; if tokens were stored under it, keep it in TOKEN_ENCRYPTION_OLD_KEYS until "
            "manage.py rotate_token_keys has run"
            if name == "TOKEN_ENCRYPTION_KEY"
            else ""
        )
        raise ImproperlyConfigured(
            f"{name} is a development key published in config/settings.py; set a key of "
            f"your own when DJANGO_DEBUG is off{advice}."
        )


def check_secret_key_strength(key: str) -> None:
    if len(key) < SECRET_KEY_MIN_LENGTH or len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS:
        raise ImproperlyConfigured(
            f"DJANGO_SECRET_KEY is too weak ({len(key)} characters, {len(set(key))} different; "
            f"at least {SECRET_KEY_MIN_LENGTH} and {SECRET_KEY_MIN_UNIQUE_CHARACTERS} needed); "
            f"{SECRET_KEY_HOWTO}"
        )
    if key.startswith("django-insecure-"):
        raise ImproperlyConfigured(
            f"DJANGO_SECRET_KEY is a key Django generated for development; {SECRET_KEY_HOWTO}"
        )


def check_token_key_strength(key: str) -> None:
    if len(key) < TOKEN_KEY_MIN_LENGTH:
        raise ImproperlyConfigured(
            f"TOKEN_ENCRYPTION_KEY is too weak ({len(key)} characters, at least "
            f"{TOKEN_KEY_MIN_LENGTH} needed); {TOKEN_KEY_HOWTO}"
        )


def env_rate(name: str, default: str) -> str:
    """A request rate such as ``1000/hour`` (per second, minute, hour or day)."""
    raw = env_str(name) or default
    count, _, period = raw.partition("/")
    if not count.isdigit() or period not in {"second", "minute", "hour", "day", "s", "m", "h", "d"}:
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not a rate; use a number per second, minute, hour or day, "
            "e.g. 1000/hour."
        )
    return raw


EMAIL_URL_HOWTO = (
    "use smtp://user:password@host:587?tls=1, smtps://user:password@host:465 or console://"
)
EMAIL_URL_SCHEMES = {"smtp", "smtps", "console"}


def email_from_url(url: str) -> dict:
    """Turn ``EMAIL_URL`` into Django's EMAIL_* settings.

    ``smtp://user:password@host:port`` (``?tls=1`` for STARTTLS), ``smtps://`` for
    TLS from the first byte, ``console://`` to write e-mails to the log. User and
    password are percent-decoded, so a password may hold any character.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in EMAIL_URL_SCHEMES:
        raise ImproperlyConfigured(
            f"EMAIL_URL scheme {parts.scheme or '(none)'!r} is not supported; {EMAIL_URL_HOWTO}."
        )
    if scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if not parts.hostname:
        raise ImproperlyConfigured(f"EMAIL_URL names no host; {EMAIL_URL_HOWTO}.")
    try:
        port = parts.port
    except ValueError:
        raise ImproperlyConfigured("EMAIL_URL has a port that is not a number.") from None
    options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    unknown = set(options) - {"tls", "timeout"}
    if unknown:
        raise ImproperlyConfigured(
            f"EMAIL_URL has unknown options {', '.join(sorted(unknown))}; only tls and timeout."
        )
    tls_word = options.get("tls", "0").strip().lower()
    if tls_word not in TRUE_WORDS | FALSE_WORDS:
        raise ImproperlyConfigured(f"EMAIL_URL tls={tls_word!r} is not a boolean; use tls=1.")
    use_tls = tls_word in TRUE_WORDS
    if use_tls and scheme == "smtps":
        raise ImproperlyConfigured(
            "EMAIL_URL asks for both smtps:// and tls=1; use one: smtps:// (port 465) or "
            "smtp://...?tls=1 (port 587)."
        )
    timeout = options.get("timeout", "10")
    if not timeout.isdigit() or int(timeout) < 1:
        raise ImproperlyConfigured(f"EMAIL_URL timeout={timeout!r} is not a number of seconds.")
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port or (465 if scheme == "smtps" else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": use_tls,
        "EMAIL_USE_SSL": scheme == "smtps",
        "EMAIL_TIMEOUT": int(timeout),
    }


def email_from_environment() -> dict:
    """The e-mail backend: EMAIL_URL, or EMAIL_HOST and its companions, or the console.

    The console backend writes each e-mail to the log: the embedded default, and
    what a server without SMTP settings does (a system check warns about it when
    DEBUG is off).
    """
    url = env_str("EMAIL_URL")
    host = env_str("EMAIL_HOST")
    if url and host:
        raise ImproperlyConfigured(
            "Both EMAIL_URL and EMAIL_HOST are set; use one way of configuring SMTP."
        )
    if url:
        return email_from_url(url)
    if not host:
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    use_tls = env_bool("EMAIL_USE_TLS", False)
    use_ssl = env_bool("EMAIL_USE_SSL", False)
    if use_tls and use_ssl:
        raise ImproperlyConfigured(
            "EMAIL_USE_TLS and EMAIL_USE_SSL are both on; use one (TLS: port 587, SSL: 465)."
        )
    port = env_int("EMAIL_PORT", 465 if use_ssl else 25, minimum=1)
    if port > 65535:
        raise ImproperlyConfigured(f"EMAIL_PORT={port} is not a port (1 to 65535).")
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": host,
        "EMAIL_PORT": port,
        "EMAIL_HOST_USER": env_str("EMAIL_HOST_USER"),
        "EMAIL_HOST_PASSWORD": env_str("EMAIL_HOST_PASSWORD"),
        "EMAIL_USE_TLS": use_tls,
        "EMAIL_USE_SSL": use_ssl,
        "EMAIL_TIMEOUT": env_int("EMAIL_TIMEOUT", 10, minimum=1),
    }


def env_email_address(name: str, default: str = "") -> str:
    """One address, bare or with a name: ``herald@example.com`` or ``Herald <herald@example.com>``."""
    raw = env_str(name, default)
    if raw and not looks_like_address(raw):
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not an e-mail address; use name@example.com or "
            "Name <name@example.com>."
        )
    return raw


def env_email_list(name: str) -> list[str]:
    """Comma-separated bare addresses."""
    addresses = env_list(name)
    for address in addresses:
        if not looks_like_address(address) or "<" in address:
            raise ImproperlyConfigured(
                f"{name} holds {address!r}, which is not an e-mail address; "
                "use a comma-separated list of name@example.com."
            )
    return addresses


def looks_like_address(value: str) -> bool:
    _, address = parseaddr(value)
    local, _, domain = address.rpartition("@")
    return bool(local and domain and " " not in address and "\n" not in value)
