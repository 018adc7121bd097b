"""Live reservation status for the customer's page, the owner console and the café page.

Each socket follows one versioned stream (pickup/streams.py) through the realtime hub, with
the same protocol as the live stock: a snapshot on connect, then every committed change with
its ``version``, ``resync`` when the page notices a gap, heartbeats carrying the version.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model

from pickup import reservation_selectors as selectors
from pickup import streams
from realtime.consumers import CLOSE_FORBIDDEN, CLOSE_NOT_FOUND, StreamConsumer
from realtime.hub import Stream
from shops.auth import shops_for_user
from shops.live import ACCESS_CHANGED, user_group
from shops.validation import parse_client_message


@database_sync_to_async
def _reservation_id(token: str) -> int | None:
    reservation = selectors.reservation_by_token(token)
    return reservation.pk if reservation else None


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


class ReservationConsumer(StreamConsumer):
    """``/ws/reservations/<token>/``: the customer's page follows its reservation."""

    parse_message = staticmethod(parse_client_message)

    async def open_stream(self) -> Stream | None:
        reservation_id = await _reservation_id(self.scope["url_route"]["kwargs"]["token"])
        if reservation_id is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return None
        return streams.reservation_stream(reservation_id)


class OwnerReservationsConsumer(StreamConsumer):
    """``/ws/owner/shops/<slug>/reservations/``: a member's console follows the shop's orders.

    Besides the shop's feed it has a channel of its own in the user's group, so a removal
    committed anywhere closes it (shops/live.py).
    """

    own_channel = True
    parse_message = staticmethod(parse_client_message)
    user_id: int | None = None
    shop_id: int | None = None
    closed = False

    async def open_stream(self) -> Stream | None:
        slug = self.scope["url_route"]["kwargs"]["slug"]
        shop_id = await _owned_shop_id(self.scope.get("user"), slug)
        if shop_id is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return None
        self.shop_id, self.user_id = shop_id, self.scope["user"].pk
        # The user's group first: a removal committed from here on reaches this socket.
        await self.channel_layer.group_add(user_group(self.user_id), self.channel_name)
        if not await _still_member(self.user_id, shop_id):
            await self.close_forbidden()
            return None
        return streams.owner_stream(shop_id)

    async def realtime_message(self, event: dict[str, Any]) -> None:
        """A message to this socket's own channel: the user's access changed somewhere."""
        message = event.get("message") or {}
        if message.get("type") == ACCESS_CHANGED:
            await self.access_changed(message)

    async def access_changed(self, message: dict[str, Any]) -> None:
        """Close if this shop is no longer theirs."""
        if self.closed or message.get("shop_id") not in (None, self.shop_id):
            return
        # Orders committed after the change must not reach a socket that is losing access:
        # hold them until the check says whether it stays.
        self.pause()
        if not await _still_member(self.user_id, self.shop_id):
            await self.close_forbidden()
            return
        await self.resume()

    async def close_forbidden(self) -> None:
        """Stop at once: leave the feed and the user's group first, so nothing more is
        delivered."""
        self.closed = True
        await self._leave_user_group()
        await self.close_stream(CLOSE_FORBIDDEN)

    async def _leave_user_group(self) -> None:
        if self.user_id is not None and self.channel_layer is not None:
            await self.channel_layer.group_discard(user_group(self.user_id), self.channel_name)

    async def disconnect(self, code: int) -> None:
        await self._leave_user_group()


class PlaceReservationsConsumer(StreamConsumer):
    """``/ws/cafe/<staff_token>/``: a café's staff page follows the orders for its counter."""

    parse_message = staticmethod(parse_client_message)

    async def open_stream(self) -> Stream | None:
        place_id = await _place_id(self.scope["url_route"]["kwargs"]["token"])
        if place_id is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return None
        return streams.place_stream(place_id)
