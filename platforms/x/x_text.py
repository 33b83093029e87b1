"""X's weighted character count (twitter-text v3): what "280 characters" means on X."""

from __future__ import annotations

import re
import unicodedata

MAX_WEIGHTED_LENGTH = 280
URL_WEIGHT = 23
# Code point ranges that weigh 1; every other code point (emoji, CJK, ...) weighs 2.
LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
# URLs with a scheme, and bare domains such as example.com/path: X shortens both to 23.
URL_PATTERN = re.compile(
    r"(?:https?://\S+|(?<![\w@.])(?:[a-z0-9-]+\.)+[a-z]{2,}(?:/\S*)?)", re.IGNORECASE
)


def weigh(text: str) -> int:
    return sum(1 if any(lo <= ord(c) <= hi for lo, hi in LIGHT_RANGES) else 2 for c in text)


def weighted_length(text: str) -> int:
    """The length X counts for ``text``, after NFC normalisation."""
    text = unicodedata.normalize("NFC", text)
    total, position = 0, 0
    for match in URL_PATTERN.finditer(text):
        total += weigh(text[position : match.start()]) + URL_WEIGHT
        position = match.end()
    return total + weigh(text[position:])
