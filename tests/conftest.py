import pytest
from django.contrib.auth.models import Permission
from waffle.models import Switch

from flags.switches import ALL_SWITCH_NAMES
from platforms import http as platform_http
from platforms import registry
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def publishing_switches(request):
    """The switches the data migration creates, on.

    Transactional tests flush every table, migration data included, and a
    missing switch counts as off; each test starts from a fresh install.
    """
    if request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("db")
    for name in ALL_SWITCH_NAMES:
        Switch.objects.get_or_create(name=name, defaults={"active": True})


@pytest.fixture(autouse=True)
def fresh_rate_windows(settings):
    """Each test starts with no Redis rate windows.

    The database is the record of every slot; a Redis window left by another
    test (or an earlier run on a recreated database) would count slots the
    database no longer has. Deleting windows is always safe: they are rebuilt
    from the database.
    """
    if not settings.REDIS_URL:
        return
    from django_redis import get_redis_connection

    client = get_redis_connection("default")
    keys = list(client.scan_iter(match="herald:rate:*"))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Passwords hashed with MD5 in tests.

    Every user a factory makes, and every sign-in or token request, hashes a password:
    with the production hasher (PBKDF2, a million rounds) that is about 0.2 s each here,
    minutes over the suite. What a test checks never depends on the hasher.
    """
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def scheduling_horizon(settings):
    """Tests schedule at fixed dates years ahead: a ten-year horizon, unless a test sets its own."""
    settings.SCHEDULING_HORIZON_DAYS = 3650


@pytest.fixture(autouse=True)
def metrics_written_at_once(settings):
    """Each observation reaches the store at once, so a test reads what it just recorded.

    The buffer that adds them up between writes has its own tests (tests/monitoring).
    """
    settings.METRICS_FLUSH_SECONDS = 0


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def operator(db):
    return UserFactory(username="op", is_staff=True, is_superuser=True)


@pytest.fixture
def staff_client(client, operator):
    """A client signed in to the admin as a superuser."""
    client.force_login(operator)
    return client


@pytest.fixture
def steering_operator(db):
    """A staff operator (not a superuser) who may steer content and publications only."""
    user = UserFactory(username="steerer", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label__in=("content", "publishing"),
            codename__in=("view_content", "change_content", "add_content", "view_publication"),
        )
    )
    return user


@pytest.fixture
def tasks_queued_in_the_database(monkeypatch):
    """django-q2 queues to the database whatever the broker, so a test sees what was queued."""
    from django_q.brokers.orm import ORM
    from django_q.conf import Conf

    monkeypatch.setattr(
        "django_q.tasks.get_broker",
        lambda list_key=None: ORM(list_key=list_key or Conf.CLUSTER_NAME),
    )


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test starts with an empty cache.

    The sandbox keeps state in the cache (a deleted Discord webhook stays deleted, with no
    expiry, under an id derived from the account): on a Redis cache that state would outlive
    the test, and the run, and make the next run's connect flow fail.
    """
    from django.core.cache import cache

    cache.clear()


SANDBOX_CLIENTS = {
    "X_CLIENT_ID": "sandbox-x-client",
    "X_CLIENT_SECRET": "",
    "GOOGLE_CLIENT_ID": "sandbox-google-client",
    "GOOGLE_CLIENT_SECRET": "sandbox-google-secret",
    "INSTAGRAM_CLIENT_ID": "sandbox-ig-client",
    "INSTAGRAM_CLIENT_SECRET": "sandbox-ig-secret",
    "DISCORD_CLIENT_ID": "sandbox-discord-client",
    "DISCORD_CLIENT_SECRET": "sandbox-discord-secret",
}


@pytest.fixture
def sandbox(live_server, settings, tmp_path):
    """Herald and its platforms on the live test server: APIs, consent pages, media."""
    base = f"{live_server.url}/sandbox"
    settings.SITE_URL = live_server.url
    # Every registered platform's URLs, as the settings build them with the sandbox on.
    defaults = registry.settings_defaults(env=lambda name: "", sandbox_base=base)
    for name in ("PLATFORM_BASE_URLS", "PLATFORM_PERMALINK_BASES", "OAUTH_AUTHORIZE_URLS"):
        setattr(settings, name, defaults[name])
    for name, value in SANDBOX_CLIENTS.items():
        setattr(settings, name, value)
    settings.MEDIA_ROOT = tmp_path
    settings.PUBLIC_MEDIA_BASE_URL = f"{live_server.url}/media"
    yield live_server
    # The engine's kept-alive connections to the live server would otherwise hold one of
    # its request threads open until the interpreter exits.
    platform_http.session().close()
