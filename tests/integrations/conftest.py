"""A real HTTP receiver on loopback that fails on demand, and webhook fixtures."""

from __future__ import annotations

import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.cache import cache

from integrations import services


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    path: str


@dataclass
class Receiver:
    """Answers 200 unless told otherwise: ``plan`` holds the next answers, each one of
    ``"ok"``, ``"503"``, ``"500"``, ``"302"``, ``"slow_headers"`` (sleeps past the client's
    timeout before answering), ``"slow_body"`` (200 at once, then the body a byte at a time,
    slowly) or ``"close"`` (drops the connection without answering)."""

    port: int = 0
    plan: deque[str] = field(default_factory=deque)
    received: list[Received] = field(default_factory=list)
    accepted_ids: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    slow_seconds: float = 2.5

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def fail_next(self, *modes: str) -> None:
        self.plan.extend(modes)

    def accepted_bodies(self) -> list[bytes]:
        seen: set[str] = set()
        bodies = []
        for item in self.received:
            if (
                item.headers.get("webhook-id") in self.accepted_ids
                and item.headers["webhook-id"] not in seen
                and item.headers.get("x-answered") == "ok"
            ):
                seen.add(item.headers["webhook-id"])
                bodies.append(item.body)
        return bodies


def _handler(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # quiet
            pass

        def do_POST(self):
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length)
            with receiver.lock:
                mode = receiver.plan.popleft() if receiver.plan else "ok"
                headers = {k.lower(): v for k, v in self.headers.items()}
                headers["x-answered"] = mode
                receiver.received.append(Received(headers, body, self.path))
                if mode == "ok" or mode == "slow_body":
                    webhook_id = headers.get("webhook-id", "")
                    if webhook_id not in receiver.accepted_ids:
                        receiver.accepted_ids.append(webhook_id)
            if mode == "close":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if mode == "slow_headers":
                time.sleep(receiver.slow_seconds)
            status = {"503": 503, "500": 500, "302": 302}.get(mode, 200)
            self.send_response(status)
            if status == 302:
                self.send_header("location", "http://127.0.0.1:1/elsewhere")
            if mode == "slow_body":
                self.send_header("content-length", "100000")
                self.end_headers()
                try:
                    for _ in range(200):
                        self.wfile.write(b"x")
                        self.wfile.flush()
                        time.sleep(0.02)
                except OSError:
                    pass
                self.close_connection = True
                return
            answer = b'{"ok": true}'
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

    return Handler


@pytest.fixture
def receiver():
    r = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(r))
    server.daemon_threads = True
    r.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield r
    server.shutdown()
    server.server_close()


@pytest.fixture
def closed_port() -> int:
    """A loopback port nobody listens on."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture(autouse=True)
def _webhook_settings(settings):
    settings.WEBHOOK_ALLOW_INSECURE = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def endpoint(shop, receiver):
    return services.create_endpoint(
        shop=shop,
        url=receiver.url,
        events=["stock.changed", "listing.created", "reservation.created", "reservation.ready"],
    )
