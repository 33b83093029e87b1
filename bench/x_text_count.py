"""Benchmark: X's weighted count on hostile text, the previous hand-written count against the current one.

The count runs on API input, so no text may make it slow. Prints, for each hostile input,
the best of a few runs for:

- previous: the hand-written count that x_text.py held before twitter-text-parser
  (reproduced by ``previous_weighted_length`` below);
- library: twitter-text-parser's ``parse_tweet`` on the whole text, no guards (skipped,
  shown as "-", where it would take more than a few seconds);
- current: ``platforms.x.x_text.weighted_length``;

then the worst current time, and how many cases of the test corpus each count gets wrong.

    .venv/bin/python bench/x_text_count.py
"""

from __future__ import annotations

import json
import re
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from twitter_text import parse_tweet  # noqa: E402

from platforms.x.x_text import MAX_WEIGHTED_LENGTH, weighted_length  # noqa: E402

CORPUS = ROOT / "tests" / "platforms" / "x"
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"
# The library alone is quadratic on dotted text; it is only timed on inputs this short.
LIBRARY_TIMED_UP_TO = 1000

HOSTILE = {
    "dotted, 1,000 chars (a.a.a...)": "a." * 500,
    "dotted, 3,000 chars": "a." * 1500,
    "dotted digits, 3,000 chars (1.2.1.2...)": "1.2." * 750,
    "dotted, 4,000 chars (over the counted size)": "a." * 2000,
    "11-label chains, comma-joined, 3,000 chars": ("a." * 11 + "a,") * 125,
    "dotted with hyphens, 3,000 chars": "a.b-" * 750,
    "20-label URLs, one per group, 3,000 chars": ("b.a" * 19 + ".com/" + "c" * 140 + " ") * 14,
    "20-label non-URLs, one per group, 3,000 chars": ("b.a" * 19 + ".zzz/" + "c" * 140 + " ") * 14,
    "unicode dotted, 3,000 chars": "\u00e9." * 1500,
    "CJK dotted, 3,000 chars": "\u65e5.a" * 1000,
    "URL with parentheses in the path, 3,000 chars": "x.co/" + "(a" * 1497,
    "URL query, 3,000 chars": "x.co/?" + "a!" * 1497,
    "adjacent URLs, 3,000 chars": "http://a.co" * 272,
    "ZWJ family emoji, 3,000 chars": FAMILY * 428,
    "skin-tone emoji, 3,000 chars": "\U0001f44d\U0001f3fd" * 1500,
    "newer emoji (Unicode 14), 3,000 chars": "\U0001faf6\U0001f3fd" * 1500,
    "newer emoji glued to domains, 3,000 chars": ("\U0001faf6\U0001f3fdx.co" * 500),
    "words with dots, 3,000 chars": "file.txt " * 333,
    "prose, 100,000 chars": "the quick brown fox. " * 4762,
    "letters, 100,000 chars": "a" * 100_000,
    "dotted, 100,000 chars": "a." * 50_000,
    "emoji, 100,000 chars": FAMILY * 14_285,
}

# The count x_text.py held before it used twitter-text-parser, unchanged.
PREVIOUS_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
PREVIOUS_URL_PATTERN = re.compile(
    r"(?:https?://\S+|(?<![\w@.])(?:[a-z0-9-]+\.)+[a-z]{2,}(?:/\S*)?)", re.IGNORECASE
)


def previous_weigh(text: str) -> int:
    return sum(
        1 if any(lo <= ord(c) <= hi for lo, hi in PREVIOUS_LIGHT_RANGES) else 2 for c in text
    )


def previous_weighted_length(text: str) -> int:
    text = unicodedata.normalize("NFC", text)
    total, position = 0, 0
    for match in PREVIOUS_URL_PATTERN.finditer(text):
        total += previous_weigh(text[position : match.start()]) + 23
        position = match.end()
    return total + previous_weigh(text[position:])


def library_weighted_length(text: str) -> int:
    return parse_tweet(text).weightedLength


def best_ms(count, text: str, runs: int = 3) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        count(text)
        best = min(best, time.perf_counter() - started)
    return best * 1000


def corpus_misses(count, name: str) -> tuple[int, int]:
    """How many cases of a corpus file ``count`` gets wrong: a different number, or the wrong verdict past the limit."""
    cases = json.loads((CORPUS / name).read_text(encoding="utf-8"))["cases"]
    wrong = 0
    for case in cases:
        counted, expected = count(case["text"]), case["weightedLength"]
        if expected <= MAX_WEIGHTED_LENGTH:
            wrong += counted != expected
        else:
            wrong += counted <= MAX_WEIGHTED_LENGTH
    return wrong, len(cases)


def main() -> None:
    print(f"{'input':48} {'previous':>10} {'library':>10} {'current':>10}   (ms, best of 3)")
    worst = ("", 0.0)
    for name, text in HOSTILE.items():
        previous = best_ms(previous_weighted_length, text)
        library = (
            f"{best_ms(library_weighted_length, text, runs=1):10.1f}"
            if len(text) <= LIBRARY_TIMED_UP_TO
            else f"{'-':>10}"
        )
        current = best_ms(weighted_length, text)
        worst = max(worst, (name, current), key=lambda pair: pair[1])
        print(f"{name:48} {previous:10.1f} {library} {current:10.1f}")
    print(f"\nworst current time: {worst[1]:.1f} ms ({worst[0]})")
    for label, count in (
        ("previous", previous_weighted_length),
        ("library alone", library_weighted_length),
        ("current", weighted_length),
    ):
        for name in ("x_text_conformance.json", "x_text_everyday.json"):
            wrong, total = corpus_misses(count, name)
            print(f"{label}: wrong on {wrong} of {total} cases in {name}")


if __name__ == "__main__":
    main()
