"""Tell the customer's page, the owner console and the café page that a reservation changed."""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)


def reservation_group(reservation_id: int) -> str:
    return f"reservation.{reservation_id}"


def owner_group(shop_id: int) -> str:
    return f"owner.reservations.{shop_id}"


def place_group(place_id: int) -> str:
    return f"place.reservations.{place_id}"


def publish_reservation_change(*, reservation_id: int, shop_id: int, place_id: int,
                               public: dict[str, Any], staff: dict[str, Any]) -> None:
    """Called only from on_commit; a lost message is repaired by the page's next fetch."""
    layer = get_channel_layer()
    if layer is None:
        return
    public_event = {"type": "reservation.message",
                    "message": {"type": "reservation", "reservation": public}}
    staff_event = {"type": "reservation.message",
                   "message": {"type": "reservation", "reservation": staff}}

    async def send_all() -> None:  # one hop to the event loop for the three groups
        await layer.group_send(reservation_group(reservation_id), public_event)
        await layer.group_send(owner_group(shop_id), staff_event)
        await layer.group_send(place_group(place_id), staff_event)

    try:
        async_to_sync(send_all)()
    except Exception:
        # Not left to on_commit(robust=True): Django's own logging of it fails on a partial.
        logger.warning("reservation %s change not sent; pages catch up on reconnect",
                       reservation_id, exc_info=True)
