"""What publishing announces, for whoever measures it or tells people.

Publishing never imports the apps that listen (monitoring records metrics,
the apps that tell people write their outbox rows): it sends, and the
listeners connect themselves when their app loads. Each signal is sent with
``sender=None`` and the keyword arguments listed. The change signals are sent
inside the transaction that makes the change, so a listener's rows commit or
roll back with it.
"""

from django.dispatch import Signal

# seconds: one pass of the tick's loop (recover, hold, dispatch) took this long.
tick_pass_finished = Signal()
# platform, scheduled_for, sent_at: a publication's first request goes out at sent_at.
first_request_sent = Signal()
# platform, error: an attempt ended in a PlatformError.
attempt_failed = Signal()
# platform: Herald's own rate window was full, so a publication waits for a slot.
rate_window_held = Signal()

# publication_ids, from_statuses, to_status, error_code, actor: the state machine moved
# these publications to to_status (error_code is the attempt's, e.g. "in_doubt").
publications_moved = Signal()
# content, change: a content was "scheduled", "updated" or "deleted" (sent just before
# the delete, while its rows can still be read).
content_changed = Signal()
