import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from knox.models import AbstractAuthToken
from knox.settings import CONSTANTS

# How long a client's Idempotency-Key is remembered, as Stripe defines it.
IDEMPOTENCY_KEY_TTL = dt.timedelta(hours=24)


class IdempotencyRecord(models.Model):
    """The first answer to a POST sent with an ``Idempotency-Key``.

    A row without ``response_status`` is a request still in flight. Rows older
    than ``IDEMPOTENCY_KEY_TTL`` are ignored, replaced on reuse of their key,
    and deleted by ``manage.py purge_idempotency_keys``.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idempotency_records"
    )
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    fingerprint = models.CharField(max_length=64, help_text="sha256 of the request body.")
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    # JSON text, not a JSON column: PostgreSQL's jsonb refuses the \u0000 an error
    # message may quote back from the request.
    response_body = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique_user_key")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.method} {self.path} [{self.key}]"

    @property
    def expired(self) -> bool:
        return self.created_at < timezone.now() - IDEMPOTENCY_KEY_TTL


class APIToken(AbstractAuthToken):
    """A client's API token, stored as a digest (django-rest-knox's token model).

    The token itself is shown once, in the answer that issues it. The digest is
    as secret as a password hash: it is not the primary key (so it never appears
    in an admin URL, a form or a log entry) and ``__str__`` shows only the
    short ``token_key`` prefix knox uses to find candidates.
    """

    id = models.BigAutoField(primary_key=True)
    digest = models.CharField(max_length=CONSTANTS.DIGEST_LENGTH, unique=True)

    class Meta:
        verbose_name = "API token"
        verbose_name_plural = "API tokens"

    def __str__(self) -> str:
        return f"{self.token_key}… ({self.user})"
