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
    send = async_to_sync(layer.group_send)
    send(reservation_group(reservation_id),
         {"type": "reservation.message", "message": {"type": "reservation", "reservation": public}})
    staff_event = {"type": "reservation.message",
                   "message": {"type": "reservation", "reservation": staff}}
    send(owner_group(shop_id), staff_event)
    send(place_group(place_id), staff_event)
