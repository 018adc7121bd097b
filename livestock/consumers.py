"""The live stock socket: ``ws(s)://<host>/ws/shops/<slug>/``.

Every socket joins the shop's group before reading its snapshot, tracks the last version it
sent, fills any gap from the StockEvent log itself, and drops versions it already sent, so
its client sees each change once and in order even when writers' broadcasts cross.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from config.middleware import UNAVAILABLE_ERRORS
from livestock import selectors
from livestock.broadcast import shop_group
from shops.models import Shop

logger = logging.getLogger(__name__)

CLOSE_UNKNOWN_SHOP = 4404
# "Try again later". Daphne refuses to send any close code but 1000 and 3000–4999 (not
# 1011 or 1013: it raises and logs a crash instead), so it is an application code.
CLOSE_TRY_AGAIN = 4503
MAX_CLIENT_FRAME = 4096


@database_sync_to_async
def _find_shop(slug: str) -> Shop | None:
    return Shop.objects.filter(slug=slug, is_active=True).only("pk", "slug").first()


_snapshot = database_sync_to_async(selectors.stock_snapshot)
_messages_after = database_sync_to_async(selectors.stock_messages_after)
_current_version = database_sync_to_async(selectors.current_version)


class ShopStockConsumer(AsyncWebsocketConsumer):
    shop: Shop | None = None
    version: int = 0
    heartbeat_task: asyncio.Task | None = None

    async def connect(self) -> None:
        slug = self.scope["url_route"]["kwargs"]["slug"]
        await self.accept()
        try:
            self.shop = await _find_shop(slug) if len(slug) <= 50 else None
            if self.shop is None:
                await self.close(code=CLOSE_UNKNOWN_SHOP)
                return
            await self.channel_layer.group_add(shop_group(self.shop.pk), self.channel_name)
            await self._send_snapshot()
        except UNAVAILABLE_ERRORS as exc:
            # The database is away: say "try again later"; the browser reconnects with backoff.
            logger.warning("live socket for %s refused, database unavailable: %s", slug, exc)
            await self.close(code=CLOSE_TRY_AGAIN)
            return
        self.heartbeat_task = asyncio.ensure_future(self._heartbeat())

    async def disconnect(self, code: int) -> None:
        if self.heartbeat_task is not None:
            self.heartbeat_task.cancel()
        if self.shop is not None:
            await self.channel_layer.group_discard(shop_group(self.shop.pk), self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.shop is None:
            return
        if text_data is None or len(text_data) > MAX_CLIENT_FRAME:
            await self._send_error("malformed_message")
            return
        try:
            message = json.loads(text_data)
        except ValueError:
            await self._send_error("malformed_json")
            return
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            await self._send_error("malformed_message")
            return
        if message["type"] == "resync":
            version = message.get("version")
            if isinstance(version, bool) or not isinstance(version, int) or version < 0:
                await self._send_error("invalid_version")
                return
            await self._resync(version)
        elif message["type"] == "ping":
            await self._send({"type": "pong", "version": self.version})
        else:
            await self._send_error("unknown_type")

    async def stock_message(self, event: dict[str, Any]) -> None:
        """A committed change from the group; deliver only what extends what we sent."""
        message = event["message"]
        version = message["version"]
        if version <= self.version:
            return
        if version == self.version + 1:
            self.version = version
            await self._send(message)
            return
        await self._catch_up(version)

    async def _resync(self, client_version: int) -> None:
        current = await _current_version(self.shop.pk) or 0
        if client_version == current:
            return
        if client_version > current:
            await self._send_snapshot()
            return
        messages = await _messages_after(self.shop, client_version, current)
        if messages is None:
            await self._send_snapshot()
            return
        for message in messages:
            await self._send(message)
        self.version = max(self.version, current)

    async def _catch_up(self, until: int) -> None:
        messages = await _messages_after(self.shop, self.version, until)
        if messages is None:
            await self._send_snapshot()
            return
        for message in messages:
            await self._send(message)
        self.version = until

    async def _send_snapshot(self) -> None:
        snapshot = await _snapshot(self.shop)
        self.version = snapshot["version"]
        await self._send(snapshot)

    async def _heartbeat(self) -> None:
        interval = settings.LIVESTOCK_HEARTBEAT_SECONDS
        try:
            while True:
                await asyncio.sleep(interval)
                try:
                    version = await _current_version(self.shop.pk)
                except UNAVAILABLE_ERRORS:
                    continue  # the database is away: skip this beat, not all later ones
                await self._send({"type": "heartbeat", "version": version or 0})
        except asyncio.CancelledError:
            pass
        except Exception:
            logger.exception("heartbeat stopped for shop %s", self.shop.pk)

    async def _send_error(self, code: str) -> None:
        await self._send({"type": "error", "code": code})

    async def _send(self, message: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(message, ensure_ascii=False))
