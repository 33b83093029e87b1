"""Signals other apps listen to, so integrations never imports the publishing engine."""

from django.dispatch import Signal

# Sent with ``integration`` after a paused account is resumed or an account is revoked:
# publications held for it are due again (and then publish, or fail saying why).
integration_released = Signal()

# Sent with ``integration_id`` and ``message`` when an account's status becomes
# needs_reauth or expired: it must be connected again. Inside the transaction.
integration_needs_reauth = Signal()
# Sent with ``integration_id`` and ``expires_at`` when the daily check finds a token that
# expires within INTEGRATION_EXPIRY_WARNING_DAYS and cannot be refreshed.
integration_expiring = Signal()
