"""One module per platform; ``platform_module`` finds the one for a platform name."""

from importlib import import_module
from types import ModuleType

from django.conf import settings


def platform_module(platform: str) -> ModuleType:
    """The module that speaks to ``platform`` (settings.PLATFORM_MODULES, overridable in tests)."""
    return import_module(settings.PLATFORM_MODULES[platform])
