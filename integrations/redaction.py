"""A logging filter that keeps secrets out of every log record and error report.

It rewrites the formatted message and any traceback text: bearer and bot
tokens in Authorization headers, ``access_token=``-style query and form
values, the same keys in JSON, and the token part of Discord webhook URLs.
"""

from __future__ import annotations

import logging
import re

MASK = "[redacted]"
SECRET_KEYS = r"(?:access_token|refresh_token|client_secret|id_token|code_verifier|password)"

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
    # https://discord.com/api/webhooks/<id>/<token>: the token is the secret.
    (re.compile(r"(/api/(?:v\d+/)?webhooks/\d+/)[A-Za-z0-9._-]+"), rf"\1{MASK}"),
]


def redact(text: str) -> str:
    for pattern, replacement in PATTERNS:
        text = pattern.sub(replacement, text)
    return text


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
