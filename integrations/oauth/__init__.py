"""OAuth connect flows, one module per provider, all with the same small interface.

Each module has ``NAME``, ``USES_PKCE``, ``is_configured()``,
``authorization_url(state=, redirect_uri=, code_challenge=)``,
``exchange_code(code=, redirect_uri=, code_verifier=)`` -> ``TokenGrant``,
``fetch_account(grant)`` -> ``ConnectedAccount`` and ``revoke(grant)`` (or
``revoke = None`` where the platform has no revocation endpoint).
"""

from types import ModuleType

from integrations.oauth import discord, instagram, twitter, youtube
from integrations.oauth.base import OAuthError

PROVIDERS: dict[str, ModuleType] = {
    "twitter": twitter,
    "youtube": youtube,
    "instagram": instagram,
    "discord": discord,
}

# The environment variables each provider needs, for "not configured" messages.
CLIENT_SETTINGS = {
    "twitter": ("X_CLIENT_ID",),
    "youtube": ("GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET"),
    "instagram": ("INSTAGRAM_CLIENT_ID", "INSTAGRAM_CLIENT_SECRET"),
    "discord": ("DISCORD_CLIENT_ID", "DISCORD_CLIENT_SECRET"),
}


def provider_module(provider: str) -> ModuleType:
    try:
        return PROVIDERS[provider]
    except KeyError:
        raise OAuthError(
            f"Unknown provider {provider!r}; choose from {', '.join(PROVIDERS)}."
        ) from None
