"""Each platform's options become form fields, from its serializer alone."""

import pytest
from django import forms

from composer.forms import ComposerForm
from composer.options import ItemListField
from platforms import registry
from tests.composer.heron import HERON
from tests.factories import IntegrationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def heron():
    with registry.registered(HERON) as platform:
        yield platform


def test_a_new_platform_gets_a_field_for_each_option_by_its_type(heron, composer_user):
    form = ComposerForm(user=composer_user)
    fields = {name: form.fields[name] for name in form.fields if name.startswith("o__heron__")}
    assert list(fields) == [
        "o__heron__caption",
        "o__heron__story",
        "o__heron__mood",
        "o__heron__wade",
        "o__heron__perches",
        "o__heron__pond",
        "o__heron__wingspan",
    ]
    assert isinstance(fields["o__heron__caption"].widget, forms.TextInput)
    assert fields["o__heron__caption"].max_length == 80
    assert fields["o__heron__caption"].help_text == "A short line."
    assert isinstance(fields["o__heron__story"].widget, forms.Textarea)
    assert fields["o__heron__mood"].choices == [
        ("", "Platform default"),
        ("calm", "calm"),
        ("loud", "loud"),
    ]
    assert isinstance(fields["o__heron__wade"].widget, forms.CheckboxInput)
    assert isinstance(fields["o__heron__perches"], ItemListField)
    assert fields["o__heron__perches"].max_items == 3
    assert isinstance(fields["o__heron__wingspan"], forms.IntegerField)


def test_the_page_shows_the_new_platforms_fields_with_their_labels(heron, writer):
    page = writer.get("/admin/compose/").content.decode()
    assert "Heron options" in page
    assert '<label for="id_o__heron__caption">Caption</label>' in page
    assert '<select name="o__heron__mood" id="id_o__heron__mood">' in page
    assert '<label for="id_o__heron__wade">Wade</label>' in page
    # The list: one labelled input per item, and buttons to add and remove.
    assert '<label for="id_o__heron__perches_0">Perches 1</label>' in page
    assert 'name="o__heron__perches" id="id_o__heron__perches_0"' in page
    assert "Add perches" in page
    assert "<textarea" in page and "{" not in page.split('id="id_o__heron__story"')[1][:80]


def options_of(user, data):
    form = ComposerForm(data, user=user)
    form.is_valid()
    return form


def test_the_fields_give_the_options_dict_the_serializer_validates(heron, composer_user):
    form = options_of(
        composer_user,
        {
            "o__heron__caption": "On the bank",
            "o__heron__mood": "calm",
            "o__heron__wade": "on",
            "o__heron__perches": ["willow", "", "reed"],
            "o__heron__wingspan": "190",
            "o__heron__story": "",
        },
    )
    assert form.errors == {}
    assert form.options == {
        "heron": {
            "caption": "On the bank",
            "mood": "calm",
            "wade": True,
            "perches": ["willow", "reed"],
            "wingspan": 190,
        }
    }


def test_nothing_set_means_no_options_at_all(heron, composer_user):
    form = options_of(composer_user, {"o__heron__mood": "", "o__heron__perches": [""]})
    assert form.errors == {}
    assert form.options == {}


def test_the_serializers_errors_are_shown_on_the_fields_they_name(heron, composer_user):
    form = options_of(
        composer_user,
        {
            "o__heron__pond": "not digits",
            "o__heron__perches": ["a" * 41, "ok"],
        },
    )
    assert form.errors["o__heron__pond"] == ["This value does not match the required pattern."]
    assert form.errors["o__heron__perches"] == [
        "item 1: Ensure this field has no more than 40 characters."
    ]
    too_many = options_of(composer_user, {"o__heron__perches": ["a", "b", "c", "d"]})
    assert too_many.errors["o__heron__perches"] == ["At most 3 items (4 given)."]
    wrong_choice = options_of(composer_user, {"o__heron__mood": "angry"})
    assert "Select a valid choice" in wrong_choice.errors["o__heron__mood"][0]


def test_an_option_the_account_already_sets_is_the_placeholder(heron, composer_user):
    IntegrationFactory(user=composer_user, provider="heron", account_options={"pond": "4711"})
    form = ComposerForm(user=composer_user)
    assert form.fields["o__heron__pond"].widget.attrs["placeholder"] == "4711 (the account's own)"
    assert "placeholder" not in form.fields["o__heron__caption"].widget.attrs


def test_the_four_platforms_options_are_real_fields(composer_user):
    form = ComposerForm(user=composer_user)
    assert isinstance(form.fields["o__twitter__thread"], ItemListField)
    assert form.fields["o__twitter__thread"].max_items == 25
    assert form.fields["o__youtube__privacy"].choices == [
        ("", "Platform default"),
        ("public", "public"),
        ("unlisted", "unlisted"),
        ("private", "private"),
    ]
    assert isinstance(form.fields["o__youtube__made_for_kids"], forms.BooleanField)
    assert isinstance(form.fields["o__youtube__tags"], ItemListField)
    assert isinstance(form.fields["o__youtube__title"], forms.CharField)
    assert isinstance(form.fields["o__youtube__description"].widget, forms.Textarea)
    assert isinstance(form.fields["o__youtube__title"].widget, forms.TextInput)
    assert form.fields["o__instagram__kind"].choices == [
        ("", "Platform default"),
        ("feed", "Feed post (one image)"),
        ("reel", "Reel (one video)"),
        ("carousel", "Carousel (2 to 10 images or videos)"),
    ]
    assert isinstance(form.fields["o__discord__channel_id"].widget, forms.TextInput)
    # Every platform takes its own text instead of the body, as prose.
    for platform in ("twitter", "discord", "instagram", "youtube"):
        assert isinstance(form.fields[f"o__{platform}__text"].widget, forms.Textarea)
