import pytest

from platforms.bluesky import richtext

DIDS = {"alice.bsky.social": "did:plc:alice", "bob.test": "did:plc:bob"}


def resolve(handle):
    return DIDS.get(handle)


def spans(text, found):
    """What each facet covers, read back through its byte offsets."""
    data = text.encode("utf-8")
    return [
        (data[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode(), f["features"][0])
        for f in found
    ]


def test_offsets_are_utf8_bytes_not_characters():
    text = "✨ Café news: https://example.com/a?b=1. Thanks @alice.bsky.social #Launch2026!"
    found = richtext.facets(text, resolve)
    assert spans(text, found) == [
        (
            "https://example.com/a?b=1",
            {"$type": "app.bsky.richtext.facet#link", "uri": "https://example.com/a?b=1"},
        ),
        (
            "@alice.bsky.social",
            {"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:alice"},
        ),
        ("#Launch2026", {"$type": "app.bsky.richtext.facet#tag", "tag": "Launch2026"}),
    ]
    # "✨ Café news: " is 13 characters but 16 bytes.
    assert found[0]["index"] == {"byteStart": 16, "byteEnd": 41}


def test_an_unknown_handle_stays_text_and_an_email_is_not_a_mention():
    text = "ask @nobody.example or mail me@bob.test"
    assert richtext.facets(text, resolve) == []


def test_a_mention_at_the_start_and_a_link_with_parentheses():
    text = "@bob.test see https://en.wikipedia.org/wiki/Bluesky_(social_network)."
    assert [s for s, _ in spans(text, richtext.facets(text, resolve))] == [
        "@bob.test",
        "https://en.wikipedia.org/wiki/Bluesky_(social_network)",
    ]


def test_a_number_alone_is_not_a_tag_and_a_fragment_is_the_links():
    text = "We are #1 at https://example.com/#top"
    assert [f["features"][0]["$type"] for f in richtext.facets(text, resolve)] == [
        "app.bsky.richtext.facet#link"
    ]


@pytest.mark.parametrize(
    ("text", "count"),
    [("hello", 5), ("e\u0301", 1), ("👨\u200d👩\u200d👧", 1), ("🇫🇷🇩🇪", 2), ("", 0)],
)
def test_graphemes_count_what_a_reader_sees(text, count):
    assert richtext.graphemes(text) == count


def test_tids_are_13_sortable_characters_of_time_and_clock():
    assert richtext.tid(0, 0) == "2222222222222"
    earlier, later = richtext.tid(1_700_000_000_000_000, 5), richtext.tid(1_700_000_000_000_001, 0)
    assert len(earlier) == 13 and earlier < later
    assert richtext.is_tid(earlier) and not richtext.is_tid("zzzzzzzzzzzzz")
    assert richtext.clock_id_of("7-bluesky-1") == richtext.clock_id_of("7-bluesky-1") < 1024
