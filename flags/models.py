from django.conf import settings
from django.db import models


class SwitchFlip(models.Model):
    """One flip of a publishing switch: which, to what, by whom, when and why.

    Written by ``flags.services.set_switch`` only; operators read it in the admin.
    """

    name = models.CharField(max_length=100, db_index=True)
    active = models.BooleanField(help_text="The switch's new state.")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    username = models.CharField(
        max_length=150, help_text="Who flipped it (kept if the user is deleted)."
    )
    note = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        permissions = [("flip_switch", "Can flip the publishing switches")]

    def __str__(self) -> str:
        return f"{self.name} {'on' if self.active else 'off'} by {self.username}"
