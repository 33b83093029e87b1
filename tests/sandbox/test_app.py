"""The sandbox is an app of its own: installed only when SANDBOX_ENABLED, importing no Herald app."""

import ast
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SANDBOX = ROOT / "sandbox"
# Herald's own top-level packages, as pyproject.toml lists them: the sandbox plays the
# platforms and shares no code with Herald.
PACKAGES = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
HERALD_PACKAGES = {pattern.rstrip("*") for pattern in PACKAGES["find"]["include"]} - {"sandbox"}
# The one shared helper it uses: every admin change list with a date hierarchy needs it.
ALLOWED = {"operator_admin.changelist"}

REPORT = """
import json
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.urls import Resolver404, resolve
try:
    resolve("/sandbox/x/2/tweets")
    routed = True
except Resolver404:
    routed = False
print(json.dumps({
    "installed": apps.is_installed("sandbox"),
    "routed": routed,
    "admin": sorted(m._meta.label for m in admin.site._registry if m._meta.app_label == "sandbox"),
    "x_api": settings.PLATFORM_BASE_URLS["twitter"],
}))
"""


def manage(*args: str, sandbox_enabled: str) -> subprocess.CompletedProcess:
    """``manage.py`` in a fresh process, on the embedded defaults and SANDBOX_ENABLED as given."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "TOKEN_", "REDIS_", "DATABASE_", "SANDBOX_"))
    }
    env["SANDBOX_ENABLED"] = sandbox_enabled
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_with_the_sandbox_off_it_is_neither_installed_nor_routed_nor_in_the_admin():
    result = manage("shell", "--no-imports", "-c", REPORT, sandbox_enabled="0")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "installed": False,
        "routed": False,
        "admin": [],
        "x_api": "https://api.x.com",
    }


def test_with_the_sandbox_on_its_app_routes_and_admin_are_there():
    result = manage("shell", "--no-imports", "-c", REPORT, sandbox_enabled="1")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "installed": True,
        "routed": True,
        "admin": [
            "sandbox.SandboxContainer",
            "sandbox.SandboxPost",
            "sandbox.SandboxRateWindow",
            "sandbox.SandboxUpload",
        ],
        "x_api": "http://127.0.0.1:8000/sandbox/x",
    }


@pytest.mark.parametrize("sandbox_enabled", ["0", "1"])
def test_the_models_and_migrations_agree_with_the_sandbox_on_or_off(sandbox_enabled):
    result = manage("makemigrations", "--check", "--dry-run", sandbox_enabled=sandbox_enabled)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_the_sandbox_imports_no_herald_app():
    herald_imports = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in SANDBOX.rglob("*.py")
        for name in imported_modules(path) - ALLOWED
        if name.split(".")[0] in HERALD_PACKAGES
    }

    assert herald_imports == set()


def test_every_registered_platform_has_one_emulation_found_by_its_module():
    """The sandbox lists no platform by hand: each is a module in sandbox/views with EMULATION."""
    from platforms import registry
    from sandbox import emulations

    assert sorted(emulations.values()) == sorted(registry.values())
    assert len(emulations.modules()) == len(registry.values())
    assert {m.__name__ for m in emulations.modules()} >= {
        "sandbox.views.x",
        "sandbox.views.discord",
    }


def test_each_emulation_brings_its_own_routes_limits_and_consent_page():
    from django.urls import reverse

    from sandbox import emulations
    from sandbox.limits import rate_limit

    assert reverse("sandbox:x-tweets") == "/sandbox/x/2/tweets"
    assert reverse("sandbox:google-authorize") == "/sandbox/google-accounts/o/oauth2/v2/auth"
    assert rate_limit("discord") == (120, 60)
    assert rate_limit("youtube_uploads") == (100, 86400)
    assert emulations.consent("twitter").pkce is True
    assert emulations.consent("discord").channels == ("announcements", "general", "releases")
    assert emulations.consent("unknown") is None
