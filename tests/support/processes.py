"""Real server processes for integration and browser tests: daphne and a throwaway Redis.

Every server binds 127.0.0.1 on a port the kernel picks, so runs never collide. Daphne gets
its listening socket handed over with ``--fd`` (the way a socket-activated unit would), so
the port is known before the process starts and nothing has to parse logs for it.
"""

from __future__ import annotations

import http.cookiejar as http_cookiejar
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tests.support.services import port_open

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, timeout: float, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def server_env(database_url: str, redis_url: str | None = None, **extra: str) -> dict[str, str]:
    """The environment of a production-like run: real settings, DEBUG off, plain HTTP."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST_", "TEST_", "REDIS_", "DATABASE_"))
    }
    tmp = Path(tempfile.gettempdir())
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "0",
            "SECRET_KEY": "live-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": database_url,
            "CHANNEL_LAYER_PREFIX": os.environ.get("CHANNEL_LAYER_PREFIX", "live-test"),
            "HUEY_IMMEDIATE": "1",
            "HUEY_SQLITE_PATH": str(tmp / f"dongne5km-live-huey-{os.getpid()}.sqlite3"),
            "MEDIA_ROOT": str(tmp / f"dongne5km-live-media-{os.getpid()}"),
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra)
    return env


class Daphne:
    """One ``daphne config.asgi:application`` process on its own port."""

    def __init__(self, env: Mapping[str, str], name: str = "daphne") -> None:
        self.env = dict(env)
        self.name = name
        self.port = 0
        self.process: subprocess.Popen | None = None
        ARTIFACTS.mkdir(exist_ok=True)
        self.log_path = ARTIFACTS / f"{name}-{os.getpid()}-{id(self):x}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> Daphne:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        self.port = listener.getsockname()[1]
        fd = listener.fileno()
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "daphne",
                    "--fd",
                    str(fd),
                    "--proxy-headers",
                    "config.asgi:application",
                ],
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=(fd,),
            )
        # Only the child may hold the socket: once it dies the port must refuse connections.
        listener.close()
        try:
            wait_until(self._ready, timeout, 0.2, f"{self.name} on port {self.port}")
        except TimeoutError:
            self.stop()
            raise RuntimeError(f"{self.name} did not start:\n{self.log_tail()}") from None
        return self

    def _ready(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(
                f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}"
            )
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=5) as response:
                return response.status == 200
        except (OSError, urllib.error.URLError):
            return False

    def kill(self) -> None:
        """Die at once, like a crashed or OOM-killed process: no goodbye to any client."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.kill()

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""


class RedisServer:
    """A throwaway ``redis-server`` on its own port: safe to stop and restart in a test."""

    def __init__(self, binary: str) -> None:
        self.binary = binary
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="dongne5km-redis-"))
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 20) -> RedisServer:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
                "--logfile",
                str(self.dir / "log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: port_open("127.0.0.1", self.port, 0.2), timeout, 0.05, "redis-server")
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def restart(self) -> None:
        self.stop()
        self.start()


def http(
    method: str,
    url: str,
    body: Any = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 15,
) -> tuple[int, dict[str, str], bytes]:
    """A plain HTTP call that returns error statuses instead of raising."""
    data = None
    all_headers = {"Accept": "application/json", **(headers or {})}
    if body is not None:
        data = json.dumps(body).encode()
        all_headers.setdefault("Content-Type", "application/json")
    request = urllib.request.Request(url, data=data, method=method, headers=all_headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def record_measurement(name: str, value: float, unit: str = "s") -> None:
    """Note a figure in test-artifacts/measurements.txt: reported, never asserted."""
    ARTIFACTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
    with open(ARTIFACTS / "measurements.txt", "a") as out:
        out.write(f"{stamp} {name} {value:.2f}{unit}\n")


class FormSession:
    """A cookie-keeping HTTP client that logs in through the owner login form, as a browser would."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.jar = http_cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def cookie(self, name: str):
        return next((cookie for cookie in self.jar if cookie.name == name), None)

    def open(
        self,
        path: str,
        form: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, str, str]:
        """(status, final URL, body) for a GET, or a POST of ``form`` with the CSRF token."""
        data = None
        all_headers = {"Referer": f"{self.base_url}{path}", **(headers or {})}
        if form is not None:
            token = self.cookie("csrftoken")
            data = urllib.parse.urlencode(
                {"csrfmiddlewaretoken": token.value if token else "", **form}
            ).encode()
        request = urllib.request.Request(f"{self.base_url}{path}", data=data, headers=all_headers)
        try:
            with self.opener.open(request, timeout=15) as response:
                # Pages link images too (the home-screen icon): bytes that are not text stay readable.
                return response.status, response.url, response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            return error.code, error.url, error.read().decode()

    def log_in(self, username: str, password: str, next_url: str = "/owner/") -> str:
        self.open("/owner/login/")
        status, url, body = self.open(
            "/owner/login/", {"username": username, "password": password, "next": next_url}
        )
        assert status == 200 and not url.endswith("/owner/login/"), body[:500]
        return body
