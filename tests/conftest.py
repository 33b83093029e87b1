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


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def operator(db):
    return UserFactory(username="op", is_staff=True, is_superuser=True)
