"""The OpenAPI schema: valid, served with its docs offline, and true to the API (schemathesis)."""

import collections
import datetime as dt

import pytest
import schemathesis
import werkzeug.test
from django.core import signals
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from rest_framework.test import APIClient
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core import NOT_SET
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.tokens import issue_token
from content.choices import Status
from content.models import ContentMedia
from entitlements.models import Plan
from entitlements.services import set_plan
from publishing.states import transition
from tests.api.conftest import scheduled
from tests.factories import IntegrationFactory
from tests.operators import make_in_doubt
from webhooks.services import create_endpoint, send_test, update_endpoint

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
        "/api/v1/publications/{id}/settle/",
        "/api/v1/webhooks/",
        "/api/v1/webhooks/{id}/",
        "/api/v1/webhooks/{id}/rotate-secret/",
        "/api/v1/webhooks/{id}/test/",
        "/api/v1/webhooks/{id}/deliveries/",
        "/api/v1/webhooks/{id}/resend/",
        "/api/v1/webhooks/{id}/replay/",
        "/api/v1/publications/{id}/metrics/",
        "/api/v1/analytics/",
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
    # In doubt, so that settling them can succeed (each once; then 409 not_in_doubt).
    doubtful = [
        make_in_doubt(scheduled(alice, platforms=("discord",), when=later).publications.get())
        for _ in range(3)
    ]
    contents = [waiting.pk, sent.pk, with_media.pk, doubtful[0].content_id]
    # First: the hostile phase aims at the first id, and content in doubt cannot be deleted.
    publications = [p.pk for p in doubtful]
    publications += [p.pk for c in (waiting, sent, with_media) for p in c.publications.all()]
    integrations = [discord_account.pk, paused_account.pk]
    # Endpoints at a closed local port: nothing is delivered while fuzzing (no dispatcher runs).
    endpoint, _ = create_endpoint(owner=alice, url="http://127.0.0.1:9/hook", events=["*"])
    send_test(endpoint)
    disabled, _ = create_endpoint(owner=alice, url="http://localhost:9/off", events=["*"])
    update_endpoint(disabled, is_active=False)
    webhooks = [endpoint.pk, disabled.pk]
    return {
        "content": contents,
        "publications": publications,
        "integrations": integrations,
        "webhooks": webhooks,
    }


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


class Fuzzing:
    """Sends cases to the API and keeps the score: cases per phase and operation, answers
    by status, platform outages, and every failed check."""

    def __init__(self, user, sample_data: dict):
        self.user, self.sample_data = user, sample_data
        self.cases: collections.Counter = collections.Counter()
        self.statuses: collections.Counter = collections.Counter()
        self.outages: collections.Counter = collections.Counter()
        self.failures: list[str] = []
        self.answers: collections.Counter = collections.Counter()

    def auth_headers(self) -> dict:
        """A token of its own for each case: rotating and signing out revoke tokens."""
        return {"Authorization": f"Token {issue_token(user=self.user).token}"}

    def object_ids(self, operation) -> list[int]:
        kinds = ("publications", "integrations", "webhooks")
        return self.sample_data[next((k for k in kinds if k in operation.path), "content")]

    def send(self, phase: str, case, checks, headers: dict | None = None) -> None:
        label = f"{case.operation.method.upper()} {case.operation.path}"
        headers = {**self.auth_headers(), **(headers or {})}
        response = case.call(headers=headers)
        self.record(phase, label, response.status_code)
        if platform_outage(response):  # documented: the platforms are a closed port here
            self.outages[label] += 1
            checks = [check for check in checks if check is not not_a_server_error]
        try:
            case.validate_response(response, checks=checks, headers=headers)
        except (AssertionError, FailureGroup) as failure:  # keep it for the report
            self.failures.append(
                f"{phase} {label} -> {response.status_code}: {failure}".split("Reproduce")[0]
            )

    def record(self, phase: str, label: str, status: int) -> None:
        self.cases[phase, label] += 1
        self.statuses[status] += 1
        self.answers[phase, label, status] += 1

    def generated(self, phase: str, operation, mode, examples: int, checks) -> None:
        """``examples`` generated cases (positive or negative data) for ``operation``."""
        ids = self.object_ids(operation)
        known_id = st.sampled_from([*ids, None]) if "{id}" in operation.path else st.none()

        @hypothesis_settings(
            max_examples=examples,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode), object_id=known_id)
        def run(case, object_id):
            if object_id is not None:
                case.path_parameters["id"] = object_id
            self.send(phase, case, checks)

        try:
            run()
        except Unsatisfiable:
            # Nothing of the request can be made invalid: an operation without parameters
            # or body (e.g. GET providers; the auth header is not negated) has no negative
            # cases.
            assert mode == GenerationMode.NEGATIVE, operation
            assert not (operation.path_parameters or operation.query or operation.body), operation

    def server_errors(self) -> int:
        return sum(n for code, n in self.statuses.items() if code >= 500) - self.outages.total()

    def phase_cases(self, phase: str) -> int:
        return sum(n for (name, _), n in self.cases.items() if name == phase)


