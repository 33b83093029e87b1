"""Herald settings: every knob comes from the environment.

With nothing set, Herald runs embedded: SQLite, the local-memory cache, the
django-q2 ORM broker and the local platform sandbox. ``DATABASE_URL`` and
``REDIS_URL`` switch to PostgreSQL and Redis. The README lists every variable.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config.environment import (
    check_secret_key_strength,
    check_token_key_strength,
    database_from_url,
    email_from_environment,
    env_bool,
    env_durations,
    env_email_address,
    env_email_list,
    env_float,
    env_int,
    env_list,
    env_rate,
    env_seconds_list,
    env_str,
    redis_url_from_environment,
    refuse_development_key,
)
from platforms import registry as platform_registry

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", True)

# Production variables that have no safe default. A missing one is reported by
# the system check ``herald.E001`` (server/checks.py) rather than a traceback.
MISSING_PRODUCTION_VARIABLES: list[str] = []

DEVELOPMENT_SECRET_KEY = "herald-development-secret-key-do-not-use-in-production"
DEVELOPMENT_TOKEN_KEY = "herald-development-token-key-do-not-use-in-production"
DEVELOPMENT_KEYS = (DEVELOPMENT_SECRET_KEY, DEVELOPMENT_TOKEN_KEY)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if SECRET_KEY:
    if not DEBUG:
        refuse_development_key("DJANGO_SECRET_KEY", SECRET_KEY, DEVELOPMENT_KEYS)
        check_secret_key_strength(SECRET_KEY)
else:
    if not DEBUG:
        MISSING_PRODUCTION_VARIABLES.append("DJANGO_SECRET_KEY")
    SECRET_KEY = DEVELOPMENT_SECRET_KEY

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    if not DEBUG:
        MISSING_PRODUCTION_VARIABLES.append("DJANGO_ALLOWED_HOSTS")
    ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]", "testserver"]
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
# Reverse proxies in front of Herald that append to X-Forwarded-For (0: none, the
# connection's address is the client's). Sign-in lockout and throttles count by it.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
# ``manage.py serve --production`` runs gunicorn with WEB_CONCURRENCY processes of
# GUNICORN_THREADS threads each.
WEB_CONCURRENCY = env_int("WEB_CONCURRENCY", 2, minimum=1)
GUNICORN_THREADS = env_int("GUNICORN_THREADS", 8, minimum=1)

# --- Token encryption (django-fernet-fields-v2) --------------------------------
TOKEN_ENCRYPTION_KEY = env_str("TOKEN_ENCRYPTION_KEY")
if TOKEN_ENCRYPTION_KEY:
    if not DEBUG:
        refuse_development_key("TOKEN_ENCRYPTION_KEY", TOKEN_ENCRYPTION_KEY, DEVELOPMENT_KEYS)
        check_token_key_strength(TOKEN_ENCRYPTION_KEY)
else:
    if not DEBUG:
        MISSING_PRODUCTION_VARIABLES.append("TOKEN_ENCRYPTION_KEY")
    TOKEN_ENCRYPTION_KEY = DEVELOPMENT_TOKEN_KEY
# The first key encrypts; every key decrypts (MultiFernet), so old keys stay
# readable until ``manage.py rotate_token_keys`` has re-encrypted every row.
FERNET_KEYS = [TOKEN_ENCRYPTION_KEY, *env_list("TOKEN_ENCRYPTION_OLD_KEYS")]

# --- Applications ---------------------------------------------------------------
SANDBOX_ENABLED = env_bool("SANDBOX_ENABLED", DEBUG)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "axes",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "waffle",
    "server",
    "operator_admin",
    "accounts",
    "content",
    "entitlements",
    "integrations",
    "publishing",
    "flags",
    "notifications",
    "api",
    "monitoring",
    "webhooks",
    "composer",
    "planner",
    "analytics",
]
# The local emulation of the platforms: only when enabled is it installed (its models and
# admin), routed (config/urls.py) and the default for the platforms' base URLs (below).
if SANDBOX_ENABLED:
    INSTALLED_APPS.append("sandbox")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves the admin's static files itself, so any WSGI server will do (see STORAGES).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "waffle.middleware.WaffleMiddleware",
    # Last, as django-axes requires: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
# django-axes first: it refuses a locked-out client before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": database_from_url(DATABASE_URL)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH") or str(BASE_DIR / "db.sqlite3"),
            "OPTIONS": {
                # The web server and the cluster share the file: wait for the
                # lock instead of failing, and take it at BEGIN so two writers
                # never deadlock upgrading a read lock.
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Redis ----------------------------------------------------------------
REDIS_URL = redis_url_from_environment()
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 2,
                "SOCKET_TIMEOUT": 2,
                # A Redis outage must degrade the cache, not take the site down.
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- django-q2 ---------------------------------------------------------------------
# The database is the queue of record; the broker only rings the doorbell. A
# task the broker loses is found again by the next tick (its lease expires).
Q_CLUSTER = {
    "name": "herald",
    # Four workers: one runs the tick's polling loop; three publish batches, each on
    # PUBLISH_CONCURRENCY threads. More processes add memory (about 110 MiB each); more
    # sends at once come cheaper from threads (PUBLISH_BATCH_SIZE, PUBLISH_CONCURRENCY).
    "workers": env_int("Q_WORKERS", 4, minimum=2),
    # Recycle workers now and then (memory), but not so often that a burst
    # restarts all of them at once.
    "recycle": 5000,
    "timeout": env_int("Q_TIMEOUT", 300, minimum=10),
    "retry": env_int("Q_RETRY", 360, minimum=11),
    "max_attempts": 2,
    "save_limit": 1000,
    "queue_limit": 500,
    "poll": 0.2,
    "catch_up": False,
    "ack_failures": True,
    "label": "Task queue",
}
if REDIS_URL:
    Q_CLUSTER["django_redis"] = "default"
else:
    Q_CLUSTER["orm"] = "default"
if Q_CLUSTER["timeout"] >= Q_CLUSTER["retry"]:
    raise ImproperlyConfigured(
        f"Q_TIMEOUT ({Q_CLUSTER['timeout']}) must be below Q_RETRY ({Q_CLUSTER['retry']})."
    )

# --- Publishing engine --------------------------------------------------------------
# Publications one worker task claims, sends and records together.
PUBLISH_BATCH_SIZE = env_int("PUBLISH_BATCH_SIZE", 100, minimum=1)
PUBLISH_MAX_RETRIES = env_int("PUBLISH_MAX_RETRIES", 3, minimum=0)
PUBLISH_RETRY_DELAY = env_int("PUBLISH_RETRY_DELAY", 300, minimum=1)
PUBLISH_RETRY_BACKOFF = env_bool("PUBLISH_RETRY_BACKOFF", False)
PUBLISH_LEASE_SECONDS = env_int("PUBLISH_LEASE_SECONDS", 600, minimum=30)
# Platform calls one worker task makes at once (a thread each) for the batch it claimed.
# By default the whole batch at once: a task ends with its slowest post, so a pool
# smaller than the batch sends it in waves and holds its worker up to twice as long.
PUBLISH_CONCURRENCY = env_int("PUBLISH_CONCURRENCY", PUBLISH_BATCH_SIZE, minimum=1)
TICK_BUDGET_SECONDS = env_int("TICK_BUDGET_SECONDS", 75, minimum=0)
TICK_POLL_SECONDS = env_int("TICK_POLL_SECONDS", 1, minimum=1)
# A lease must outlive the task timeout: django-q2 kills a task at its timeout,
# so a lease that expired earlier would let a second worker in while the first
# still runs. The tick must end before its own timeout.
if PUBLISH_LEASE_SECONDS <= Q_CLUSTER["timeout"]:
    raise ImproperlyConfigured(
        f"PUBLISH_LEASE_SECONDS ({PUBLISH_LEASE_SECONDS}) must exceed Q_TIMEOUT ({Q_CLUSTER['timeout']})."
    )
if TICK_BUDGET_SECONDS >= Q_CLUSTER["timeout"]:
    raise ImproperlyConfigured(
        f"TICK_BUDGET_SECONDS ({TICK_BUDGET_SECONDS}) must be below Q_TIMEOUT ({Q_CLUSTER['timeout']})."
    )
# /health/ fails when the tick's heartbeat is older than this, or a due
# publication has waited longer than this (seconds). Below a minute they would
# flap: the tick is scheduled once a minute.
# How far ahead content may be scheduled, in days. No post waits years, and times near the
# end of the calendar cannot be shown in zones ahead of UTC.
SCHEDULING_HORIZON_DAYS = env_int("SCHEDULING_HORIZON_DAYS", 730, minimum=1)
if SCHEDULING_HORIZON_DAYS > 36_500:
    raise ImproperlyConfigured(
        f"SCHEDULING_HORIZON_DAYS ({SCHEDULING_HORIZON_DAYS}) must be at most 36500 (100 years)."
    )
HEALTH_MAX_TICK_AGE = env_int("HEALTH_MAX_TICK_AGE", 180, minimum=60)
# What "overdue" means, for /health/, /metrics and the dashboard alike: a due publication
# not picked up within this many seconds. HEALTH_MAX_OVERDUE is its former name.
PUBLISH_OVERDUE_AFTER = env_int(
    "PUBLISH_OVERDUE_AFTER", env_int("HEALTH_MAX_OVERDUE", 300, minimum=60), minimum=60
)
# /metrics accepts "Authorization: Bearer <METRICS_TOKEN>" (Prometheus) or a staff
# operator's session; empty turns token access off.
METRICS_TOKEN = env_str("METRICS_TOKEN")
# Each process writes its metrics' sums this often (monitoring/store.py); 0 writes each
# observation at once (the tests, which read what they just recorded).
METRICS_FLUSH_SECONDS = env_float("METRICS_FLUSH_SECONDS", 1.0, minimum=0.0, maximum=60.0)
# --- Platforms -------------------------------------------------------------------------
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
PUBLIC_MEDIA_BASE_URL = env_str("PUBLIC_MEDIA_BASE_URL").rstrip("/")
PLATFORM_HTTP_TIMEOUT = (
    env_int("PLATFORM_CONNECT_TIMEOUT", 5, minimum=1),
    env_int("PLATFORM_READ_TIMEOUT", 30, minimum=1),
)
_sandbox_base = f"{SITE_URL}/sandbox" if SANDBOX_ENABLED else ""
# Per platform, from its descriptor in platforms/ (and the environment variables it
# names): PLATFORM_BASE_URLS (X_API_BASE_URL, ...), PLATFORM_PERMALINK_BASES (the
# platforms, or the sandbox's pages for its posts), OAUTH_AUTHORIZE_URLS (the consent
# pages: X_AUTHORIZE_URL, ...), PLATFORM_RATE_LIMITS, OAUTH_CLIENT_SETTINGS and each
# OAuth client setting (X_CLIENT_ID, GOOGLE_CLIENT_SECRET, ...; empty means "not
# configured"; with the sandbox on, an unset client falls back to a sandbox client, so
# every connect flow runs offline against the sandbox's consent pages).
_platform_settings = platform_registry.settings_defaults(env=env_str, sandbox_base=_sandbox_base)
PLATFORM_BASE_URLS = _platform_settings.pop("PLATFORM_BASE_URLS")
PLATFORM_PERMALINK_BASES = _platform_settings.pop("PLATFORM_PERMALINK_BASES")
OAUTH_AUTHORIZE_URLS = _platform_settings.pop("OAUTH_AUTHORIZE_URLS")
OAUTH_CLIENT_SETTINGS = _platform_settings.pop("OAUTH_CLIENT_SETTINGS")
PLATFORM_RATE_LIMITS = _platform_settings.pop("PLATFORM_RATE_LIMITS")
globals().update(_platform_settings)  # the OAuth client settings, by their own names
# Per platform and per account: (posts, window in seconds). Override any entry
# with PLATFORM_RATE_LIMITS="twitter=300/10800,discord=50/3600".
for _entry in env_list("PLATFORM_RATE_LIMITS"):
    try:
        _platform, _limit = _entry.split("=")
        _count, _window = _limit.split("/")
        if _platform.strip() not in PLATFORM_RATE_LIMITS:
            raise ValueError
        PLATFORM_RATE_LIMITS[_platform.strip()] = (int(_count), int(_window))
    except ValueError:
        raise ImproperlyConfigured(
            f"PLATFORM_RATE_LIMITS entry {_entry!r} is malformed; use platform=count/seconds "
            f"with platform one of {', '.join(PLATFORM_RATE_LIMITS)}."
        ) from None
# Herald counts each window this many seconds longer than the platform does: a slot is
# counted from the claim, and the request leaves a little later (one account's posts in a
# batch go one after another), so the platform sees the arrivals a little later too.
RATE_LIMIT_MARGIN_SECONDS = env_int("RATE_LIMIT_MARGIN_SECONDS", 5, minimum=0)
# A platform's client module by platform value; empty: the registry's. Tests and the
# bench swap in fakes here.
PLATFORM_MODULES: dict[str, str] = {}
PLATFORM_USER_AGENT = "Herald/0.1"
# How long a started connect flow may take before its state is refused.
OAUTH_STATE_MAX_AGE = env_int("OAUTH_STATE_MAX_AGE", 900, minimum=60)
# The daily integration check flags tokens that expire within this many days.
INTEGRATION_EXPIRY_WARNING_DAYS = env_int("INTEGRATION_EXPIRY_WARNING_DAYS", 7, minimum=1)

# --- Webhooks for client apps ------------------------------------------------------
# Endpoints at loopback or private addresses, and plain http to localhost: development only.
WEBHOOK_ALLOW_LOCAL_URLS = env_bool("WEBHOOK_ALLOW_LOCAL_URLS", DEBUG)
WEBHOOK_CONNECT_TIMEOUT = env_int("WEBHOOK_CONNECT_TIMEOUT", 5, minimum=1)
WEBHOOK_READ_TIMEOUT = env_int("WEBHOOK_READ_TIMEOUT", 15, minimum=1)
# Seconds before each retry (jittered by a tenth): about a day in all.
WEBHOOK_RETRY_SCHEDULE = env_seconds_list(
    "WEBHOOK_RETRY_SCHEDULE", "5,300,1800,7200,18000,36000,36000"
)
WEBHOOK_DISABLE_AFTER_DAYS = env_int("WEBHOOK_DISABLE_AFTER_DAYS", 5, minimum=1)
WEBHOOK_DELIVERY_THREADS = env_int("WEBHOOK_DELIVERY_THREADS", 32, minimum=1)
WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT = env_int("WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT", 8, minimum=1)
WEBHOOK_DISPATCH_BUDGET_SECONDS = env_int("WEBHOOK_DISPATCH_BUDGET_SECONDS", 60, minimum=1)
WEBHOOK_DELIVERY_RETENTION_DAYS = env_int("WEBHOOK_DELIVERY_RETENTION_DAYS", 30, minimum=1)
if (
    WEBHOOK_DISPATCH_BUDGET_SECONDS + WEBHOOK_CONNECT_TIMEOUT + WEBHOOK_READ_TIMEOUT
    >= Q_CLUSTER["timeout"]
):
    raise ImproperlyConfigured(
        "WEBHOOK_DISPATCH_BUDGET_SECONDS + WEBHOOK_CONNECT_TIMEOUT + WEBHOOK_READ_TIMEOUT must "
        f"stay below Q_TIMEOUT ({Q_CLUSTER['timeout']})."
    )
# --- History and retention -----------------------------------------------------------
# Audit events and delivered-message logs older than this many days are pruned daily
# (manage.py prune_history; publishing/retention.py says what is always kept).
HISTORY_RETENTION_DAYS = env_int("HISTORY_RETENTION_DAYS", 400, minimum=1)
# Rows per DELETE statement: short statements, short locks.
HISTORY_PRUNE_BATCH_SIZE = env_int("HISTORY_PRUNE_BATCH_SIZE", 5000, minimum=1)
# The daily run stops between batches after this long; the next run goes on from there.
HISTORY_PRUNE_BUDGET_SECONDS = env_int("HISTORY_PRUNE_BUDGET_SECONDS", 120, minimum=1)
if HISTORY_PRUNE_BUDGET_SECONDS + 30 >= Q_CLUSTER["timeout"]:
    raise ImproperlyConfigured(
        f"HISTORY_PRUNE_BUDGET_SECONDS ({HISTORY_PRUNE_BUDGET_SECONDS}) + 30 must stay below "
        f"Q_TIMEOUT ({Q_CLUSTER['timeout']}): one batch may still run when the budget ends."
    )

# Analytics: a snapshot of each published post's numbers at these ages (after published_at).
ANALYTICS_SNAPSHOT_AGES = env_durations("ANALYTICS_SNAPSHOT_AGES", "1h,24h,7d,30d")
# The share of each account's read allowance (what the platform allows less what
# publishing may need) that the collector uses: the rest is left as headroom.
ANALYTICS_RATE_SHARE = env_float("ANALYTICS_RATE_SHARE", 0.5, minimum=0.01, maximum=1.0)
# How long the collector keeps asking in one run, and how often the Schedule runs it.
ANALYTICS_RUN_BUDGET_SECONDS = env_int(
    "ANALYTICS_RUN_BUDGET_SECONDS", Q_CLUSTER["timeout"] // 2, minimum=1
)
# After an error that is neither a rate limit nor a quota, an account waits this long.
ANALYTICS_ERROR_BACKOFF_SECONDS = env_int("ANALYTICS_ERROR_BACKOFF_SECONDS", 900, minimum=1)
if ANALYTICS_RUN_BUDGET_SECONDS >= Q_CLUSTER["timeout"]:
    raise ImproperlyConfigured(
        f"ANALYTICS_RUN_BUDGET_SECONDS must stay below Q_TIMEOUT ({Q_CLUSTER['timeout']})."
    )

# The sandbox's simulated latency and random transient failure rate.
SANDBOX_LATENCY_MS = env_int("SANDBOX_LATENCY_MS", 0, minimum=0)
SANDBOX_FAILURE_RATE = env_float("SANDBOX_FAILURE_RATE", 0.0, minimum=0.0, maximum=1.0)

# --- E-mail and notifications ----------------------------------------------------------
# EMAIL_URL, or EMAIL_HOST/EMAIL_PORT/EMAIL_HOST_USER/EMAIL_HOST_PASSWORD/EMAIL_USE_TLS;
# with neither, e-mails are written to the console (the embedded default).
_email = email_from_environment()
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = _email.get("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_email_address("DEFAULT_FROM_EMAIL", "Herald <herald@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Operators are told about posts in doubt, a dead scheduler and disabled webhook endpoints:
# these addresses, and the active staff users of the group HERALD_OPERATOR_GROUP.
HERALD_OPERATOR_EMAILS = env_email_list("HERALD_OPERATOR_EMAILS")
HERALD_OPERATOR_GROUP = env_str("HERALD_OPERATOR_GROUP", "Operators")
# A recipient's notices are collected this many seconds after the first one, then sent
# as one e-mail: a burst of failures is one message, not hundreds.
NOTIFY_DIGEST_SECONDS = env_int("NOTIFY_DIGEST_SECONDS", 60, minimum=0)
if NOTIFY_DIGEST_SECONDS > 3600:
    raise ImproperlyConfigured(
        f"NOTIFY_DIGEST_SECONDS ({NOTIFY_DIGEST_SECONDS}) must be at most 3600; "
        "a user who wants one e-mail a day turns on the daily digest."
    )
# Sent notices are kept this many days (the admin shows them), then deleted by the sweep.
NOTIFY_KEEP_DAYS = env_int("NOTIFY_KEEP_DAYS", 90, minimum=1)
# The hour (0-23, in each user's time zone) the daily digest goes out.
NOTIFY_DAILY_DIGEST_HOUR = env_int("NOTIFY_DAILY_DIGEST_HOUR", 8, minimum=0)
if NOTIFY_DAILY_DIGEST_HOUR > 23:
    raise ImproperlyConfigured(
        f"NOTIFY_DAILY_DIGEST_HOUR ({NOTIFY_DAILY_DIGEST_HOUR}) must be between 0 and 23."
    )

# --- REST API ------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "api.errors.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.UserThrottle", "api.throttling.AnonThrottle"],
    # The client address for the anonymous throttle: X-Forwarded-For only as far as it is trusted.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    # JSON with bounded nesting, in valid Unicode: hostile JSON is a 400, never a 500.
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
# Requests per client: per user when authenticated, per IP address otherwise.
API_THROTTLE_USER = env_rate("API_THROTTLE_USER", "1000/hour")
API_THROTTLE_ANON = env_rate("API_THROTTLE_ANON", "60/hour")
# API tokens (django-rest-knox): stored as digests, valid API_TOKEN_TTL_HOURS; a user's
# oldest tokens are revoked beyond API_TOKEN_LIMIT_PER_USER.
KNOX_TOKEN_MODEL = "api.APIToken"
# knox's own migrations would create a table for its default model although it is swapped
# out: unused, and its foreign key to users makes PostgreSQL refuse to flush the user table.
MIGRATION_MODULES = {"knox": None}
API_TOKEN_LIMIT_PER_USER = env_int("API_TOKEN_LIMIT_PER_USER", 10, minimum=1)
REST_KNOX = {
    "TOKEN_TTL": dt.timedelta(hours=env_int("API_TOKEN_TTL_HOURS", 30 * 24, minimum=1)),
    "AUTH_HEADER_PREFIX": "Token",
}
# Sign-in lockout (django-axes), for the admin login and POST /api/v1/auth/token/ alike:
# LOGIN_FAILURE_LIMIT failures for one username, or from one address, lock both out
# for LOGIN_LOCKOUT_MINUTES (counted from the latest failure), the right password included.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10, minimum=1)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_ip_address"
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "csrfmiddlewaretoken"]
AXES_VERBOSE = False  # no start-up banner; its log lines stay masked either way
SPECTACULAR_SETTINGS = {
    "TITLE": "Herald API",
    "DESCRIPTION": "Schedule content and follow its publication to "
    + ", ".join(label for _, label in platform_registry.choices())
    + ".",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "content.choices.Status",
        "PlatformEnum": "platforms.registry.choices",
        "LimitNameEnum": "api.serializers.fields.LIMIT_NAMES",
    },
}

# --- Internationalisation, static and media files ------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "staticfiles")
# With DEBUG off, whitenoise serves what collectstatic wrote to STATIC_ROOT: compressed,
# and under hashed names cached for a year. That manifest exists only after
# collectstatic, so with DEBUG on (and in the tests) the files come from the apps.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or BASE_DIR / "media")
MAX_UPLOAD_BYTES = env_int("MAX_UPLOAD_BYTES", 512 * 1024 * 1024, minimum=1)
# The media one user's content may hold in all (0: no media at all).
MEDIA_QUOTA_BYTES_PER_USER = env_int("MEDIA_QUOTA_BYTES_PER_USER", 5 * 1024**3, minimum=0)

# --- Plans ----------------------------------------------------------------------------
# The plan of every user without an entitlement in force (entitlements app). A data
# migration creates it, unlimited but for the API rate (API_THROTTLE_USER); edit its
# limits in the admin. Renaming it there makes another plan the default only if this
# setting names it.
DEFAULT_PLAN = env_str("DEFAULT_PLAN", "Standard")

# --- Security -------------------------------------------------------------------------
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
# Trust X-Forwarded-Proto only behind a proxy that sets it and drops the client's own:
# otherwise any client could claim HTTPS over plain HTTP and skip the redirect.
if env_bool("DJANGO_TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Load balancers probe over plain HTTP; a redirect would count as healthy.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS: list[str] = []

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"redact_secrets": {"()": "integrations.redaction.RedactSecretsFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

_development_keys = [
    name
    for name, value in (
        ("DJANGO_SECRET_KEY", SECRET_KEY),
        ("TOKEN_ENCRYPTION_KEY", TOKEN_ENCRYPTION_KEY),
    )
    if value in (DEVELOPMENT_SECRET_KEY, DEVELOPMENT_TOKEN_KEY)
]
if DEBUG and _development_keys and "pytest" not in sys.modules:
    sys.stderr.write(
        f"Warning: {' and '.join(_development_keys)} not set; using development keys. "
        "Never run this in production.\n"
    )
