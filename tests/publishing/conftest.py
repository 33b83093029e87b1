import pytest

from platforms import registry
from publishing import engine
from tests.publishing.fake_platform import FAKE

FAKE_MODULE = "tests.publishing.fake_platform"


@pytest.fixture(autouse=True)
def fake_platform(settings):
    """Every platform speaks to the fake, with short retry delays."""
    settings.PLATFORM_MODULES = dict.fromkeys(registry.values(), FAKE_MODULE)
    FAKE.reset()
    yield FAKE
    FAKE.reset()


@pytest.fixture
def enqueued():
    """Collects the ids the tick hands to workers, instead of a broker."""
    ids: list[int] = []
    return ids


@pytest.fixture
def drain(django_capture_on_commit_callbacks):
    """Run ticks and the workers they feed until nothing is left, committing as a worker does.

    The test's own transaction never commits, so the on-commit callbacks (the
    doorbell, the metrics recorded inside transactions) are run explicitly.
    """

    def run(rounds: int = 10) -> list[str]:
        outcomes = []
        for _ in range(rounds):
            handed: list[int] = []
            with django_capture_on_commit_callbacks(execute=True):
                engine.tick(budget_seconds=0, enqueue=handed.append)
            if not handed:
                break
            for pk in sorted(handed):  # a fixed order, for the fake platform's script
                with django_capture_on_commit_callbacks(execute=True):
                    outcomes.append(engine.publish_one(pk))
        return outcomes

    return run
