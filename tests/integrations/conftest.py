import pytest

from integrations.encryption import reload_encryption_keys


@pytest.fixture
def use_keys(settings):
    """Switch FERNET_KEYS for one test; the encrypted fields read them again."""

    def apply(*keys):
        settings.FERNET_KEYS = list(keys)
        reload_encryption_keys()

    yield apply
    reload_encryption_keys()
