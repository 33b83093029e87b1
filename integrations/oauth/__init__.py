"""The OAuth providers, from the registry: each lives in its platform's package.

The interface of a provider module is described in platforms/oauth.py; the
provider-agnostic connect flow is integrations/oauth/flow.py.
"""

from types import ModuleType

from django.conf import settings

from platforms import registry
from platforms.oauth import OAuthError


def providers() -> dict[str, ModuleType]:
    """Every platform's provider module, by platform value."""
    return {platform.value: platform.oauth_module() for platform in registry.all_platforms()}


def provider_module(provider: str) -> ModuleType:
    try:
        return registry.get(provider).oauth_module()
    except registry.UnknownPlatform:
        raise OAuthError(
            f"Unknown provider {provider!r}; choose from {', '.join(registry.values())}."
        ) from None


def client_settings(provider: str) -> tuple[str, ...]:
    """The environment variables ``provider`` needs, for "not configured" messages."""
    return settings.OAUTH_CLIENT_SETTINGS[provider]


def missing_settings(provider: str) -> tuple[str, ...]:
    return tuple(name for name in client_settings(provider) if not getattr(settings, name, ""))


def is_configured(provider: str) -> bool:
    return not missing_settings(provider)
