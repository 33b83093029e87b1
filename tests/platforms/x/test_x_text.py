"""X's weighted count against a corpus: twitter-text's own conformance cases and everyday text.

x_text_conformance.json is vendored from twitter/twitter-text (Apache-2.0, its licence is in
the file); x_text_everyday.json holds texts people post, with X's v3 count for each.
"""

import json
import random
from pathlib import Path

import pytest
from twitter_text import parse_tweet

from platforms.x import x_text
from platforms.x.x_text import MAX_WEIGHTED_LENGTH, weighted_length

HERE = Path(__file__).parent


def load(name):
    return json.loads((HERE / name).read_text(encoding="utf-8"))["cases"]


CONFORMANCE = load("x_text_conformance.json")
EVERYDAY = load("x_text_everyday.json")
CORPUS = CONFORMANCE + EVERYDAY


def ids(cases):
    return [case["description"] for case in cases]


@pytest.mark.parametrize("case", CORPUS, ids=ids(CORPUS))
def test_count_matches_x_within_the_limit_and_refuses_beyond_it(case):
    counted = weighted_length(case["text"])
    if case["weightedLength"] <= MAX_WEIGHTED_LENGTH:
        assert counted == case["weightedLength"]
    else:
        # Past the limit the verdict is what matters; the number may be an estimate.
        assert counted > MAX_WEIGHTED_LENGTH


@pytest.mark.parametrize(
    "case",
    [case for case in CORPUS if len(case["text"]) <= x_text.MAX_COUNTED_CODE_POINTS],
    ids=ids([case for case in CORPUS if len(case["text"]) <= x_text.MAX_COUNTED_CODE_POINTS]),
)
def test_count_is_exact_for_every_text_the_library_reads(case):
    assert weighted_length(case["text"]) == case["weightedLength"]


def test_counting_piece_by_piece_gives_the_whole_text_count(monkeypatch):
    """URLs and emoji never hold whitespace, so the groups add up to the whole-text count."""
    monkeypatch.setattr(x_text, "MAX_WEIGHTED_LENGTH", 10**9)  # no early stop
    texts = [case["text"] for case in EVERYDAY if len(case["text"]) < 200]
    for separator in (" ", "\n", "  \t", "\u3000", "\u2003"):
        joined = separator.join(texts)
        monkeypatch.setattr(x_text, "GROUP_CODE_POINTS", 200)
        by_groups = weighted_length(joined)
        monkeypatch.setattr(x_text, "GROUP_CODE_POINTS", 10**9)
        assert (
            by_groups
            == weighted_length(joined)
            == sum(case["weightedLength"] for case in EVERYDAY if len(case["text"]) < 200)
            + (len(texts) - 1) * weighted_length(separator)
        )


def test_groups_add_up_to_the_library_count_of_the_whole_text(monkeypatch):
    monkeypatch.setattr(x_text, "MAX_WEIGHTED_LENGTH", 10**9)  # no early stop
    fragments = [
        "example.com", "file.txt", "(see", "x.co/a)", "https://t.co/abc", "http://a.b.co?q=1",
        "\u65e5\u672c", "e\u0301", "\U0001f44d\U0001f3fd", "\U0001f1eb\U0001f1f7", ",", ".",
        "@user", "#tag", "a.b.c", "text.with.dots", " ", " ", "\n", "\u3000",
    ]  # fmt: skip
    rng = random.Random(15)
    for _ in range(300):
        text = "".join(rng.choice(fragments) for _ in range(rng.randint(1, 80)))
        assert weighted_length(text) == parse_tweet(text).weightedLength, text


def test_a_chain_of_more_labels_than_any_domain_has_is_refused_with_an_upper_bound():
    assert weighted_length("a." * 20 + "com") == 23
    assert weighted_length("a." * 21 + "com") == 45 + 23 * 21
    assert weighted_length("a.b.c.d.e.f.g.h.i.j " * 5) == 100  # each piece is counted alone


def test_dots_that_end_no_label_cost_nothing():
    assert weighted_length("wait" + "." * 40 + " what") == 49


def test_text_beyond_the_counted_size_is_refused_unread():
    long_url = "https://example.com/" + "a" * x_text.MAX_COUNTED_CODE_POINTS
    assert weighted_length(long_url) == len(long_url)
    assert weighted_length("\u65e5" * 5000) == 10_000


def test_x_validation_accepts_emoji_and_dotted_words_that_fit_and_names_the_count_otherwise():
    from platforms.base import Post
    from platforms.x import client as twitter

    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"
    assert twitter.validate(Post(1, "k", family * 140)) == []
    assert twitter.validate(Post(1, "k", "text.with.dots " * 18 + "x" * 10)) == []
    assert twitter.validate(Post(1, "k", family * 140 + "!")) == [
        "X: the text is 281 weighted characters; the limit is 280."
    ]