# Values no client should send, in every field and parameter: the ends of the calendar,
# offsets at the limit, odd characters, NUL bytes, numbers out of every range.
HOSTILE_VALUES = [
    "9999-12-31T23:59:59Z",
    "9999-12-31T23:00:00",
    "9999-12-31T23:59:59.999999-23:59",
    "0001-01-01T00:00:00",
    "0001-01-01T00:00:00+23:59",
    "2030-06-01T12:00:00+23:59",
    "2030-06-01T12:00:00-23:59",
    "10000-01-01T00:00:00Z",
    "\x00",
    "nul\x00byte",
    "\u202e\ufeff\U0001f600\u0301 \u00a0\u2028",
    "%00%ff../..\\<script>",
    "9" * 400,
    2**64,
    -(2**63) - 1,
    1e308,
]
HOSTILE_KEYS = ["\x00", "\u202e\U0001f600", "a" * 300, "Ключ"]


def schema_properties(raw_schema: dict, operation) -> list[str]:
    """The property names of the operation's JSON request body (none without one)."""
    content = operation.definition.raw.get("requestBody", {}).get("content", {})
    body = content.get("application/json", {}).get("schema", {})
    if "$ref" in body:
        body = raw_schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    return list(body.get("properties", {}))


def hostile_cases(raw_schema: dict, operation, object_ids: list[int]):
    """Every hostile value in every query parameter and body property at once, with a
    real object and with the value as the object's id."""
    query_names = [parameter.name for parameter in operation.query]
    properties = schema_properties(raw_schema, operation)
    for value in HOSTILE_VALUES:
        ids = [object_ids[0], str(value)] if "{id}" in operation.path else [None]
        for object_id in ids:
            yield operation.Case(
                path_parameters={"id": object_id} if object_id is not None else None,
                query=dict.fromkeys(query_names, value) if query_names else None,
                body=dict.fromkeys(properties, value) if properties else NOT_SET,
                media_type="application/json" if properties else None,
            )


def deep_json(depth: int) -> str:
    return '{"body": ' + "[" * depth + "]" * depth + "}"


