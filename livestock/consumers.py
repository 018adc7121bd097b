"""The live stock socket: ``ws(s)://<host>/ws/shops/<slug>/`` (the stream protocol is in
realtime/consumers.py; this says which stream a socket follows)."""

from __future__ import annotations

from channels.db import database_sync_to_async

from livestock.streams import stock_stream
from realtime.consumers import CLOSE_NOT_FOUND, StreamConsumer
from realtime.hub import Stream
from shops.models import Shop
from shops.validation import parse_client_message

CLOSE_UNKNOWN_SHOP = CLOSE_NOT_FOUND


@database_sync_to_async
def _find_shop(slug: str) -> Shop | None:
    return Shop.objects.filter(slug=slug, is_active=True).only("pk", "slug").first()


class ShopStockConsumer(StreamConsumer):
    parse_message = staticmethod(parse_client_message)
    shop: Shop | None = None

    async def open_stream(self) -> Stream | None:
        slug = self.scope["url_route"]["kwargs"]["slug"]
        self.shop = await _find_shop(slug) if len(slug) <= 50 else None
        if self.shop is None:
            await self.close(code=CLOSE_UNKNOWN_SHOP)
            return None
        return stock_stream(self.shop)
