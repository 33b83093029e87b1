"""The OpenAPI schema: valid, served with its docs offline, and true to the API (schemathesis)."""

import collections
import datetime as dt

import pytest
import schemathesis
from django.core import signals
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.tokens import issue_token
from content.choices import Status
from content.models import ContentMedia
from publishing.states import transition
from tests.api.conftest import scheduled
from tests.factories import IntegrationFactory

pytestmark = pytest.mark.django_db

CASES_PER_OPERATION = 30
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def test_schema_validates_without_warnings(tmp_path):
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml")
    )
    text = (tmp_path / "schema.yaml").read_text()
    assert "/api/v1/content/{id}/publish-now/" in text
    assert "Idempotency-Key" in text


def test_schema_and_docs_are_served_without_the_internet():
    client = APIClient()
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert set(schema.json()["paths"]) >= {
        "/api/v1/auth/token/",
        "/api/v1/auth/token/rotate/",
        "/api/v1/auth/logout/",
        "/api/v1/auth/logout-all/",
        "/api/v1/content/",
        "/api/v1/content/{id}/",
        "/api/v1/content/{id}/cancel/",
        "/api/v1/content/{id}/publish-now/",
        "/api/v1/content/{id}/retry/",
        "/api/v1/publications/",
        "/api/v1/publications/{id}/",
    }
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    page = docs.content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "cdn.jsdelivr.net" not in page


@pytest.fixture
def in_process_app():
    """The WSGI application, called in this thread and this test's transaction.

    Django's own test client does the same: connections are not closed at the
    end of each request, or the test's transaction would go with them.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def sample_data(alice):
    """Content in every interesting state, so generated requests meet real objects."""
    discord_account = IntegrationFactory(user=alice, provider="discord")
    paused_account = IntegrationFactory(user=alice, provider="twitter", status="paused")
    later = timezone.now() + dt.timedelta(days=3)
    waiting = scheduled(alice, platforms=("twitter", "discord"), when=later)
    sent = scheduled(alice, platforms=("twitter", "discord"), when=later)
    twitter = sent.publications.get(platform="twitter")
    for status in (Status.QUEUED, Status.PUBLISHING, Status.PUBLISHED):
        transition(twitter, status, reason="sample", permalink="https://x.com/a/status/1")
    discord = sent.publications.get(platform="discord")
    for status in (Status.QUEUED, Status.PUBLISHING, Status.FAILED):
        transition(discord, status, reason="sample", last_error="Discord answered 500")
    with_media = scheduled(alice, platforms=("discord",), when=later)
    ContentMedia.objects.create(
        content=with_media,
        file=SimpleUploadedFile("a.png", b"\x89PNG", content_type="image/png"),
        kind="image",
        mime_type="image/png",
        size_bytes=4,
    )
    contents = [waiting.pk, sent.pk, with_media.pk]
    publications = [p.pk for c in (waiting, sent, with_media) for p in c.publications.all()]
    integrations = [discord_account.pk, paused_account.pk]
    return {"content": contents, "publications": publications, "integrations": integrations}


@pytest.fixture
def platforms_unreachable(settings):
    """Revoking or entering tokens calls a platform: here a closed local port, never a real one."""
    closed = "http://127.0.0.1:9"
    settings.PLATFORM_BASE_URLS = dict.fromkeys(settings.PLATFORM_BASE_URLS, closed)


def platform_outage(response) -> bool:
    """The documented 503 for a platform that cannot be reached: not a server error."""
    if response.status_code != 503:
        return False
    return response.json().get("code") == "platform_unavailable"


def test_schemathesis_finds_no_server_error_and_no_schema_violation(
    alice, sample_data, in_process_app, platforms_unreachable, capsys
):
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", in_process_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    cases: collections.Counter = collections.Counter()
    statuses: collections.Counter = collections.Counter()
    failures: list[str] = []
    outages: collections.Counter = collections.Counter()

    def fuzz(operation):
        label = f"{operation.method.upper()} {operation.path}"
        kind = next((k for k in ("publications", "integrations") if k in operation.path), "content")
        real_ids = sample_data[kind]
        known_id = st.sampled_from([*real_ids, None]) if "{id}" in operation.path else st.none()

        @hypothesis_settings(
            max_examples=CASES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(), object_id=known_id)
        def run(case, object_id):
            if object_id is not None:
                case.path_parameters["id"] = object_id
            # A token of its own for each case: rotating and signing out revoke tokens.
            headers = {"Authorization": f"Token {issue_token(user=alice).token}"}
            response = case.call(headers=headers)
            cases[label] += 1
            statuses[response.status_code] += 1
            checks = CHECKS
            if platform_outage(response):  # documented: the platforms are a closed port here
                outages[label] += 1
                checks = [check for check in CHECKS if check is not not_a_server_error]
            try:
                case.validate_response(response, checks=checks, headers=headers)
            except (AssertionError, FailureGroup) as failure:  # keep it for the report
                failures.append(
                    f"{label} -> {response.status_code}: {failure}".split("Reproduce")[0]
                )

        run()

    for operation in operations:
        fuzz(operation)

    server_errors = sum(n for code, n in statuses.items() if code >= 500) - outages.total()
    with capsys.disabled():
        print(
            f"\nschemathesis: {sum(cases.values())} cases over {len(cases)} operations; "
            f"responses by status {dict(sorted(statuses.items()))}; "
            f"{server_errors} server errors; {len(failures)} check failures"
        )
        for failure in sorted(set(failures))[:20]:
            print(f"  {failure[:1500]}")
    assert len(cases) == len(operations) >= 20
    assert sum(cases.values()) >= 300
    assert server_errors == 0
    assert failures == []
    # Only connecting with tokens asks the platform while answering.
    assert set(outages) <= {"POST /api/v1/integrations/"}
