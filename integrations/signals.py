"""Signals other apps listen to, so integrations never imports the publishing engine."""

from django.dispatch import Signal

# Sent with ``integration`` after a paused account is resumed or an account is revoked:
# publications held for it are due again (and then publish, or fail saying why).
integration_released = Signal()
