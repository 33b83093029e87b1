import pytest

from platforms.mastodon.options import MastodonOptions


def test_every_option_is_accepted():
    form = MastodonOptions(
        data={"visibility": "private", "spoiler_text": "cw", "sensitive": True, "language": "fr"}
    )
    assert form.is_valid(), form.errors
    assert form.validated_data == {
        "visibility": "private",
        "spoiler_text": "cw",
        "sensitive": True,
        "language": "fr",
    }


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"visibility": "friends"}, "visibility", '"friends" is not a valid choice.'),
        ({"language": "English"}, "language", "An ISO 639 language code"),
        ({"spoiler_text": "x" * 501}, "spoiler_text", "no more than 500 characters"),
        ({"poll": {}}, "poll", "Unknown option"),
    ],
)
def test_bad_options_are_named(data, field, message):
    form = MastodonOptions(data=data)
    assert not form.is_valid()
    assert message in str(form.errors[field][0])
