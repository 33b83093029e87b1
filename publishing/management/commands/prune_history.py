"""manage.py prune_history: delete audit events and delivered-message logs older than an age."""

from django.core.management.base import BaseCommand, CommandError

from publishing.retention import BadAge, PruneReport, default_age, parse_age, prune_history


class Command(BaseCommand):
    help = (
        "Delete audit events and delivered-message logs older than --older-than (default "
        "HISTORY_RETENTION_DAYS), in batches. Events of publications that are not final, in "
        "doubt, or changed within the period are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            metavar="AGE",
            help="An age in days, like 400d (default: HISTORY_RETENTION_DAYS).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would go; delete nothing."
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            metavar="ROWS",
            help="Rows per DELETE statement (default: HISTORY_PRUNE_BATCH_SIZE).",
        )

    def handle(self, *args, older_than=None, dry_run=False, batch_size=None, **options):
        try:
            age = default_age() if older_than is None else parse_age(older_than)
        except BadAge as error:
            raise CommandError(f"--older-than: {error}") from None
        if batch_size is not None and batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        self.stdout.write(
            f"{'Counting' if dry_run else 'Deleting'} history older than {age.days} days"
            f"{' (dry run: nothing is deleted)' if dry_run else ''}."
        )
        reports = prune_history(
            older_than=age, dry_run=dry_run, batch_size=batch_size, on_batch=self.progress
        )
        for report in reports:
            verb = "would delete" if dry_run else "deleted"
            batches = "" if dry_run else f" in {report.batches} batch(es)"
            self.stdout.write(
                f"{report.name}: {verb} {report.rows:,} row(s) older than "
                f"{report.cutoff:%Y-%m-%d %H:%M} UTC{batches}."
            )

    def progress(self, report: PruneReport) -> None:
        self.stdout.write(f"  {report.name}: {report.rows:,} deleted so far ...")
