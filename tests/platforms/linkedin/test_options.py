from platforms.linkedin.options import LinkedInOptions
from platforms.registry import get


def test_visibility_is_public_or_connections():
    assert LinkedInOptions(data={"visibility": "CONNECTIONS"}).is_valid()
    options = LinkedInOptions(data={"visibility": "LOGGED_IN"})
    assert not options.is_valid()
    assert options.errors["visibility"] == ['"LOGGED_IN" is not a valid choice.']


def test_unknown_options_are_refused_naming_the_known_ones():
    options = LinkedInOptions(data={"privacy": "public"})
    assert not options.is_valid()
    assert options.errors["privacy"] == [
        "Unknown option; the known ones are: text, visibility, organization."
    ]


def test_an_organization_is_its_numeric_id():
    assert LinkedInOptions(data={"organization": "2414183"}).is_valid()
    options = LinkedInOptions(data={"organization": "urn:li:organization:1"})
    assert not options.is_valid()
    assert options.errors["organization"] == ["A LinkedIn organization id is a number."]


def test_the_descriptor_names_this_serializer():
    assert get("linkedin").options_serializer() is LinkedInOptions
