"""Run the daily integration check now, with progress and a summary."""

from django.core.management.base import BaseCommand

from integrations.daily_check import check_integrations


class Command(BaseCommand):
    help = "Refresh expiring tokens and flag accounts whose tokens the platforms refuse."

    def handle(self, *args, **options):
        report = check_integrations(progress=self.progress)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(report.summary()))
        for problem in report.problems:
            self.stdout.write(self.style.WARNING(f"- {problem}"))
        if report.states_deleted:
            self.stdout.write(f"Forgot {report.states_deleted} finished connect attempts.")

    def progress(self, done: int, total: int) -> None:
        width = 30
        filled = int(width * done / total) if total else width
        self.stdout.write(f"\r[{'#' * filled:<{width}}] {done}/{total} accounts", ending="")
        self.stdout.flush()
