"""Run the web server and a django-q2 cluster together; Ctrl-C (or either one ending) stops both.

``serve`` runs Django's development server (``make run``); ``serve --production`` runs
gunicorn with threads instead (``make serve``), sized by WEB_CONCURRENCY (processes) and
GUNICORN_THREADS (threads per process).
"""

import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

STOP_GRACE_SECONDS = 15
# gunicorn finishes the requests under way within this, before we would kill it.
GUNICORN_GRACEFUL_TIMEOUT_SECONDS = 10


def stop_on_signal(signum, frame):
    raise KeyboardInterrupt


def gunicorn_command(
    address: str, *, workers: int | None = None, threads: int | None = None
) -> list[str]:
    """The production web server: gunicorn's threaded workers on ``address`` (host:port).

    ``workers`` processes of ``threads`` threads each; the settings WEB_CONCURRENCY and
    GUNICORN_THREADS when not given.
    """
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi",
        "--bind",
        address,
        "--workers",
        str(workers or settings.WEB_CONCURRENCY),
        "--threads",
        str(threads or settings.GUNICORN_THREADS),
        # Django alone decides whether X-Forwarded-Proto is believed
        # (DJANGO_TRUST_X_FORWARDED_PROTO); gunicorn would take it from any client
        # on 127.0.0.1 and call the request HTTPS.
        "--forwarded-allow-ips",
        "",
        "--graceful-timeout",
        str(GUNICORN_GRACEFUL_TIMEOUT_SECONDS),
        "--access-logfile",
        "-",
        # No runtime control socket: it would be one path in the home directory for every
        # server on the machine.
        "--no-control-socket",
    ]


class Command(BaseCommand):
    help = (
        "Start the web server and a django-q2 cluster; Ctrl-C stops both. The development "
        "server by default, gunicorn with --production."
    )

    def add_arguments(self, parser):
        parser.add_argument("address", nargs="?", default="127.0.0.1:8000")
        parser.add_argument(
            "--production",
            action="store_true",
            help="Serve with gunicorn (WEB_CONCURRENCY processes of GUNICORN_THREADS threads).",
        )

    def handle(self, *args, address, production, **options):
        manage = [sys.executable, "manage.py"]
        if production:
            if settings.DEBUG:
                raise CommandError(
                    "DJANGO_DEBUG is on: --production serves with DEBUG off only. Set "
                    "DJANGO_DEBUG=0 and the production variables (README: Running in "
                    "production), or use make run for the demo."
                )
            web_server = gunicorn_command(address)
        else:
            web_server = [*manage, "runserver", "--noreload", address]
        # Our own interpreter running our own manage.py and gunicorn: no untrusted input.
        children = {
            "the cluster": subprocess.Popen([*manage, "qcluster"]),  # noqa: S603
            "the web server": subprocess.Popen(web_server),  # noqa: S603
        }
        # SIGTERM (e.g. from a process manager) stops us the same way as Ctrl-C.
        signal.signal(signal.SIGTERM, stop_on_signal)
        try:
            while all(child.poll() is None for child in children.values()):
                time.sleep(0.5)
            name, ended = next(
                (name, child) for name, child in children.items() if child.poll() is not None
            )
            self.stderr.write(f"{name} ended with code {ended.returncode}; stopping.")
        except KeyboardInterrupt:
            self.stdout.write("Stopping the web server and the cluster...")
        finally:
            self.stop(list(children.values()))

    def stop(self, children):
        for child in children:
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
