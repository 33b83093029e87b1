import pytest
from django.core.cache import cache

SERVER = "https://social.example"


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test asks the server for its limits afresh."""
    cache.clear()
    yield
    cache.clear()


def instance_answer(max_characters=500, max_media=4, url_length=23) -> dict:
    return {
        "domain": "social.example",
        "configuration": {
            "statuses": {
                "max_characters": max_characters,
                "max_media_attachments": max_media,
                "characters_reserved_per_url": url_length,
            }
        },
    }
