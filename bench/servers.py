"""Private servers for the fault drills: PostgreSQL, Redis and the platform sandbox.

The drills stop and restart their database and Redis, so they never use the
shared ones: they run their own, created and started on demand.

* PostgreSQL cluster ``herald-drills`` on 127.0.0.1:5440: Herald's database
  (``herald_drills``). The drills restart it.
* PostgreSQL cluster ``herald-drills-sandbox`` on 127.0.0.1:5441: the
  sandbox's database (``herald_drills_sandbox``). Never restarted: the
  platforms do not go down with Herald's database.
* Redis on 127.0.0.1:6390, no persistence: Herald's cache, broker and rate
  limiter (db 0). The drills restart it.
* The sandbox: one gunicorn server (threaded workers) per platform on 127.0.0.1:8471-8474.

The servers may be left running between drills; each drill starts what is down.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Threads of each sandbox server: a drill sends up to Q_WORKERS x PUBLISH_CONCURRENCY at once.
SANDBOX_THREADS = 96

HERALD_PG = ("herald-drills", 5440, "herald_drills")
SANDBOX_PG = ("herald-drills-sandbox", 5441, "herald_drills_sandbox")
REDIS_PORT = 6390
SANDBOX_PORTS = {"twitter": 8471, "discord": 8472, "instagram": 8473, "youtube": 8474}
SANDBOX_PATHS = {
    "twitter": "x",
    "discord": "discord",
    "instagram": "instagram",
    "youtube": "youtube",
}
BASE_URL_VARIABLES = {
    "twitter": "X_API_BASE_URL",
    "discord": "DISCORD_API_BASE_URL",
    "instagram": "INSTAGRAM_API_BASE_URL",
    "youtube": "YOUTUBE_API_BASE_URL",
}
STATE_DIR = Path(tempfile.gettempdir()) / "herald-drills"


def run(*command: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(command, check=check, capture_output=True, text=True)


# --- PostgreSQL ------------------------------------------------------------------------


def postgres_version() -> str:
    """The newest installed PostgreSQL major version (the name of its config folder)."""
    versions = sorted(
        (p.name for p in Path("/etc/postgresql").iterdir() if p.name.isdigit()), key=int
    )
    if not versions:
        raise SystemExit("No PostgreSQL server is installed (pg_createcluster is needed).")
    return versions[-1]


def database_url(server: tuple[str, int, str]) -> str:
    _, port, name = server
    return f"postgres://postgres@127.0.0.1:{port}/{name}"


def postgres_ready(port: int) -> bool:
    return run("pg_isready", "-q", "-h", "127.0.0.1", "-p", str(port), check=False).returncode == 0


def ensure_postgres(server: tuple[str, int, str]) -> None:
    """Create the private cluster once (trust auth on 127.0.0.1), start it if down."""
    cluster, port, _ = server
    version = postgres_version()
    if not (Path("/etc/postgresql") / version / cluster).exists():
        print(f"Creating the private PostgreSQL cluster {cluster} on port {port} ...")
        run(
            "pg_createcluster",
            version,
            cluster,
            "--port",
            str(port),
            "--start-conf",
            "manual",
            "--",
            "--auth=trust",
        )
        conf = Path("/etc/postgresql") / version / cluster / "postgresql.conf"
        with conf.open("a") as handle:
            handle.write("\nlisten_addresses = '127.0.0.1'\nmax_connections = 300\n")
    if not postgres_ready(port):
        start_postgres(server)


def start_postgres(server: tuple[str, int, str]) -> None:
    cluster, port, _ = server
    run("pg_ctlcluster", postgres_version(), cluster, "start", check=False)
    wait_for(lambda: postgres_ready(port), f"PostgreSQL {cluster} to accept connections")


def stop_postgres(server: tuple[str, int, str]) -> None:
    cluster, _, _ = server
    run("pg_ctlcluster", postgres_version(), cluster, "stop", "-m", "fast")


# --- Redis ---------------------------------------------------------------------------------


def redis_url() -> str:
    return f"redis://127.0.0.1:{REDIS_PORT}/0"


def redis_ready() -> bool:
    answer = run("redis-cli", "-p", str(REDIS_PORT), "ping", check=False)
    return answer.returncode == 0 and answer.stdout.strip() == "PONG"


def ensure_redis() -> None:
    if not redis_ready():
        start_redis()


def start_redis() -> None:
    STATE_DIR.mkdir(exist_ok=True)
    run(
        "redis-server",
        "--daemonize",
        "yes",
        "--bind",
        "127.0.0.1",
        "--port",
        str(REDIS_PORT),
        "--save",
        "",
        "--appendonly",
        "no",
        "--pidfile",
        str(STATE_DIR / "redis.pid"),
        "--dir",
        str(STATE_DIR),
        "--logfile",
        str(STATE_DIR / "redis.log"),
    )
    wait_for(redis_ready, "Redis to answer")


def stop_redis() -> None:
    run("redis-cli", "-p", str(REDIS_PORT), "shutdown", "nosave", check=False)
    wait_for(lambda: not redis_ready(), "Redis to stop")


# --- The sandbox ------------------------------------------------------------------------------


def sandbox_base_urls() -> dict[str, str]:
    """The engine's ``*_API_BASE_URL`` variables, one sandbox server per platform."""
    return {
        BASE_URL_VARIABLES[platform]: f"http://127.0.0.1:{port}/sandbox/{SANDBOX_PATHS[platform]}"
        for platform, port in SANDBOX_PORTS.items()
    }


def start_sandbox(env: dict[str, str], log_dir: Path) -> list[subprocess.Popen]:
    """One threaded web server per platform, on the sandbox's own database, no Redis.

    gunicorn, as in production, rather than the development server: its answers
    leave in one write (the development server's header and body writes meet the
    client's delayed acknowledgement, about 40 ms a request) and it costs less CPU
    a request. Enough threads that the drills' sending threads never queue on it.
    """
    servers = []
    for platform, port in SANDBOX_PORTS.items():
        log = (log_dir / f"sandbox-{platform}.log").open("wb")
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                # Herald's application, profiled when SANDBOX_PROFILE_DIR is set.
                "bench.sandbox_wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--worker-class",
                "gthread",
                "--workers",
                "1",
                "--threads",
                str(SANDBOX_THREADS),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        servers.append(server)
    for platform, port in SANDBOX_PORTS.items():
        wait_for(lambda port=port: port_open(port), f"the {platform} sandbox on port {port}")
    return servers


def stop_processes(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def port_open(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def wait_for(ready, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.2)
    raise SystemExit(f"Gave up waiting for {what} after {timeout:.0f} s.")


def require_tools() -> None:
    missing = [
        tool
        for tool in ("pg_createcluster", "pg_ctlcluster", "pg_isready", "redis-server", "redis-cli")
        if shutil.which(tool) is None
    ]
    if missing:
        raise SystemExit(f"The drills need {', '.join(missing)} on PATH.")
