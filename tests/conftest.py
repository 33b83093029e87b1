import pytest
from waffle.models import Switch

from flags.switches import ALL_SWITCH_NAMES
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


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def operator(db):
    return UserFactory(username="op", is_staff=True, is_superuser=True)


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test starts with an empty cache.

    The sandbox keeps state in the cache (a deleted Discord webhook stays deleted, with no
    expiry, under an id derived from the account): on a Redis cache that state would outlive
    the test, and the run, and make the next run's connect flow fail.
    """
    from django.core.cache import cache

    cache.clear()
