"""The live stock socket: ``ws(s)://<host>/ws/shops/<slug>/``.

A socket does not join the channel layer itself: it joins its shop's process-local hub
(livestock/hub.py), which holds the one group subscription per shop and writes each change
to every local socket. The socket joins the hub *before* its snapshot is read; changes that
arrive meanwhile are buffered and only those newer than the snapshot go out after it. A
``resync`` answer is sent the same way, so the client sees each change once and in order.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from channels.consumer import get_handler_name
from channels.db import aclose_old_connections, database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer

from livestock import hub as live_hub
from shops.errors import UNAVAILABLE_ERRORS
from shops.models import Shop
from shops.validation import BadClientMessage, parse_client_message

logger = logging.getLogger(__name__)

CLOSE_UNKNOWN_SHOP = 4404
# "Try again later". Daphne refuses to send any close code but 1000 and 3000–4999 (not
# 1011 or 1013: it raises and logs a crash instead), so it is an application code.
CLOSE_TRY_AGAIN = 4503
MAX_CLIENT_FRAME = 4096


@database_sync_to_async
def _find_shop(slug: str) -> Shop | None:
    return Shop.objects.filter(slug=slug, is_active=True).only("pk", "slug").first()


class ShopStockConsumer(AsyncWebsocketConsumer):
    shop: Shop | None = None
    hub: live_hub.ShopHub | None = None
    member: live_hub.Member | None = None

    async def __call__(self, scope, receive, send) -> None:
        """Serve one socket without a channel-layer channel of its own (the hub has it).

        Every database read here goes through ``database_sync_to_async``, which closes stale
        connections in its own thread, so handling a message needs no extra thread hop (stock
        Channels makes one per message); only the disconnect makes one.
        """
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
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def websocket_disconnect(self, message: dict[str, Any]) -> None:
        self._leave()
        # Once per socket, as Channels does, for code that touched the database in the
        # shared sync thread without database_sync_to_async.
        await aclose_old_connections()
        raise StopConsumer()

    async def connect(self) -> None:
        slug = self.scope["url_route"]["kwargs"]["slug"]
        await self.accept()
        try:
            self.shop = await _find_shop(slug) if len(slug) <= 50 else None
            if self.shop is None:
                await self.close(code=CLOSE_UNKNOWN_SHOP)
                return
            self.hub, self.member = await live_hub.join(self.shop, self.base_send)
            await self._send_snapshot(already_held=True)
        except (live_hub.HubUnavailable, *UNAVAILABLE_ERRORS) as exc:
            # The database or the channel layer is away: say "try again later"; the
            # browser reconnects with backoff.
            logger.warning("live socket for %s refused, try again later: %s", slug, exc)
            self._leave()
            self.shop = None
            await self.close(code=CLOSE_TRY_AGAIN)

    def _leave(self) -> None:
        if self.hub is not None and self.member is not None:
            self.hub.remove(self.member)
        self.hub = self.member = None

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.member is None:
            return
        try:
            message = parse_client_message(text_data, bytes_data, max_length=MAX_CLIENT_FRAME)
        except BadClientMessage as bad:
            await self._send_error(bad.code)
            return
        if message["type"] == "resync":
            version = message.get("version")
            if isinstance(version, bool) or not isinstance(version, int) or version < 0:
                await self._send_error("invalid_version")
                return
            try:
                await self._resync(version)
            except UNAVAILABLE_ERRORS as exc:
                logger.warning("resync for shop %s failed, try again later: %s",
                               self.shop.pk, exc)
                self._leave()
                await self.close(code=CLOSE_TRY_AGAIN)
        elif message["type"] == "ping":
            await self._send({"type": "pong", "version": self.member.version})
        else:
            await self._send_error("unknown_type")

    async def _resync(self, client_version: int) -> None:
        """Every ``stock`` after the client's version, in order, or a snapshot."""
        hub, member = self.hub, self.member
        hub.hold(member)
        sent = member.version
        try:
            frames = hub.recent_after(client_version)
            if frames is not None:
                for frame in frames:
                    await member.send_frame(frame)
                sent = max(sent, hub.version if not frames else frames[-1].version)
            else:
                current = await hub.reads.current_version(self.shop.pk) or 0
                if client_version > current:
                    await self._send_snapshot(already_held=True)
                    return
                messages = await hub.reads.messages_after(self.shop, client_version, current)
                if messages is None:
                    await self._send_snapshot(already_held=True)
                    return
                for message in messages:
                    await self._send(message)
                sent = max(sent, current)
        except BaseException:
            member.held = False
            raise
        if not await hub.release(member, sent):
            await self._send_snapshot()

    async def _send_snapshot(self, *, already_held: bool = False) -> None:
        """Send a snapshot read after the hold, then the buffered changes newer than it."""
        hub, member = self.hub, self.member
        if not already_held:
            hub.hold(member)
        while True:
            try:
                version, frame = await hub.snapshot(member)
                await member.send_frame(frame)
            except BaseException:
                member.held = False
                raise
            if await hub.release(member, version):
                return
            hub.hold(member)

    async def _send_error(self, code: str) -> None:
        await self._send({"type": "error", "code": code})

    async def _send(self, message: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(message, ensure_ascii=False))
