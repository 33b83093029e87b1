"""Run the web server and a django-q2 cluster together; Ctrl-C (or either one ending) stops both."""

import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand

STOP_GRACE_SECONDS = 15


def stop_on_signal(signum, frame):
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Start the development web server and a django-q2 cluster; Ctrl-C stops both."

    def add_arguments(self, parser):
        parser.add_argument("address", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, address, **options):
        manage = [sys.executable, "manage.py"]
        # Our own interpreter running our own manage.py: no untrusted input.
        children = [
            subprocess.Popen([*manage, "qcluster"]),  # noqa: S603
            subprocess.Popen([*manage, "runserver", "--noreload", address]),  # noqa: S603
        ]
        # SIGTERM (e.g. from a process manager) stops us the same way as Ctrl-C.
        signal.signal(signal.SIGTERM, stop_on_signal)
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
            ended = next(child for child in children if child.poll() is not None)
            self.stderr.write(f"{ended.args[-1]} ended with code {ended.returncode}; stopping.")
        except KeyboardInterrupt:
            self.stdout.write("Stopping the web server and the cluster...")
        finally:
            self.stop(children)

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
