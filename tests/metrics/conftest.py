import pytest
from prometheus_client.parser import text_string_to_metric_families

from metrics import store
from publishing import engine
from tests.publishing.conftest import fake_platform  # noqa: F401 - every platform speaks to the fake

URL = "/metrics"
TOKEN = "metrics-scrape-token-0123456789abcdef"


@pytest.fixture(autouse=True)
def metrics_token(settings):
    settings.METRICS_TOKEN = TOKEN


@pytest.fixture(autouse=True)
def fresh_store_warnings(monkeypatch):
    """Each test starts as a fresh process would: no store warning logged yet."""
    monkeypatch.setattr(store, "_last_warning_at", None)


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


class Scrape:
    """What Prometheus sees: the families of one response, parsed."""

    def __init__(self, text: str):
        self.text = text
        self.families = {family.name: family for family in text_string_to_metric_families(text)}

    def value(self, sample_name: str, **labels: str) -> float:
        """The one sample named ``sample_name`` with exactly ``labels``."""
        matches = [
            sample.value
            for family in self.families.values()
            for sample in family.samples
            if sample.name == sample_name and sample.labels == labels
        ]
        assert len(matches) == 1, f"{sample_name}{labels}: {len(matches)} samples"
        return matches[0]

    def samples(self, sample_name: str) -> list:
        return [
            sample
            for family in self.families.values()
            for sample in family.samples
            if sample.name == sample_name
        ]


@pytest.fixture
def scrape(client):
    def run() -> Scrape:
        response = client.get(URL, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert response.status_code == 200, response.content
        return Scrape(response.content.decode())

    return run
