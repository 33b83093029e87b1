"""Herald as ``make serve`` runs it: gunicorn, DEBUG off, static files collected."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from server.management.commands.serve import gunicorn_command
from tests.config.test_settings import PRODUCTION_ENV, manage

ROOT = Path(__file__).resolve().parents[2]
HOST = "herald.example.com"
BEHIND_THE_PROXY = {"Host": HOST, "X-Forwarded-Proto": "https"}
START_TIMEOUT_SECONDS = 15
# The first request imports the rest of Herald in the worker.
REQUEST_TIMEOUT_SECONDS = 15


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def static_root(tmp_path_factory) -> Path:
    """The static files as collectstatic writes them with DEBUG off (hashed and compressed)."""
    root = tmp_path_factory.mktemp("static")
    result = manage("collectstatic", "--noinput", **PRODUCTION_ENV, STATIC_ROOT=str(root))
    assert result.returncode == 0, result.stderr
    assert (root / "staticfiles.json").exists()
    return root


@pytest.fixture
def start_gunicorn(tmp_path, static_root):
    """Start the production web server of ``make serve`` on a free port; stops it after."""
    servers: list[subprocess.Popen] = []

    def start(**env: str) -> str:
        port = free_port()
        clean = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "TOKEN_", "REDIS_", "DATABASE_"))
        }
        log = (tmp_path / f"gunicorn-{port}.log").open("w")
        server = subprocess.Popen(
            gunicorn_command(f"127.0.0.1:{port}", workers=1, threads=2),
            cwd=ROOT,
            env={
                **clean,
                **PRODUCTION_ENV,
                "STATIC_ROOT": str(static_root),
                "SQLITE_PATH": str(tmp_path / "db.sqlite3"),
                **env,
            },
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        servers.append(server)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if server.poll() is not None:
                break
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return url
            except OSError:
                time.sleep(0.2)
        pytest.fail(
            f"gunicorn did not answer within {START_TIMEOUT_SECONDS} s:\n"
            + (tmp_path / f"gunicorn-{port}.log").read_text()
        )

    yield start
    for server in servers:
        server.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_behind_a_trusted_proxy_gunicorn_serves_the_admins_css_with_debug_off(start_gunicorn):
    url = start_gunicorn(DJANGO_TRUST_X_FORWARDED_PROTO="1")

    css = requests.get(
        f"{url}/static/admin/css/base.css",
        headers=BEHIND_THE_PROXY,
        timeout=REQUEST_TIMEOUT_SECONDS,
    )
    assert css.status_code == 200
    assert css.headers["Content-Type"].startswith("text/css")
    assert "body" in css.text

    # The admin's pages link the hashed copy, cached for good and sent compressed.
    login = requests.get(
        f"{url}/admin/login/", headers=BEHIND_THE_PROXY, timeout=REQUEST_TIMEOUT_SECONDS
    )
    assert login.status_code == 200
    hashed = next(
        part.split('"')[0]
        for part in login.text.split('href="')
        if part.startswith("/static/admin/css/base.")
    )
    assert hashed != "/static/admin/css/base.css"
    cached = requests.get(
        f"{url}{hashed}",
        headers={**BEHIND_THE_PROXY, "Accept-Encoding": "gzip"},
        timeout=REQUEST_TIMEOUT_SECONDS,
    )
    assert cached.status_code == 200
    assert "immutable" in cached.headers["Cache-Control"]
    assert cached.headers["Content-Encoding"] == "gzip"
    assert "body" in cached.text

    # The API docs' own static files are in the manifest too.
    docs = requests.get(
        f"{url}/api/docs/", headers=BEHIND_THE_PROXY, timeout=REQUEST_TIMEOUT_SECONDS
    )
    assert docs.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle." in docs.text

    # Plain HTTP, not through the proxy: sent to HTTPS.
    direct = requests.get(
        f"{url}/static/admin/css/base.css",
        headers={"Host": HOST},
        allow_redirects=False,
        timeout=REQUEST_TIMEOUT_SECONDS,
    )
    assert direct.status_code == 301
    assert direct.headers["Location"] == f"https://{HOST}/static/admin/css/base.css"


def test_gunicorn_does_not_believe_x_forwarded_proto_unless_told_to(start_gunicorn):
    url = start_gunicorn()
    response = requests.get(
        f"{url}/static/admin/css/base.css",
        headers=BEHIND_THE_PROXY,
        allow_redirects=False,
        timeout=REQUEST_TIMEOUT_SECONDS,
    )
    assert response.status_code == 301
    assert response.headers["Location"] == f"https://{HOST}/static/admin/css/base.css"


def test_serve_production_refuses_debug_mode():
    result = manage("serve", "--production", "127.0.0.1:0", DJANGO_DEBUG="1")
    assert result.returncode == 1
    assert "DJANGO_DEBUG is on: --production serves with DEBUG off only" in result.stderr


def test_gunicorn_is_sized_from_the_settings(settings):
    settings.WEB_CONCURRENCY = 3
    settings.GUNICORN_THREADS = 12
    command = gunicorn_command("0.0.0.0:8000")
    assert command[:4] == [sys.executable, "-m", "gunicorn", "config.wsgi"]

    def option(name: str) -> str:
        return command[command.index(name) + 1]

    assert option("--bind") == "0.0.0.0:8000"
    assert option("--workers") == "3"
    assert option("--threads") == "12"
    assert option("--forwarded-allow-ips") == ""
