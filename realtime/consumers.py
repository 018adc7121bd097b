"""The socket side of a versioned stream, shared by every live page.

A :class:`StreamConsumer` does not join the channel layer itself: it joins its stream's
process-local hub (realtime/hub.py), which holds the one group subscription per stream and
writes each change to every local socket. The socket joins the hub *before* its snapshot is
read; changes that arrive meanwhile are buffered and only those newer than the snapshot go
out after it. A ``resync`` is answered by the hub the same way, so the client sees each
change once and in order.

A subclass says which stream a socket follows (:meth:`StreamConsumer.open_stream`); the
protocol (snapshot, messages with ``version``, ``resync``, ``ping``, heartbeats, errors) is
the same for all of them and is described in docs/live-protocol.md.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from channels.consumer import get_handler_name
from channels.db import aclose_old_connections
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer

from realtime import hub as live_hub

logger = logging.getLogger(__name__)

CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
# "Try again later". Daphne refuses to send any close code but 1000 and 3000–4999 (not
# 1011 or 1013: it raises and logs a crash instead), so it is an application code.
CLOSE_TRY_AGAIN = 4503
MAX_CLIENT_FRAME = 4096


class StreamConsumer(AsyncWebsocketConsumer):
    """One socket following one versioned stream through its hub.

    ``own_channel = False`` (the default) serves the socket without a channel-layer channel
    of its own: every change reaches it through the hub. A consumer that must also receive
    messages addressed to it alone (the owner feed closing when access is revoked) sets
    ``own_channel = True`` and gets the usual Channels channel besides.
    """

    own_channel = False
    # The app's one reader of client messages: (text, bytes, max_length=) -> a dict with a
    # string ``type``, or a ValueError whose ``code`` is the error to answer with.
    parse_message: Callable[..., dict[str, Any]]
    hub: live_hub.StreamHub | None = None
    member: live_hub.Member | None = None

    async def open_stream(self) -> live_hub.Stream | None:
        """The stream this socket follows, or None after closing the socket with a reason."""
        raise NotImplementedError

    async def __call__(self, scope, receive, send) -> None:
        """Serve one socket; without a channel of its own unless ``own_channel``.

        Without one, every database read goes through ``database_sync_to_async``, which
        closes stale connections in its own thread, so handling a message needs no extra
        thread hop (stock Channels makes one per message); only the disconnect makes one.
        """
        try:
            if self.own_channel:
                await super().__call__(scope, receive, send)
                return
            self.scope = scope
            self.channel_layer = None
            self.base_send = send
            try:
                while True:
                    await self.dispatch(await receive())
            except StopConsumer:
                pass
        finally:
            self._leave()

    async def dispatch(self, message: dict[str, Any]) -> None:
        if self.own_channel:
            await super().dispatch(message)
            return
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def websocket_disconnect(self, message: dict[str, Any]) -> None:
        self._leave()
        if self.own_channel:
            await super().websocket_disconnect(message)
            return
        # Once per socket, as Channels does, for code that touched the database in the
        # shared sync thread without database_sync_to_async.
        await aclose_old_connections()
        raise StopConsumer()

    async def connect(self) -> None:
        await self.accept()
        try:
            stream = await self.open_stream()
            if stream is None:
                return
            self.hub, self.member = await live_hub.join(stream, self.base_send)
            await self.hub.send_snapshot(self.member, held=True)
        except (live_hub.HubUnavailable, *live_hub.UNAVAILABLE_ERRORS) as exc:
            # The database or the channel layer is away: say "try again later"; the
            # browser reconnects with backoff.
            logger.warning(
                "live socket %s refused, try again later: %s", self.scope.get("path"), exc
            )
            await self.close_stream(CLOSE_TRY_AGAIN)

    def _leave(self) -> None:
        if self.hub is not None and self.member is not None:
            self.hub.remove(self.member)
        self.hub = self.member = None

    def pause(self) -> None:
        """Hold this socket's frames (buffered in the hub) until :meth:`resume`: for a check
        that may end with closing it, so nothing slips out meanwhile."""
        if self.hub is not None and self.member is not None:
            self.hub.hold(self.member)

    async def resume(self) -> None:
        if self.hub is not None and self.member is not None:
            if not await self.hub.release(self.member, self.member.version):
                await self.hub.send_snapshot(self.member)

    async def close_stream(self, code: int) -> None:
        """Stop at once: leave the hub first, so nothing more is delivered, then close."""
        self._leave()
        await self.close(code=code)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.member is None:
            return
        try:
            message = self.parse_message(text_data, bytes_data, max_length=MAX_CLIENT_FRAME)
        except ValueError as bad:
            await self._send_error(getattr(bad, "code", "malformed_message"))
            return
        if message["type"] == "resync":
            version = message.get("version")
            if isinstance(version, bool) or not isinstance(version, int) or version < 0:
                await self._send_error("invalid_version")
                return
            try:
                await self.hub.resync(self.member, version)
            except live_hub.UNAVAILABLE_ERRORS as exc:
                logger.warning("resync of %s failed, try again later: %s", self.hub.group, exc)
                await self.close_stream(CLOSE_TRY_AGAIN)
        elif message["type"] == "ping":
            await self._send({"type": "pong", "version": self.member.version})
        else:
            await self._send_error("unknown_type")

    async def _send_error(self, code: str) -> None:
        await self._send({"type": "error", "code": code})

    async def _send(self, message: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(message, ensure_ascii=False))
