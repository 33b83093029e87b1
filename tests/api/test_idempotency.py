"""Idempotency-Key on POST: replay, mismatch, expiry, in-flight requests."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from api.models import IdempotencyRecord
from content.choices import Status
from content.models import Content
from publishing.models import PublicationEvent
from tests.api.conftest import client_for, scheduled, soon

pytestmark = pytest.mark.django_db


def create(api, key, **fields):
    data = {"body": "Hi", "scheduled_for": "2031-05-01T09:30:00Z", "targets": ["twitter"]}
    return api.post("/api/v1/content/", {**data, **fields}, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_same_key_and_body_returns_the_first_response_and_creates_nothing(api):
    first = create(api, "key-1")
    again = create(api, "key-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Content.objects.count() == 1
    assert IdempotencyRecord.objects.get().response_status == 201


def test_same_key_with_a_different_body_is_a_422(api):
    create(api, "key-1")
    answer = create(api, "key-1", body="Something else")
    assert answer.status_code == 422
    assert answer.json()["code"] == "idempotency_key_reused"
    assert "used in the last 24 hours for a different request" in answer.json()["message"]
    assert Content.objects.count() == 1


def test_same_key_on_another_path_is_a_422(api, alice):
    content = scheduled(alice)
    create(api, "key-1")
    answer = api.post(f"/api/v1/content/{content.pk}/cancel/", HTTP_IDEMPOTENCY_KEY="key-1")
    assert answer.status_code == 422
    content.refresh_from_db()
    assert content.status == Status.SCHEDULED


def test_keys_belong_to_one_user(api, bob):
    create(api, "shared")
    answer = create(client_for(bob), "shared")
    assert answer.status_code == 201
    assert Content.objects.count() == 2


def test_an_expired_key_starts_a_new_request(api):
    create(api, "key-1")
    IdempotencyRecord.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))
    answer = create(api, "key-1")
    assert answer.status_code == 201
    assert "Idempotent-Replayed" not in answer
    assert Content.objects.count() == 2
    assert IdempotencyRecord.objects.count() == 1


def test_a_request_in_flight_answers_409_and_creates_nothing(api):
    assert create(api, "busy").status_code == 201
    # As if the first request were still running: its answer is not recorded yet.
    IdempotencyRecord.objects.update(response_status=None, response_body="")
    answer = create(api, "busy")
    assert answer.status_code == 409
    assert answer.json()["code"] == "idempotency_key_in_progress"
    assert answer.json()["message"] == (
        "A request with this Idempotency-Key is in progress; retry once it has completed."
    )
    assert Content.objects.count() == 1


def test_a_concurrent_claim_of_the_same_key_loses_to_the_unique_constraint(alice, monkeypatch):
    from django.test import RequestFactory
    from rest_framework.parsers import JSONParser
    from rest_framework.request import Request

    from api.errors import Conflict
    from api.idempotency import begin, request_fingerprint

    request = Request(
        RequestFactory().post("/api/v1/content/", {}, content_type="application/json"),
        parsers=[JSONParser()],
    )
    request.user = alice
    # The other request inserted its row after this one looked and found nothing.
    IdempotencyRecord.objects.create(
        user=alice,
        key="race",
        method="POST",
        path="/api/v1/content/",
        fingerprint=request_fingerprint(request),
    )
    manager, lookups = IdempotencyRecord.objects, []
    original = manager.filter

    def first_lookup_misses(*args, **kwargs):
        lookups.append(kwargs)
        found = original(*args, **kwargs)
        return found.none() if len(lookups) == 1 else found

    monkeypatch.setattr(manager, "filter", first_lookup_misses)
    with pytest.raises(Conflict) as raised:
        begin(request, "race")
    assert raised.value.get_codes() == "idempotency_key_in_progress"
    assert len(lookups) == 2
    monkeypatch.undo()
    assert IdempotencyRecord.objects.filter(key="race").count() == 1


def test_errors_are_replayed_too(api):
    first = create(api, "bad", body="x" * 300)
    assert first.status_code == 400
    again = create(api, "bad", body="x" * 300)
    assert (again.status_code, again.json()) == (400, first.json())


def test_an_answer_quoting_a_nul_character_is_stored_and_replayed(api):
    first = create(api, "nul", options={"youtube": {"privacy": "\x00"}})
    assert first.status_code == 400
    again = create(api, "nul", options={"youtube": {"privacy": "\x00"}})
    assert (again.status_code, again.json()) == (400, first.json())
    assert again.json()["field_errors"] == {
        "options.youtube.privacy": ['"\x00" is not a valid choice.']
    }


def test_a_malformed_key_is_a_field_error(api):
    answer = create(api, "with space")
    assert answer.status_code == 400
    assert answer.json()["field_errors"] == {
        "Idempotency-Key": ["Use 1 to 255 visible ASCII characters, e.g. a UUID."]
    }
    assert not Content.objects.exists()


def test_actions_are_idempotent(api, alice):
    content = scheduled(alice, when=timezone.now() + dt.timedelta(hours=1))
    first = api.post(f"/api/v1/content/{content.pk}/publish-now/", HTTP_IDEMPOTENCY_KEY="now-1")
    again = api.post(f"/api/v1/content/{content.pk}/publish-now/", HTTP_IDEMPOTENCY_KEY="now-1")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    notes = PublicationEvent.objects.filter(reason="publish now requested")
    assert notes.count() == 1


def test_multipart_bodies_are_fingerprinted_with_their_files(api):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.media_files import PNG

    def upload(content: bytes):
        image = SimpleUploadedFile("a.png", PNG + content, content_type="image/png")
        return api.post(
            "/api/v1/content/",
            {"body": "x", "scheduled_for": soon(), "targets": ["twitter"], "media": [image]},
            format="multipart",
            HTTP_IDEMPOTENCY_KEY="upload-1",
        )

    assert upload(b"one").status_code == 201
    assert upload(b"two").status_code == 422
    assert Content.objects.count() == 1


def test_purge_deletes_expired_records(api, alice, capsys):
    create(api, "old")
    create(api, "new", body="other")
    IdempotencyRecord.objects.filter(key="old").update(
        created_at=timezone.now() - dt.timedelta(hours=25)
    )
    call_command("purge_idempotency_keys")
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
    assert "Deleted 1 expired idempotency key record(s)." in capsys.readouterr().out
