from django.conf import settings
from django.db import models
from fernet_fields import EncryptedTextField

from platforms import registry


class Integration(models.Model):
    """A connected platform account, with its tokens encrypted at rest.

    Tokens are django-fernet-fields-v2 columns: the database holds only
    ciphertext. They are never rendered: admin and API show ``masked_secret``.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        EXPIRED = "expired", "Expired"
        NEEDS_REAUTH = "needs_reauth", "Needs re-authorization"
        REVOKED = "revoked", "Revoked"
        PAUSED = "paused", "Paused"

    # Never shown, filtered or searched in the admin (operator_admin.secrets).
    SECRET_FIELDS = ("access_token", "refresh_token", "webhook_url")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="integrations"
    )
    provider = models.CharField(max_length=16, choices=registry.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    external_account_id = models.CharField(max_length=128)
    display_name = models.CharField(max_length=200, blank=True)
    access_token = EncryptedTextField(blank=True, null=True)
    refresh_token = EncryptedTextField(blank=True, null=True)
    webhook_url = EncryptedTextField(blank=True, null=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    scopes = models.CharField(max_length=500, blank=True)
    account_options = models.JSONField(
        default=dict,
        blank=True,
        help_text="Non-secret account details, e.g. Discord guild and channel ids, X username.",
    )
    rate_limited_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user", "provider", "display_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "provider", "external_account_id"],
                name="integration_unique_account",
            )
        ]
        indexes = [
            models.Index(fields=["user", "provider", "status"], name="integration_lookup_idx")
        ]
        permissions = [
            ("manage_integration", "Can refresh, pause, resume and revoke connected accounts")
        ]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} · {self.display_name or self.external_account_id}"


class LegacyTokenUse(models.Model):
    """How often the engine fell back to a user's legacy plaintext columns, per platform.

    Operators read it in the admin: each row is a user still to migrate.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="legacy_token_uses"
    )
    provider = models.CharField(max_length=16, choices=registry.choices)
    uses = models.PositiveIntegerField(default=0)
    last_used_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "provider"], name="legacy_use_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.provider}: {self.uses}"


class OAuthState(models.Model):
    """A connect flow in progress: the ``state`` sent to the provider, bound to one user.

    The first browser to open the flow's start URL binds it: the row keeps a
    hash of a random secret that only that browser holds, in a cookie. The
    callback accepts a state only from that browser, only once, only before it
    expires, and only for the provider that issued it; the PKCE verifier never
    leaves the server.
    """

    # Never shown, filtered or searched in the admin (operator_admin.secrets).
    SECRET_FIELDS = ("state", "code_verifier")

    state = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="oauth_states"
    )
    provider = models.CharField(max_length=16, choices=registry.choices)
    code_verifier = EncryptedTextField(blank=True)
    redirect_uri = models.CharField(max_length=500)
    server = models.CharField(
        max_length=200,
        blank=True,
        help_text="The account's server, for a provider with one per account (Mastodon).",
    )
    return_to = models.CharField(
        max_length=500, blank=True, help_text="A path in Herald to show when the flow ends."
    )
    browser_binding = models.CharField(
        max_length=64,
        blank=True,
        help_text="sha256 of the secret in the cookie of the browser that opened the flow; "
        "empty until one has.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "OAuth state"

    def __str__(self) -> str:
        return f"{self.provider} connect for {self.user} at {self.created_at:%Y-%m-%d %H:%M}"


class RegisteredClient(models.Model):
    """The OAuth client Herald registered on one server of a per-server provider.

    Registered on first use (Mastodon's ``POST /api/v1/apps``) and kept, so every
    later connect to that server reuses it; the secret is encrypted at rest.
    """

    # Never shown, filtered or searched in the admin (operator_admin.secrets).
    SECRET_FIELDS = ("client_secret",)

    provider = models.CharField(max_length=16, choices=registry.choices)
    server = models.CharField(max_length=200)
    client_id = models.CharField(max_length=200)
    client_secret = EncryptedTextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "server"], name="registered_client_unique_server"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} client on {self.server}"
