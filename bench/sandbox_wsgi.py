"""The drills' sandbox servers: Herald's WSGI application, warmed up, with an optional CPU profile.

The URLconf (every emulation's views) and its reverse tables are loaded when the
server starts. Left to the first requests, each of the server's threads would
build them at once when a burst begins, and the drill would count that work.

With ``SANDBOX_PROFILE_DIR`` set, every request the application handles is
profiled on its own thread's CPU clock (``time.thread_time``: the 50 ms each
request sleeps costs nothing), and each server process writes its merged
profile to ``sandbox-<pid>.prof`` in that folder when it stops. What the
profile leaves out (the server's HTTP parsing and socket work) is the
difference between a server's CPU time and the profile's total, which
``python -m bench.drills burst --profile-sandbox DIR`` prints.
"""

from __future__ import annotations

import atexit
import cProfile
import os
import pstats
import threading
import time
from pathlib import Path

from django.urls import reverse

from config.wsgi import application as django_application

PROFILE_DIR = os.environ.get("SANDBOX_PROFILE_DIR", "")


class ProfiledApplication:
    """A WSGI application whose calls are profiled per thread and merged at exit."""

    def __init__(self, wrapped, out: Path) -> None:
        self.wrapped = wrapped
        self.out = out
        self.local = threading.local()
        self.profiles: list[cProfile.Profile] = []
        self.lock = threading.Lock()
        atexit.register(self.write)

    def profile(self) -> cProfile.Profile:
        """This thread's profile, made on its first request."""
        profile = getattr(self.local, "profile", None)
        if profile is None:
            profile = self.local.profile = cProfile.Profile(timer=time.thread_time)
            with self.lock:
                self.profiles.append(profile)
        return profile

    def __call__(self, environ, start_response):
        profile = self.profile()
        profile.enable()
        try:
            # The body is read inside: Django's responses here are built in full.
            return list(self.wrapped(environ, start_response))
        finally:
            profile.disable()

    def write(self) -> None:
        with self.lock:
            profiles = list(self.profiles)
        if not profiles:
            return
        stats = pstats.Stats(profiles[0])
        for profile in profiles[1:]:
            stats.add(profile)
        self.out.parent.mkdir(parents=True, exist_ok=True)
        stats.dump_stats(self.out)


reverse("sandbox:post-list")

if PROFILE_DIR:
    application = ProfiledApplication(
        django_application, Path(PROFILE_DIR) / f"sandbox-{os.getpid()}.prof"
    )
else:
    application = django_application
