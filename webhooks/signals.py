"""What the webhooks app announces.

``endpoint_disabled`` is sent with ``endpoint_id``, ``owner_id``, ``url`` and
``reason`` (a sentence) when Herald stops delivering to an endpoint: it answered
410 Gone, or it has failed for WEBHOOK_DISABLE_AFTER_DAYS. Sent inside the
transaction that disables it, after the row is saved.
"""

from django.dispatch import Signal

endpoint_disabled = Signal()
