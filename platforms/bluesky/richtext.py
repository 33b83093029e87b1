"""Bluesky's text rules: graphemes, rich-text facets by UTF-8 byte offsets, TID record keys.

- A post's ``text`` is at most 300 graphemes and 3,000 bytes (the
  ``app.bsky.feed.post`` lexicon,
  https://github.com/bluesky-social/atproto/blob/main/lexicons/app/bsky/feed/post.json).
  Graphemes are Unicode extended grapheme clusters, ``\\X`` of the ``regex`` package.
- Links, mentions and tags are facets: ``index.byteStart`` (inclusive) and
  ``index.byteEnd`` (exclusive) count UTF-8 bytes, not characters; a mention
  carries the DID its handle resolves to
  (https://docs.bsky.app/docs/advanced-guides/post-richtext,
  https://docs.bsky.app/docs/advanced-guides/posts).
- Record keys of posts are TIDs: 64 bits (top bit 0, 53 bits of microseconds
  since the epoch, 10 bits of clock id) written as 13 characters of
  base32-sortable ``234567abcdefghijklmnopqrstuvwxyz``
  (https://atproto.com/specs/tid, https://atproto.com/specs/record-key).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

import regex

MAX_GRAPHEMES = 300
MAX_TEXT_BYTES = 3000
MAX_TAG_GRAPHEMES = 64  # the facet#tag lexicon: maxGraphemes 64

LINK = "app.bsky.richtext.facet#link"
MENTION = "app.bsky.richtext.facet#mention"
TAG = "app.bsky.richtext.facet#tag"

# Each starts the text or follows a character that is not part of a word.
URL_PATTERN = re.compile(r"(?:(?<=\W)|^)(https?://[^\s<>\"]+)")
# A handle is a domain name: labels of letters, digits and hyphens, the last not numeric.
MENTION_PATTERN = re.compile(
    r"(?:(?<=[^\w@])|^)@((?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+"
    r"[a-zA-Z](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)"
)
TAG_PATTERN = re.compile(r"(?:(?<=\s)|^)#([^\d\s#][^\s#]*|\d+[^\d\s#][^\s#]*)")
# Punctuation that ends a sentence, not a link or a tag.
TRAILING_PUNCTUATION = ".,;:!?)]}'\""

TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"


def graphemes(text: str) -> int:
    """How many graphemes Bluesky counts in ``text``."""
    return len(regex.findall(r"\X", text))


def byte_range(text: str, start: int, end: int) -> dict[str, int]:
    """The facet index of ``text[start:end]``: UTF-8 byte offsets."""
    byte_start = len(text[:start].encode("utf-8"))
    return {"byteStart": byte_start, "byteEnd": byte_start + len(text[start:end].encode("utf-8"))}


def trimmed(text: str, start: int, end: int) -> int:
    """``end`` without the sentence punctuation that follows a link or tag."""
    while end > start and text[end - 1] in TRAILING_PUNCTUATION:
        # A closing parenthesis belongs to the link when it opened one, as Wikipedia's do.
        if text[end - 1] == ")" and text[start:end].count("(") >= text[start:end].count(")"):
            break
        end -= 1
    return end


def facets(text: str, resolve_handle: Callable[[str], str | None]) -> list[dict]:
    """The link, mention and tag facets of ``text``, ordered by position.

    ``resolve_handle(handle)`` answers the handle's DID, or None when it names
    no account: such a mention stays plain text, as Bluesky's own app does.
    """
    found: list[tuple[int, dict]] = []
    for match in URL_PATTERN.finditer(text):
        start, end = match.start(1), trimmed(text, match.start(1), match.end(1))
        found.append((start, facet(text, start, end, {"$type": LINK, "uri": text[start:end]})))
    for match in MENTION_PATTERN.finditer(text):
        if inside(match.start(), found, text):
            continue  # an address inside a link (https://a.b/@c.d) is the link's
        did = resolve_handle(match.group(1).lower())
        if did:
            start = match.start()
            found.append((start, facet(text, start, match.end(1), {"$type": MENTION, "did": did})))
    for match in TAG_PATTERN.finditer(text):
        start = match.start()
        end = trimmed(text, match.start(1), match.end(1))
        tag = text[match.start(1) : end]
        if tag and graphemes(tag) <= MAX_TAG_GRAPHEMES and not inside(start, found, text):
            found.append((start, facet(text, start, end, {"$type": TAG, "tag": tag})))
    return [f for _, f in sorted(found, key=lambda pair: pair[0])]


def facet(text: str, start: int, end: int, feature: dict) -> dict:
    return {"index": byte_range(text, start, end), "features": [feature]}


def inside(position: int, found: list[tuple[int, dict]], text: str) -> bool:
    """Whether character ``position`` falls within a facet already found."""
    byte = len(text[:position].encode("utf-8"))
    return any(f["index"]["byteStart"] <= byte < f["index"]["byteEnd"] for _, f in found)


def tid(microseconds: int, clock_id: int) -> str:
    """The TID of a time (microseconds since the epoch) and a 10-bit clock id."""
    value = ((microseconds & ((1 << 53) - 1)) << 10) | (clock_id & 0x3FF)
    characters = []
    for _ in range(13):
        characters.append(TID_ALPHABET[value & 0x1F])
        value >>= 5
    return "".join(reversed(characters))


def clock_id_of(key: str) -> int:
    """A 10-bit clock id drawn from ``key``: the same key, the same id."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:2], "big") & 0x3FF


def is_tid(value: str) -> bool:
    return (
        len(value) == 13
        and all(c in TID_ALPHABET for c in value)
        and value[0] in TID_ALPHABET[:16]  # the top bit is 0
    )
