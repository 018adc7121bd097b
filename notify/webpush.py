"""Sending Web Push messages: RFC 8291 ``aes128gcm`` encryption (pywebpush / http_ece), RFC 8292
VAPID (py-vapid) and RFC 8030 delivery headers, over a bounded pool of keep-alive connections.
Plain Python, no Django: the worker and the benchmark's floor use the very same code.

Redirects are never followed (a push service answers 201; anything else is an answer, not a
hop to somewhere the subscription did not name).
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid02
from pywebpush import WebPusher
from requests.adapters import HTTPAdapter

# A JWT is reused for one audience until an hour before it expires (RFC 8292 allows reuse).
JWT_LIFETIME_SECONDS = 12 * 3600
JWT_REFRESH_MARGIN_SECONDS = 3600


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def generate_private_key() -> str:
    """A new VAPID private key as base64url raw (32 bytes)."""
    vapid = Vapid02()
    vapid.generate_keys()
    return b64url(vapid.private_key.private_numbers().private_value.to_bytes(32, "big"))


def load_vapid(private_key: str) -> Vapid02:
    """base64url raw, or DER/PEM as py_vapid reads it."""
    text = private_key.strip()
    if text.startswith("-----BEGIN"):
        return Vapid02.from_pem(text.encode())
    return Vapid02.from_string(text)


def public_key(vapid: Vapid02) -> str:
    """The application server key browsers subscribe with: base64url uncompressed P-256 point."""
    raw = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url(raw)


def audience(endpoint: str) -> str:
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}"


class Signer:
    """``Authorization: vapid t=<JWT>,k=<key>`` per push-service origin, cached."""

    def __init__(self, vapid: Vapid02, subject: str) -> None:
        self.vapid = vapid
        self.subject = subject
        self._cache: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def authorization(self, endpoint: str) -> str:
        aud = audience(endpoint)
        now = time.time()
        with self._lock:
            cached = self._cache.get(aud)
            if cached and cached[0] - JWT_REFRESH_MARGIN_SECONDS > now:
                return cached[1]
            exp = int(now) + JWT_LIFETIME_SECONDS
            header = self.vapid.sign({"aud": aud, "exp": exp, "sub": self.subject})["Authorization"]
            self._cache[aud] = (exp, header)
            return header


def encrypt(subscription: dict[str, Any], payload: bytes) -> bytes:
    """The ``aes128gcm`` body for one subscription (a fresh ephemeral key each time)."""
    return WebPusher(subscription).encode(payload, "aes128gcm")["body"]


@dataclass(frozen=True)
class Outcome:
    status: int | None  # None: no answer (connection refused, timeout), or not sent
    retry_after: float | None = None  # seconds, from the Retry-After header
    unsendable: bool = False  # the subscription's keys cannot be encrypted to

    @property
    def accepted(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def gone(self) -> bool:
        return self.status in (404, 410)

    @property
    def retryable(self) -> bool:
        if self.unsendable:
            return False
        return self.status is None or self.status == 429 or self.status >= 500


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - (time.time() if now is None else now))


@dataclass(frozen=True)
class Message:
    key: Any  # the caller's handle (a delivery id)
    subscription: dict[str, Any]
    payload: bytes
    ttl: int
    urgency: str = "normal"
    topic: str | None = None


class Sender:
    """Encrypts, signs and POSTs, ``concurrency`` at a time, over at most ``concurrency``
    keep-alive connections per push-service host."""

    def __init__(self, signer: Signer, *, concurrency: int = 16, timeout: float = 10.0) -> None:
        self.signer = signer
        self.timeout = timeout
        self.session = requests.Session()
        self.session.trust_env = False  # no proxies or .netrc from the environment
        adapter = HTTPAdapter(
            pool_connections=16, pool_maxsize=concurrency, pool_block=True, max_retries=0
        )
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.executor = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="webpush")

    def headers(self, message: Message) -> dict[str, str]:
        headers = {
            "Authorization": self.signer.authorization(message.subscription["endpoint"]),
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
            "TTL": str(message.ttl),
            "Urgency": message.urgency,
        }
        if message.topic:
            headers["Topic"] = message.topic
        return headers

    def send(self, message: Message) -> Outcome:
        try:
            body = encrypt(message.subscription, message.payload)
        except Exception:  # keys are checked on the way in; a bad row must not stop a batch
            return Outcome(None, unsendable=True)
        try:
            response = self.session.post(
                message.subscription["endpoint"],
                data=body,
                headers=self.headers(message),
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.RequestException:
            return Outcome(None)
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        response.close()
        return Outcome(response.status_code, retry_after)

    def send_many(self, messages: Iterable[Message]) -> Iterator[tuple[Any, Outcome]]:
        """(key, outcome) as each answer comes back."""
        for answered in self.send_rounds(messages):
            yield from answered

    def send_rounds(self, messages: Iterable[Message]) -> Iterator[list[tuple[Any, Outcome]]]:
        """Every answer that came back since the caller last asked, as one list: a caller
        recording them is never more than one round behind, and records a round at once."""
        pending = {self.executor.submit(self.send, m): m.key for m in messages}
        while pending:
            done, _still = wait(pending, return_when=FIRST_COMPLETED)
            yield [(pending.pop(future), future.result()) for future in done]

    def close(self) -> None:
        self.executor.shutdown(wait=True)
        self.session.close()
