import pytest
import responses

from platforms.base import Credentials, MediaFile, Post

BASES = {
    "twitter": "https://api.x.test",
    "discord": "https://discord.test",
    "instagram": "https://graph.instagram.test",
    "youtube": "https://youtube.test",
    "google_oauth": "https://oauth2.google.test",
}


@pytest.fixture(autouse=True)
def metrics_store(db):
    """Every call through the platform client is recorded in the metrics store: the
    database, when Redis is not configured."""


@pytest.fixture(autouse=True)
def platform_settings(settings):
    settings.PLATFORM_BASE_URLS = BASES
    settings.PLATFORM_PERMALINK_BASES = {
        "twitter": "https://x.com",
        "discord": "https://discord.com",
        "youtube": "https://www.youtube.com",
    }
    settings.PLATFORM_USER_AGENT = "Herald/test"
    settings.PUBLIC_MEDIA_BASE_URL = "https://media.herald.test"
    settings.X_CLIENT_ID = "x-client"
    settings.X_CLIENT_SECRET = ""
    settings.GOOGLE_CLIENT_ID = "g-client"
    settings.GOOGLE_CLIENT_SECRET = "g-secret"


@pytest.fixture
def api():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


class Checkpoints(list):
    def __call__(self, state):
        self.append(dict(state))


@pytest.fixture
def make_post(tmp_path):
    def build(body="Hello", *, media=(), options=None, state=None, key="7-twitter-1700000000"):
        files = []
        for kind, name, mime, size in media:
            path = tmp_path / name
            path.write_bytes(bytes(range(256)) * (size // 256) + b"x" * (size % 256))
            files.append(
                MediaFile(
                    kind=kind,
                    path=str(path),
                    mime_type=mime,
                    size_bytes=size,
                    public_url=f"https://media.herald.test/{name}",
                )
            )
        post = Post(
            publication_id=7,
            idempotency_key=key,
            body=body,
            options=options or {},
            media=files,
            platform_state=dict(state or {}),
        )
        post.checkpoint = Checkpoints()
        return post

    return build


def credentials(**fields):
    return Credentials(**{"access_token": "tok-123", "integration_id": 1, **fields})
