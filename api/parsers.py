"""JSON with bounded nesting, in valid Unicode: hostile JSON is a 400, never a 500.

Python's JSON decoder recurses once per nesting level, so about a thousand ``[`` raise
``RecursionError``, which DRF's parser does not catch; it also reads ``"\\ud800"`` into a
string no database or answer can encode. Every JSON the API reads goes through here:
request bodies (``BoundedJSONParser``) and the JSON text of multipart fields
(``loads_bounded``).
"""

from __future__ import annotations

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils import json

# The deepest JSON the API takes; its requests need five levels.
MAX_JSON_DEPTH = 64
TOO_DEEP = f"JSON nested deeper than {MAX_JSON_DEPTH} levels is refused."


class UnacceptableJSON(ValueError):
    """JSON the API refuses to read; the message says why."""


def json_depth(value) -> int:
    """How deeply ``value`` nests lists and dicts (a scalar is 0), without recursion."""
    deepest = 0
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if depth > MAX_JSON_DEPTH:
            break  # deep enough to refuse; no need to walk the rest
        pending.extend((child, depth + 1) for child in children)
    return deepest


def is_unicode(text: str) -> bool:
    """False for a string holding an unpaired surrogate (JSON's ``"\\ud800"``): it cannot be
    stored, nor written back in an answer."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_json(value) -> None:
    """Raise ``UnacceptableJSON`` for JSON nested deeper than ``MAX_JSON_DEPTH`` or holding
    a string (or key) that is not valid Unicode."""
    if json_depth(value) > MAX_JSON_DEPTH:
        raise UnacceptableJSON(TOO_DEEP)
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str) and not is_unicode(item):
            raise UnacceptableJSON(
                "JSON text with an unpaired surrogate (e.g. \\ud800) is refused."
            )


def loads_bounded(text: str | bytes):
    """``json.loads`` (NaN and Infinity refused) raising ``ValueError`` for JSON too deep
    or not valid Unicode."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise UnacceptableJSON(TOO_DEEP) from None
    check_json(value)
    return value


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser, refusing bodies nested deeper than ``MAX_JSON_DEPTH`` or not valid
    Unicode (400 ``parse_error``). DRF reads the body through ``request.body``, so Django's
    ``DATA_UPLOAD_MAX_MEMORY_SIZE`` already bounds its size (413)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON parse error - {TOO_DEEP}") from None
        try:
            check_json(data)
        except UnacceptableJSON as error:
            raise ParseError(f"JSON parse error - {error}") from None
        return data
