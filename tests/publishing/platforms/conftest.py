"""The engine over the real platform clients, on mocked hosts: the clients' fixtures."""

from tests.platforms.conftest import api, make_post, metrics_store, platform_settings  # noqa: F401
