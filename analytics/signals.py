from django.dispatch import Signal

# Sent after each collector run with ``report`` (analytics.services.CollectionReport).
collector_ran = Signal()
