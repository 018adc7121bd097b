"""Live reservation status for the customer's page, the owner console and the café page.

Each socket gets the current state on connect (joined to its group first, so nothing falls
between), then every committed change. A lost group message is repaired by reconnecting.
"""

from __future__ import annotations

import json
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from pickup import reservation_selectors as selectors
from pickup.broadcast import owner_group, place_group, reservation_group
from pickup.payloads import reservation_payload
from shops.auth import shops_for_user
from shops.validation import BadClientMessage, parse_client_message

CLOSE_NOT_FOUND = 4404
CLOSE_FORBIDDEN = 4403


@database_sync_to_async
def _reservation(token: str) -> tuple[int, dict[str, Any]] | None:
    reservation = selectors.reservation_by_token(token)
    if reservation is None:
        return None
    return reservation.pk, reservation_payload(reservation)


@database_sync_to_async
def _owned_shop_id(user, slug: str) -> int | None:
    if user is None or not getattr(user, "is_authenticated", False) or len(slug) > 50:
        return None
    return shops_for_user(user).filter(slug=slug).values_list("pk", flat=True).first()


@database_sync_to_async
def _place_id(token: str) -> int | None:
    place = selectors.place_by_staff_token(token)
    return place.pk if place else None


class _GroupConsumer(AsyncWebsocketConsumer):
    group: str | None = None

    async def join(self, group: str) -> None:
        self.group = group
        await self.channel_layer.group_add(group, self.channel_name)

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            message = parse_client_message(text_data, bytes_data)
        except BadClientMessage as bad:
            await self._send({"type": "error", "code": bad.code})
            return
        if message["type"] == "ping":
            await self._send({"type": "pong"})
        else:
            await self._send({"type": "error", "code": "unknown_type"})

    async def reservation_message(self, event: dict[str, Any]) -> None:
        await self._send(event["message"])

    async def _send(self, message: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(message, ensure_ascii=False))


class ReservationConsumer(_GroupConsumer):
    """``/ws/reservations/<token>/``: the customer's page follows its reservation."""

    async def connect(self) -> None:
        token = self.scope["url_route"]["kwargs"]["token"]
        await self.accept()
        found = await _reservation(token)
        if found is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        reservation_id, _payload = found
        await self.join(reservation_group(reservation_id))
        found = await _reservation(token)
        await self._send({"type": "reservation", "reservation": found[1]})


class OwnerReservationsConsumer(_GroupConsumer):
    """``/ws/owner/shops/<slug>/reservations/``: a member's console follows today's orders."""

    async def connect(self) -> None:
        slug = self.scope["url_route"]["kwargs"]["slug"]
        await self.accept()
        shop_id = await _owned_shop_id(self.scope.get("user"), slug)
        if shop_id is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await self.join(owner_group(shop_id))
        await self._send({"type": "ready"})


class PlaceReservationsConsumer(_GroupConsumer):
    """``/ws/cafe/<staff_token>/``: a café's staff page follows the orders for its counter."""

    async def connect(self) -> None:
        token = self.scope["url_route"]["kwargs"]["token"]
        await self.accept()
        place_id = await _place_id(token)
        if place_id is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        await self.join(place_group(place_id))
        await self._send({"type": "ready"})


