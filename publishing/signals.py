"""What the engine announces as it runs, for whoever measures it.

Publishing never imports the apps that listen (monitoring records these as
metrics): it sends, and the listeners connect themselves when their app loads.
Each signal is sent with ``sender=None`` and the keyword arguments listed.
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
