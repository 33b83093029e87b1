"""django-q2 task entry points."""

from notifications import delivery


def send_due_notices() -> str:
    """Run after a commit that recorded notices, at a digest window's end, and by the sweep."""
    return f"sent={delivery.send_due_notices()}"
