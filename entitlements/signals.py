"""What entitlements announce; publishing and the apps that tell people listen.

Sent with ``sender=None`` and the keyword arguments listed.
"""

from django.dispatch import Signal

# user_ids (a list, or None for "any user": a plan changed): the limits in force for
# these users may have changed, so posts a plan held may be allowed now.
limits_changed = Signal()
# user_id, limit_name, limit, used: an action just used a user's last unit of a limit
# (the post that fills the month, the account that fills the platform). Sent inside
# the transaction of that action.
limit_reached = Signal()
