"""Deliver committed stock changes to every subscribed socket, in every process."""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)


def shop_group(shop_id: int) -> str:
    return f"shop.{shop_id}"


def publish_stock_message(shop_id: int, message: dict[str, Any]) -> None:
    """Send one ``stock`` message to the shop's group. Called only from on_commit.

    Group delivery is at-most-once; clients detect a gap by version and resync from the
    StockEvent log, so a failed send here is logged and never raised into the request.
    """
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(
            shop_group(shop_id), {"type": "stock.message", "message": message}
        )
    except Exception:
        # Not left to on_commit(robust=True): Django's own logging of it fails on a partial.
        logger.warning("stock message v%s for shop %s not sent; clients will resync",
                       message.get("version"), shop_id, exc_info=True)