def test_schemathesis_finds_no_server_error_and_no_schema_violation(
    alice, sample_data, in_process_app, platforms_unreachable, capsys
):
    """Every operation the schema lists at run time, in three phases: data that fits the
    schema, data that breaks it (negative mode), and explicit hostile values."""
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", in_process_app)
    raw_schema = schema.raw_schema
    operations = [result.ok() for result in schema.get_all_operations()]
    fuzzing = Fuzzing(alice, sample_data)

    for operation in operations:
        fuzzing.generated(
            "positive", operation, GenerationMode.POSITIVE, CASES_PER_OPERATION, CHECKS
        )
    for operation in operations:
        fuzzing.generated(
            "negative", operation, GenerationMode.NEGATIVE, CASES_PER_OPERATION, CHECKS
        )
    # Raw bodies go to the same in-process application (Django's test client would put back
    # the connection-closing signal handlers the fixture took away).
    client = werkzeug.test.Client(in_process_app)
    for operation in operations:
        label = f"{operation.method.upper()} {operation.path}"
        for case in hostile_cases(raw_schema, operation, fuzzing.object_ids(operation)):
            fuzzing.send("hostile", case, CHECKS)
        if operation.method.upper() == "POST":
            for key in HOSTILE_KEYS:
                case = next(hostile_cases(raw_schema, operation, fuzzing.object_ids(operation)))
                fuzzing.send("hostile", case, CHECKS, headers={"Idempotency-Key": key})
        # Bodies no generator builds: nested past any recursion limit, or not UTF-8.
        path = operation.path.replace("{id}", str(fuzzing.object_ids(operation)[0]))
        for raw, content_type in (
            (deep_json(5000), "application/json"),
            (b'{"body": "\xff\xfe\x00"}', "application/json"),
            (
                b'--x\r\nContent-Disposition: form-data; name="options"\r\n\r\n'
                + b"[" * 5000
                + b"\r\n--x--\r\n",
                "multipart/form-data; boundary=x",
            ),
        ):
            answer = client.open(
                path,
                method=operation.method.upper(),
                data=raw,
                content_type=content_type,
                headers=fuzzing.auth_headers(),
            )
            fuzzing.record("hostile", label, answer.status_code)
            assert answer.status_code < 500, (label, raw[:40])

    # A plan with no post left this month and a one-byte media limit: the scheduling
    # operations answer its 403, and the answers must match the schema too.
    # (The fuzzing may have deleted the sample content: a post of its own to move.)
    waiting = scheduled(alice, when=timezone.now() + dt.timedelta(days=3))
    set_plan(alice, Plan.objects.create(name="Tight", posts_per_month=0, max_media_bytes=1))
    limited = [
        operation
        for operation in operations
        if (
            operation.path in ("/api/v1/content/", "/api/v1/content/{id}/")
            and operation.method.upper() in ("POST", "PUT", "PATCH")
        )
        or operation.path == "/api/v1/content/{id}/publish-now/"
    ]
    for operation in limited:
        fuzzing.generated(
            "limited", operation, GenerationMode.POSITIVE, CASES_PER_OPERATION, CHECKS
        )
        if operation.method.upper() in ("PUT", "PATCH"):
            # Random times rarely land before the horizon: move the waiting post a year on.
            later = (timezone.now() + dt.timedelta(days=400)).isoformat()
            case = operation.Case(
                path_parameters={"id": waiting.pk},
                body={"scheduled_for": later},
                media_type="application/json",
            )
            fuzzing.send("limited", case, CHECKS)

    with capsys.disabled():
        print(
            f"\nschemathesis: {sum(fuzzing.cases.values())} cases over {len(operations)} "
            f"operations (positive {fuzzing.phase_cases('positive')}, negative "
            f"{fuzzing.phase_cases('negative')}, hostile {fuzzing.phase_cases('hostile')}, "
            f"on a tight plan {fuzzing.phase_cases('limited')}); "
            f"responses by status {dict(sorted(fuzzing.statuses.items()))}; "
            f"{fuzzing.server_errors()} server errors; {len(fuzzing.failures)} check failures"
        )
        for failure in sorted(set(fuzzing.failures))[:20]:
            print(f"  {failure[:1500]}")
    covered = {label for _, label in fuzzing.cases}
    assert len(covered) == len(operations) >= 22
    # /me/ is read, and its time zone changed, by valid requests, and refused otherwise.
    assert fuzzing.answers["positive", "GET /api/v1/me/", 200] >= 1
    assert fuzzing.answers["positive", "PATCH /api/v1/me/", 200] >= 1
    assert fuzzing.answers["negative", "PATCH /api/v1/me/", 400] >= 1
    # The plan's refusals were met, on creating content and on moving it to another month.
    assert len(limited) == 4
    assert fuzzing.answers["limited", "POST /api/v1/content/", 403] >= 1
    assert fuzzing.answers["limited", "PATCH /api/v1/content/{id}/", 403] >= 1
    assert fuzzing.answers["limited", "PUT /api/v1/content/{id}/", 403] >= 1
    assert fuzzing.phase_cases("positive") >= 300
    assert fuzzing.phase_cases("negative") >= 300
    assert sum(fuzzing.cases.values()) >= 1000
    assert fuzzing.server_errors() == 0
    assert fuzzing.failures == []
    # Only connecting with tokens asks the platform while answering.
    assert set(fuzzing.outages) <= {"POST /api/v1/integrations/"}
