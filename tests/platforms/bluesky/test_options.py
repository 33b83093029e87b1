from platforms.bluesky.options import BlueskyOptions


def test_languages_are_bcp47_tags_at_most_three():
    assert BlueskyOptions(data={"langs": ["en", "pt-BR"]}).is_valid()
    too_many = BlueskyOptions(data={"langs": ["en", "fr", "de", "es"]})
    assert not too_many.is_valid()
    assert "langs" in too_many.errors
    wrong = BlueskyOptions(data={"langs": ["english!"]})
    assert not wrong.is_valid()
    assert wrong.errors["langs"][0][0] == "A language is a BCP 47 tag such as en or pt-BR."


def test_unknown_options_are_refused_and_the_text_override_is_offered():
    unknown = BlueskyOptions(data={"visibility": "public"})
    assert not unknown.is_valid()
    assert "visibility" in unknown.errors
    assert BlueskyOptions(data={"text": "Shorter for Bluesky"}).is_valid()
