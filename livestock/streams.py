"""The shop's stock as a realtime stream: its group and the reads that answer for it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from channels.db import database_sync_to_async

from livestock import selectors
from realtime.hub import Reads, Stream
from realtime.publish import publish_on_commit
from shops.models import Shop


def shop_group(shop_id: int) -> str:
    return f"shop.{shop_id}"


@dataclass(frozen=True)
class StockReads:
    """The database reads behind every shop's stock stream; tests swap in their own."""

    current_version: Callable[[int], Awaitable[int | None]]
    messages_after: Callable[[Shop, int, int], Awaitable[list[dict[str, Any]] | None]]
    snapshot: Callable[[Shop], Awaitable[dict[str, Any]]]


DB_READS = StockReads(
    current_version=database_sync_to_async(selectors.current_version),
    messages_after=database_sync_to_async(selectors.stock_messages_after),
    snapshot=database_sync_to_async(selectors.stock_snapshot),
)


def stock_stream(shop: Shop) -> Stream:
    """The ``/ws/shops/<slug>/`` stream: versions are the shop's ``stock_version``, missed
    messages come from the StockEvent log, the snapshot is every active listing."""
    reads = DB_READS
    return Stream(
        group=shop_group(shop.pk),
        reads=Reads(
            current_version=lambda: reads.current_version(shop.pk),
            messages_after=lambda version, until: reads.messages_after(shop, version, until),
            snapshot=lambda: reads.snapshot(shop),
        ),
    )


def publish_stock_message(shop_id: int, message: dict[str, Any]) -> None:
    """Send one ``stock`` message to the shop's sockets once the transaction commits."""
    publish_on_commit(shop_group(shop_id), message)
