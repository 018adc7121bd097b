"""Start N daphne processes on one listening socket, as the benchmarks serve the app.

The kernel spreads the connections over the processes, as a balancer in front of one process
per core would. Used by ``bench/nearby.py`` and ``bench/reserve.py`` (run from ``bench/``).
"""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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
