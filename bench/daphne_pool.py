"""Start N daphne processes on one listening socket, as the benchmarks serve the app.

The kernel spreads the connections over the processes, as a balancer in front of one process
per core would. Used by ``bench/nearby.py`` and ``bench/reserve.py`` (run from ``bench/``).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def django_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment the benchmarks run the app in: their own database, DEBUG off, no Redis
    (the in-memory channel layer), and the per-IP and per-network limits lifted for the run,
    since every bench customer comes from 127.0.0.1 (each with their own phone)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "HUEY_SQLITE_PATH": str(Path(tempfile.gettempdir()) / f"bench-huey-{os.getpid()}.sqlite3"),
        "PICKUP_RATE_LIMIT": "1000000",
        "PICKUP_NETWORK_ALLOWANCE": "100000",
        "PICKUP_MAX_ACTIVE_PER_PHONE": "100000",
        **extra,
    }
    env.pop("REDIS_URL", None)
    return env


def start(env: Mapping[str, str], app: str, processes: int) -> tuple[list[subprocess.Popen], int]:
    """``processes`` daphne processes serving ``app``; returns them and the port."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1024)
    port = listener.getsockname()[1]
    servers = [
        subprocess.Popen(
            [sys.executable, "-m", "daphne", "--fd", str(listener.fileno()), "-v", "0", app],
            cwd=ROOT,
            env=dict(env),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(listener.fileno(),),
        )
        for _ in range(processes)
    ]
    listener.close()
    return servers, port


def stop(servers: list[subprocess.Popen]) -> None:
    for server in servers:
        server.terminate()
    for server in servers:
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
