from django.core.management.base import BaseCommand
from django.utils import timezone

from api.models import IDEMPOTENCY_KEY_TTL, IdempotencyRecord


class Command(BaseCommand):
    help = "Delete Idempotency-Key records older than 24 hours (they are ignored already)."

    def handle(self, *args, **options):
        cutoff = timezone.now() - IDEMPOTENCY_KEY_TTL
        deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
        self.stdout.write(f"Deleted {deleted} expired idempotency key record(s).")
