"""A push service of our own on loopback, doing what the real ones do (RFC 8030/8291/8292):

* checks ``Authorization: vapid t=<JWT>,k=<key>``: ``k`` is the app's public key, the JWT's
  ES256 signature verifies with it, ``aud`` is this service's origin, ``exp`` is in the future
  and within 24 h, ``sub`` is there;
* checks ``Content-Encoding: aes128gcm``, ``TTL`` and ``Urgency``;
* decrypts the body with the subscription's private key, as the browser would (http_ece);
* answers 201, or what a test scripted for that subscription (404, 410, 429 with
  ``Retry-After``, 503), and never redirects anyone anywhere.

Browsers are made with :meth:`PushService.browser`: a fresh P-256 key pair and auth secret,
and ``subscription`` is what ``PushSubscription.toJSON()`` would give.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Browser:
    service: PushService
    name: str
    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def endpoint(self) -> str:
        return f"{self.service.origin}/push/{self.name}"

    @property
    def subscription(self) -> dict[str, Any]:
        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": self.endpoint,
            "keys": {"p256dh": b64url(public), "auth": b64url(self.auth)},
        }

    @property
    def messages(self) -> list[dict[str, Any]]:
        """What this browser received and decrypted, in order."""
        return [r["payload"] for r in self.service.received[self.name]]

    @property
    def requests(self) -> list[dict[str, Any]]:
        return list(self.service.received[self.name])

    def answer(self, *statuses: int | tuple[int, dict[str, str]]) -> None:
        """Script the next answers for this browser's endpoint (then 201 again)."""
        for status in statuses:
            self.service.scripts[self.name].append(status)


class PushService:
    def __init__(self, app_public_key: str) -> None:
        self.app_public_key = app_public_key
        self.browsers: dict[str, Browser] = {}
        self.received: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.scripts: dict[str, deque] = defaultdict(deque)
        self.rejected: list[str] = []  # why requests were refused (a bad JWT, …)
        self.delay = 0.0  # seconds each answer takes (a slow push service)
        self.lock = threading.Lock()
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                status, headers = service.handle(self.path, dict(self.headers.items()), body)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> PushService:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def browser(self, name: str | None = None) -> Browser:
        browser = Browser(self, name or secrets.token_hex(6))
        self.browsers[browser.name] = browser
        return browser

    def total(self) -> int:
        return sum(len(v) for v in self.received.values())

    # --- what a real push service checks ----------------------------------------------------

    def _refuse(self, why: str) -> tuple[int, dict[str, str]]:
        with self.lock:
            self.rejected.append(why)
        return 401 if "vapid" in why else 400, {}

    def check_vapid(self, authorization: str) -> str | None:
        scheme, _sp, params = authorization.partition(" ")
        if scheme.lower() != "vapid":
            return "vapid: wrong scheme"
        parts = dict(p.split("=", 1) for p in params.split(","))
        if parts.get("k") != self.app_public_key:
            return "vapid: k is not the application's public key"
        if not Vapid02.verify(authorization):
            return "vapid: bad signature"
        claims = json.loads(b64url_decode(parts["t"].split(".")[1]))
        if claims.get("aud") != self.origin:
            return f"vapid: aud {claims.get('aud')!r}"
        now = time.time()
        if not now < claims.get("exp", 0) <= now + 24 * 3600:
            return "vapid: exp"
        if not claims.get("sub"):
            return "vapid: sub"
        return None

    def handle(self, path: str, headers: dict[str, str], body: bytes):
        name = path.rsplit("/", 1)[-1]
        browser = self.browsers.get(name)
        if not path.startswith("/push/") or browser is None:
            return 404, {}
        headers = {k.lower(): v for k, v in headers.items()}
        why = self.check_vapid(headers.get("authorization", ""))
        if why:
            return self._refuse(why)
        if headers.get("content-encoding") != "aes128gcm":
            return self._refuse("content-encoding")
        if not headers.get("ttl", "").isdigit() or headers.get("urgency") not in (
            "very-low",
            "low",
            "normal",
            "high",
        ):
            return self._refuse("ttl/urgency")
        if self.delay:
            time.sleep(self.delay)
        with self.lock:
            script = self.scripts[name]
            scripted = script.popleft() if script else 201
        status, extra = scripted if isinstance(scripted, tuple) else (scripted, {})
        if status != 201:
            return status, extra
        plain = http_ece.decrypt(
            body, private_key=browser.private_key, auth_secret=browser.auth, version="aes128gcm"
        )
        with self.lock:
            self.received[name].append(
                {"payload": json.loads(plain), "headers": headers, "at": time.time()}
            )
        return 201, {"Location": f"{self.origin}/message/{secrets.token_hex(4)}"}
