"""A websocket client that follows the live protocol the way static/js/live.js does.

It applies a ``stock`` message only when its version is exactly one more than the last one
applied, asks for ``resync`` on a gap or a heartbeat that is ahead, reconnects (to whatever
``url()`` returns next) when the socket drops, and records every state it ever showed so a
test can check that no state was wrong.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.sync.client import ClientConnection, connect


class LiveClient:
    def __init__(self, url: Callable[[], str], origin: Callable[[], str]) -> None:
        self._url = url
        self._origin = origin
        self.socket: ClientConnection | None = None
        self.version = 0
        self.counts: dict[int, int] = {}
        self.shown: list[tuple[int, dict[int, int]]] = []  # (version, counts) after each change
        self.messages: list[dict[str, Any]] = []
        self.connections = 0

    def connect(self, timeout: float = 10) -> None:
        # Entered by hand so the connection can outlive this call and be replaced later.
        self.socket = connect(
            self._url(), origin=self._origin(), open_timeout=timeout, close_timeout=1, proxy=None
        ).__enter__()
        self.connections += 1
        if self.version:
            self.send({"type": "resync", "version": self.version})

    def close(self) -> None:
        if self.socket is not None:
            self.socket.close()

    def send(self, message: dict[str, Any]) -> None:
        assert self.socket is not None
        self.socket.send(json.dumps(message))

    def apply(self, message: dict[str, Any]) -> None:
        self.messages.append(message)
        kind = message.get("type")
        if kind == "snapshot":
            self.counts = {item["id"]: item["available"] for item in message["listings"]}
            self.version = message["version"]
        elif kind == "stock":
            if message["version"] <= self.version:
                return
            if message["version"] != self.version + 1:
                self.send({"type": "resync", "version": self.version})
                return
            self.version = message["version"]
            self.counts[message["listing"]["id"]] = message["listing"]["available"]
        elif kind == "heartbeat":
            if message["version"] > self.version:
                self.send({"type": "resync", "version": self.version})
            return
        else:
            return
        self.shown.append((self.version, dict(self.counts)))

    def pump(
        self, until: Callable[[LiveClient], bool], timeout: float, reconnect: bool = True
    ) -> None:
        """Read and apply messages until ``until(self)`` holds, reconnecting when dropped."""
        deadline = time.monotonic() + timeout
        while not until(self):
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"live client stuck at version {self.version}: {self.counts}")
            if self.socket is None:
                self._reconnect(deadline)
                continue
            try:
                frame = self.socket.recv(timeout=min(left, 1.0))
            except TimeoutError:
                continue
            except ConnectionClosed:
                self.socket = None
                if not reconnect:
                    raise
                continue
            self.apply(json.loads(frame))

    def _reconnect(self, deadline: float) -> None:
        delay = 0.1
        while True:
            try:
                self.connect()
                return
            except (OSError, InvalidHandshake, InvalidStatus, TimeoutError):
                if time.monotonic() + delay > deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 2.0)
