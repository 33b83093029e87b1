import pytest

from tests.publishing.fake_platform import FAKE

FAKE_MODULE = "tests.publishing.fake_platform"


@pytest.fixture(autouse=True)
def fake_platform(settings):
    """Every platform speaks to the fake, with short retry delays."""
    settings.PLATFORM_MODULES = dict.fromkeys(
        ("twitter", "discord", "instagram", "youtube"), FAKE_MODULE
    )
    FAKE.reset()
    yield FAKE
    FAKE.reset()


@pytest.fixture
def enqueued():
    """Collects the ids the tick hands to workers, instead of a broker."""
    ids: list[int] = []
    return ids
