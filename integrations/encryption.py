"""Helpers around the encrypted token columns."""

from django.apps import apps
from fernet_fields import EncryptedField


def encrypted_fields():
    """Every encrypted field of every installed model."""
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedField):
                yield field


def reload_encryption_keys() -> None:
    """Make the encrypted fields read FERNET_KEYS again.

    django-fernet-fields caches its keys on each field the first time it
    uses them; key rotation (and tests that change keys) must drop that cache.
    """
    for field in encrypted_fields():
        for cached in ("keys", "fernet_keys", "fernet"):
            field.__dict__.pop(cached, None)
