"""``Idempotency-Key`` for every POST, as Stripe defines it.

The first answer to a POST sent with a key is stored with a fingerprint of
the request (method, path and a sha256 of the body, files included). For 24
hours the same key from the same user:

* with the same request, answers the stored status and body again and does
  nothing else (header ``Idempotent-Replayed: true``);
* with a different request, answers 422;
* while the first request is still running, answers 409 (the row's unique
  (user, key) constraint decides the race, so nothing is created twice).

Answers of 500 and above are not stored: the key is freed and the client may
try again with it. An expired key is replaced by the new request.
"""

from __future__ import annotations

import hashlib
import json
import re

from django.core.files.uploadedfile import UploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from rest_framework import exceptions
from rest_framework.response import Response

from api.errors import Conflict, Unprocessable
from api.models import IdempotencyRecord

HEADER = "Idempotency-Key"
# Visible ASCII, as the header can carry it; Stripe accepts up to 255 characters.
KEY_PATTERN = re.compile(r"[\x21-\x7e]{1,255}")


class Replay(Exception):
    """The request was answered before: send the stored answer again."""

    def __init__(self, record: IdempotencyRecord):
        super().__init__(record.key)
        self.record = record


def canonical(value):
    if isinstance(value, UploadedFile):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return {"file": value.name, "size": value.size, "sha256": digest.hexdigest()}
    return value


def request_fingerprint(request) -> str:
    """sha256 of the parsed body: the same JSON or form, however it is spaced or ordered."""
    data = request.data
    if hasattr(data, "lists"):
        data = {name: [canonical(v) for v in values] for name, values in data.lists()}
    media_type = (request.content_type or "").split(";")[0].strip().lower()
    text = json.dumps({"type": media_type, "data": data}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def begin(request, key: str) -> IdempotencyRecord:
    """Claim ``key`` for this request, or raise Replay / 409 / 422."""
    if not KEY_PATTERN.fullmatch(key):
        raise exceptions.ValidationError(
            {HEADER: ["Use 1 to 255 visible ASCII characters, e.g. a UUID."]}
        )
    fingerprint = request_fingerprint(request)
    lookup = {"user": request.user, "key": key}
    record = IdempotencyRecord.objects.filter(**lookup).first()
    if record is not None and record.expired:
        IdempotencyRecord.objects.filter(pk=record.pk, created_at=record.created_at).delete()
        record = None
    if record is None:
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(
                    **lookup, method=request.method, path=request.path, fingerprint=fingerprint
                )
        except IntegrityError:
            record = IdempotencyRecord.objects.filter(**lookup).first()
            if record is None:
                raise in_progress() from None
    if (record.method, record.path, record.fingerprint) != (
        request.method,
        request.path,
        fingerprint,
    ):
        raise Unprocessable(
            f"This Idempotency-Key was used in the last 24 hours for a different request "
            f"({record.method} {record.path}); send a new key with a new request.",
            code="idempotency_key_reused",
        )
    if record.response_status is None:
        raise in_progress()
    raise Replay(record)


def in_progress() -> Conflict:
    return Conflict(
        "A request with this Idempotency-Key is in progress; retry once it has completed.",
        code="idempotency_key_in_progress",
    )


class IdempotentPostMixin:
    """For API views: honour ``Idempotency-Key`` on POST (optional; absent, nothing changes)."""

    idempotency_record: IdempotencyRecord | None = None

    def initial(self, request, *args, **kwargs):
        self.idempotency_record = None
        super().initial(request, *args, **kwargs)
        key = request.headers.get(HEADER)
        if request.method == "POST" and key is not None:
            self.idempotency_record = begin(request, key)

    def handle_exception(self, exc):
        if isinstance(exc, Replay):
            record = exc.record
            return Response(
                json.loads(record.response_body) if record.response_body else None,
                status=record.response_status,
                headers={"Idempotent-Replayed": "true"},
            )
        try:
            return super().handle_exception(exc)
        except Exception:
            self.release_idempotency_key()
            raise

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        record, self.idempotency_record = self.idempotency_record, None
        if record is not None:
            if response.status_code >= 500:
                record.delete()
            else:
                record.response_status = response.status_code
                record.response_body = json.dumps(
                    getattr(response, "data", None), cls=DjangoJSONEncoder
                )
                record.save(update_fields=["response_status", "response_body"])
        return response

    def release_idempotency_key(self) -> None:
        record, self.idempotency_record = self.idempotency_record, None
        if record is not None:
            record.delete()
