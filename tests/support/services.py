"""Finding the services some tests need, and what to do when one is missing.

On a newcomer's machine a missing PostgreSQL, Redis or Chromium skips the tests that need it,
saying what to install or set. In CI (``CI=true``) the same absence fails the test: CI
promises those services, so a skip there would hide a broken pipeline.
"""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/postgres"


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def missing(what: str, how: str) -> None:
    """Skip (locally) or fail (CI) because ``what`` is not available."""
    message = f"{what} is not available: {how}"
    if in_ci():
        pytest.fail(f"{message} (CI=true requires it)", pytrace=False)
    pytest.skip(message)


def port_open(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def chromium_path() -> str:
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        missing(
            "Chromium",
            f"install Debian's browser (`apt-get install -y chromium`); looked for {CHROMIUM}",
        )
    return CHROMIUM


def redis_server_binary() -> str:
    binary = shutil.which("redis-server")
    if binary is None:
        missing("redis-server", "install Redis (`apt-get install -y redis-server`)")
    return binary


def nginx_binary() -> str:
    binary = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if binary is None:
        missing("nginx", "install it (`apt-get install -y nginx-light`) to test deploy/ configs")
    return binary


def postgres_server_url() -> str:
    """A URL of a reachable PostgreSQL server (its database part is only a default)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        url = os.environ.get("TEST_PG_URL") or DEFAULT_PG_URL
    parts = urlsplit(url)
    if not port_open(parts.hostname or "127.0.0.1", parts.port or 5432):
        missing(
            "PostgreSQL",
            f"nothing answers at {parts.hostname}:{parts.port or 5432}; "
            "start it or set TEST_PG_URL=postgres://user@host:port/db",
        )
    return url


def shared_redis_url() -> str | None:
    """The suite's own REDIS_URL when set; fails in CI when it is set but unreachable."""
    url = os.environ.get("REDIS_URL", "")
    if not url:
        return None
    parts = urlsplit(url)
    if not port_open(parts.hostname or "127.0.0.1", parts.port or 6379):
        missing("Redis", f"REDIS_URL={url} does not answer")
    return url
