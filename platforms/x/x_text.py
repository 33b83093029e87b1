"""X's weighted character count: what "280 characters" means on X.

The count is twitter-text's v3 algorithm (its ``config/v3.json``), computed by
twitter-text-parser, the Python port of twitter-text: a URL weighs 23 however long it is,
every emoji sequence weighs 2, code points in the Latin/punctuation ranges weigh 1 and all
others (CJK, ...) weigh 2, after NFC normalisation.

Three things around the library keep it right and fast on whatever text the API receives:

- Newer emoji. The library's emoji table stops at Unicode 12, so a sequence such as
  U+1FAF6 U+1F3FD (heart hands, medium skin tone) would weigh its parts (4) instead of 2.
  v3 weighs every emoji sequence 2: for each multi-code-point emoji that the ``emoji``
  package knows and the library does not, outside URLs, the difference is taken off. (The
  text itself is left alone: an emoji next to a domain can change where the URL starts.)
- Cost. The library's URL regex is quadratic in a chain of dot-separated labels (2 s or
  more for 1,000 characters of ``a.a.a...``). A URL and an emoji never contain whitespace,
  so the text is counted in groups of whitespace-separated words, each group starting
  with the whitespace before its first word, which gives the same sum. Once the sum is
  over the limit the verdict is settled and the rest is weighed code point by code point,
  without URL or emoji detection. A word whose label chains are long
  (``MAX_LABEL_CHAIN_COST``: more than 21 labels in a row, far deeper than domains in use,
  or many shorter chains stuck together) is where the regex spends its time; a text
  holding one is refused, with an upper bound of its count (every code point, plus a
  URL's 23 for every dot).
- Size. A text longer than ``MAX_COUNTED_CODE_POINTS`` is not handed to the library. A
  URL weighs 23 and an emoji sequence of up to about ten code points 2, so such a text
  fits in 280 only if it holds well over a thousand characters of URLs; Herald refuses it
  instead of spending the time.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import emoji
from twitter_text import parse_tweet
from twitter_text.extract_urls import extract_urls_with_indices
from twitter_text.regexp.spaces_group import spaces_group
from twitter_text.regexp.valid_domain_chars import valid_domain_chars

MAX_WEIGHTED_LENGTH = 280
# The library's URL regex costs about the square of the labels in each chain of
# dot-separated labels; a word whose chains cost more than this (one chain of 22 labels,
# or many shorter ones side by side) makes the text refused.
MAX_LABEL_CHAIN_COST = 400
URL_WEIGHT = 23
# Above this many code points the text is refused unread (see the module docstring).
MAX_COUNTED_CODE_POINTS = 3000
# Pieces are sent to the library in groups of about this many code points, so that counting
# stops soon after the limit is passed.
GROUP_CODE_POINTS = 200

# v3: the code points in ranges 0-4351, 8192-8205, 8208-8223 and 8242-8247 weigh 1, others 2.
HEAVY_CODE_POINT = re.compile(r"[^\u0000-\u10ff\u2000-\u200d\u2010-\u201f\u2032-\u2037]")
EMOJI_WEIGHT = 2

# twitter-text's own whitespace: no URL or emoji holds one, and one may precede a URL.
WHITESPACE_SPLIT = re.compile(f"([{spaces_group}]+)")
# What the library's domain pattern can consume: domain characters, dots, hyphens, underscores;
# a label ends with a domain character followed by a dot.
LABEL_CHAIN = re.compile(rf"(?:{valid_domain_chars.pattern}|[._-])+")
LABEL_END = re.compile(rf"{valid_domain_chars.pattern}\.")


def weighted_length(text: str) -> int:
    """The length X counts for ``text``: exact whenever it is within MAX_WEIGHTED_LENGTH.

    Over the limit the number is exact up to the group that crosses it and an estimate
    after that (the post is refused either way). The two refusals described above (too many
    code points, labels too deep) return a number over the limit without counting.
    """
    text = re.sub(r"\r\n|\r", "\n", unicodedata.normalize("NFC", text))
    if len(text) > MAX_COUNTED_CODE_POINTS:
        return code_point_weight(text)
    pieces = WHITESPACE_SPLIT.split(text)
    if any(label_chain_cost(piece) > MAX_LABEL_CHAIN_COST for piece in pieces):
        return code_point_weight(text) + URL_WEIGHT * text.count(".")
    total = 0
    for group in groups_of(pieces):
        if total > MAX_WEIGHTED_LENGTH:
            total += code_point_weight(group)
        else:
            total += parse_tweet(group).weightedLength - newer_emoji_excess(group)
    return total


def newer_emoji_excess(text: str) -> int:
    """How much more than 2 each the library counts the emoji sequences it does not know."""
    newer = [
        found
        for found in emoji.emoji_list(text)
        if len(found["emoji"]) > 1 and library_weight(found["emoji"]) != EMOJI_WEIGHT
    ]
    if not newer:
        return 0
    urls = [url["indices"] for url in extract_urls_with_indices(text)]
    return sum(
        library_weight(found["emoji"]) - EMOJI_WEIGHT
        for found in newer
        if not any(start < found["match_end"] and found["match_start"] < end for start, end in urls)
    )


@lru_cache(maxsize=1024)
def library_weight(sequence: str) -> int:
    return parse_tweet(sequence).weightedLength


def groups_of(pieces: list[str]) -> list[str]:
    """Join words and the whitespace between them into groups of about GROUP_CODE_POINTS.

    ``pieces`` alternates word, whitespace, word... A group is cut just before whitespace,
    so each word keeps the character before it: a URL's start depends on it (after a space,
    ``\u00e9example.com`` is one URL; at the start of a text the accented letter is not part
    of it).
    """
    groups, current = [], ""
    for index, piece in enumerate(pieces):
        is_whitespace = index % 2 == 1
        if is_whitespace and len(current) + len(piece) > GROUP_CODE_POINTS:
            groups.append(current)
            current = ""
        current += piece
    if current:
        groups.append(current)
    return groups


def label_chain_cost(text: str) -> int:
    return sum(len(LABEL_END.findall(chain.group())) ** 2 for chain in LABEL_CHAIN.finditer(text))


def code_point_weight(text: str) -> int:
    """The weight of ``text`` with no URL or emoji sequence recognised: each code point alone."""
    return len(text) + HEAVY_CODE_POINT.subn("", text)[1]
