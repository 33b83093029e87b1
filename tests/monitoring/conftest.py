import pytest
from prometheus_client.parser import text_string_to_metric_families

from monitoring import store
from tests.publishing.conftest import (  # noqa: F401 - the fake platform and the engine run
    drain,
    fake_platform,
)

URL = "/metrics"
TOKEN = "metrics-scrape-token-0123456789abcdef"


@pytest.fixture(autouse=True)
def metrics_token(settings):
    settings.METRICS_TOKEN = TOKEN


@pytest.fixture(autouse=True)
def fresh_store_warnings(monkeypatch):
    """Each test starts as a fresh process would: no store warning logged yet."""
    monkeypatch.setattr(store, "_last_warning_at", None)


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
