"""Live reservation status for the customer's page, the owner console and the café page.

Each socket gets the current state on connect (joined to its group first, so nothing falls
between), then every committed change. A lost group message is repaired by reconnecting.
"""

from __future__ import annotations

import json
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.contrib.auth import get_user_model

from pickup import reservation_selectors as selectors
from pickup.payloads import reservation_payload
from pickup.streams import owner_group, place_group, reservation_group
from shops.auth import shops_for_user
from shops.live import ACCESS_CHANGED, user_group

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
def _still_member(user_id: int, shop_id: int) -> bool:
    """Whether the user may still follow this shop's orders (read afresh, not from the
    session's user object: they may have been deactivated since)."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    return user is not None and shops_for_user(user).filter(pk=shop_id).exists()


@database_sync_to_async
def _place_id(token: str) -> int | None:
    place = selectors.place_by_staff_token(token)
    return place.pk if place else None


class _GroupConsumer(AsyncWebsocketConsumer):
    joined: list[str]
    closed: bool = False

    async def join(self, group: str) -> None:
        self.joined = [*getattr(self, "joined", []), group]
        await self.channel_layer.group_add(group, self.channel_name)

    async def leave_all(self) -> None:
        groups, self.joined = getattr(self, "joined", []), []
        for group in groups:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def disconnect(self, code: int) -> None:
        await self.leave_all()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            message = json.loads(text_data or "")
        except ValueError:
            await self._send({"type": "error", "code": "malformed_json"})
            return
        if isinstance(message, dict) and message.get("type") == "ping":
            await self._send({"type": "pong"})
        else:
            await self._send({"type": "error", "code": "unknown_type"})

    async def realtime_message(self, event: dict[str, Any]) -> None:
        if not self.closed:
            await self._send(event["message"])

    async def close_forbidden(self) -> None:
        """Stop at once: leave every group first, so nothing more is delivered."""
        self.closed = True
        await self.leave_all()
        await self.close(code=CLOSE_FORBIDDEN)

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
        self.shop_id, self.user_id = shop_id, self.scope["user"].pk
        # The user's group first: a removal committed from here on reaches this socket.
        await self.join(user_group(self.user_id))
        if not await _still_member(self.user_id, shop_id):
            await self.close_forbidden()
            return
        await self.join(owner_group(shop_id))
        await self._send({"type": "ready"})

    async def realtime_message(self, event: dict[str, Any]) -> None:
        message = event["message"]
        if message.get("type") == ACCESS_CHANGED:
            await self.access_changed(message)
        else:
            await super().realtime_message(event)

    async def access_changed(self, event: dict[str, Any]) -> None:
        """The user's membership changed somewhere: close if this shop is no longer theirs."""
        if self.closed or event.get("shop_id") not in (None, self.shop_id):
            return
        if not await _still_member(self.user_id, self.shop_id):
            await self.close_forbidden()


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


