"""django-q2 task entry points."""

from notifications import delivery


def send_due_notices() -> str:
    """Run after a commit that recorded notices, at a digest window's end, and by the sweep
    (every minute), which also deletes notices sent more than NOTIFY_KEEP_DAYS ago."""
    sent = delivery.send_due_notices()
    pruned = delivery.prune_sent_notices()
    return f"sent={sent} pruned={pruned}"
