"""Keeping secrets out of every log record, error report and stored error text.

Two nets, both applied by ``redact``:

* by pattern: bearer and bot tokens in Authorization headers,
  ``access_token=``-style query and form values, the same keys in JSON, and
  the token part of Discord webhook URLs;
* by value: the secrets of the accounts in use. A platform may quote a token
  anywhere in an error text, in a shape no pattern knows. Whatever acts for an
  account (publishing, the daily check, a refresh, a revoke, connecting with
  typed tokens) runs inside ``redacting(token, ...)``; until the block ends,
  ``redact`` masks those values, and the logging filter masks them in every
  record logged meanwhile. The values live in a ContextVar, so each thread (the
  engine's workers) and task masks its own accounts' secrets.

Every error text derived from a platform's answer goes through ``redact``
before it is stored (``Integration.last_error``, ``Publication.last_error``,
audit reasons) or shown.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from urllib.parse import quote, quote_plus

from platforms import registry

MASK = "[redacted]"
# ``\w*password``: a provider's typed password field too (Bluesky's ``app_password``).
SECRET_KEYS = r"(?:access_token|refresh_token|client_secret|id_token|code_verifier|\w*password)"
# Shorter values are masked by pattern only: masking every "12345" in a text helps nobody.
MIN_SECRET_LENGTH = 8

PATTERNS = [
    # Authorization: Bearer xyz / Bot xyz / Basic xyz, in headers or reprs.
    (re.compile(r"\b(Bearer|Bot|Basic)\s+[A-Za-z0-9._~+/=-]{6,}"), rf"\1 {MASK}"),
    # access_token=xyz in URLs and form bodies.
    (re.compile(rf"\b({SECRET_KEYS})=[^&\s'\"]+", re.IGNORECASE), rf"\1={MASK}"),
    # "access_token": "xyz" or 'access_token': 'xyz' in JSON and dict reprs.
    (
        re.compile(rf"([\"']{SECRET_KEYS}[\"']\s*:\s*)[\"'][^\"']*[\"']", re.IGNORECASE),
        rf"\1'{MASK}'",
    ),
    # Secrets a platform carries in its URLs (a Discord webhook's token): from the registry.
    *(
        (re.compile(pattern), rf"\1{MASK}")
        for platform in registry.all_platforms()
        for pattern in platform.secret_url_patterns
    ),
]

# The secret values in use, one set per ``redacting`` block, innermost last.
_in_use: ContextVar[tuple[set[str], ...]] = ContextVar("herald_secrets_in_use", default=())


def redact_patterns(text: str) -> str:
    for pattern, replacement in PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def written_forms(secret: str) -> set[str]:
    """``secret`` as a text may carry it: as is, URL-encoded (path, query, form), JSON-escaped."""
    return {
        secret,
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret, safe=""),
        json.dumps(secret)[1:-1],
    }


def redact_values(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every occurrence of each secret of 8 characters or more masked.

    The URL-encoded and JSON-escaped forms of each secret are masked too.
    """
    forms = {
        form
        for secret in secrets
        if secret and len(secret) >= MIN_SECRET_LENGTH
        for form in written_forms(secret)
    }
    # Longest first, so a secret that contains another is masked whole.
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, MASK)
    return text


def secret_values(values: Iterable[str | None]) -> set[str]:
    """The values to mask for an account's secrets.

    A URL (a Discord webhook) counts whole and by its last path segment (the
    webhook's token), which an error may quote alone.
    """
    found = set()
    for value in values:
        if not value:
            continue
        found.add(value)
        if "://" in value:
            # Split by hand: a URL that does not parse (pasted by hand) is still masked.
            found.add(value.split("?", 1)[0].split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1])
    return {value for value in found if len(value) >= MIN_SECRET_LENGTH}


@contextmanager
def redacting(*secrets: str | None) -> Iterator[None]:
    """Mask ``secrets`` in ``redact`` and in every log record until the block ends.

    Blocks nest; ``remember`` adds values learned inside one (refreshed tokens).
    """
    token = _in_use.set((*_in_use.get(), secret_values(secrets)))
    try:
        yield
    finally:
        _in_use.reset(token)


def remember(*secrets: str | None) -> None:
    """Add ``secrets`` to the innermost ``redacting`` block, for as long as it lasts."""
    blocks = _in_use.get()
    if not blocks:
        raise RuntimeError("remember() is only meaningful inside a redacting() block.")
    blocks[-1].update(secret_values(secrets))


def secrets_in_use() -> set[str]:
    return set().union(*_in_use.get())


def redact(text: str) -> str:
    """``text`` without the secrets in use (by value) nor anything that looks like a token."""
    return redact_patterns(redact_values(text, secrets_in_use()))


class RedactSecretsFilter(logging.Filter):
    """Attach to every handler: the record leaves with its secrets masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
