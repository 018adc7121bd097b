"""Reservations as the API, the pages and the sockets show them."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from pickup.codes import format_code, mask_phone
from pickup.models import Reservation


def _local(value) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def _window(reservation: Reservation) -> dict[str, Any] | None:
    window = reservation.window
    if window is None:
        return None
    return {
        "id": window.pk,
        "starts_at": f"{window.starts_at:%H:%M}",
        "ends_at": f"{window.ends_at:%H:%M}",
        "label": window.label,
    }


def reservation_payload(reservation: Reservation) -> dict[str, Any]:
    """What the customer holding the secret link sees (and what creation returns)."""
    point = reservation.pickup_point
    place = point.place
    return {
        "token": reservation.token,
        "code": reservation.code,
        "code_display": format_code(reservation.code),
        "status": reservation.status,
        "status_label": str(reservation.get_status_display()),
        "shop": {"slug": reservation.shop.slug, "name": reservation.shop.name},
        "listing_id": reservation.listing_id,
        "option_id": reservation.option_id,
        "item_name": reservation.item_name,
        "quantity": reservation.quantity,
        "units": reservation.units,
        "unit_price": reservation.unit_price,
        "total_price": reservation.total_price,
        "pickup_point": {
            "id": point.pk,
            "name": place.name,
            "address": place.address,
            "lat": place.lat,
            "lng": place.lng,
            "opening_hours": place.opening_hours,
            "handover_notes": place.handover_notes,
            "is_shop_counter": point.is_shop_counter,
        },
        "window": _window(reservation),
        "date": reservation.date.isoformat(),
        "pickup_starts_at": _local(reservation.pickup_starts_at),
        "pickup_ends_at": _local(reservation.pickup_ends_at),
        "name": reservation.name,
        "phone_masked": mask_phone(reservation.phone),
        "cancel_reason": reservation.cancel_reason,
        "cancelled_by": reservation.cancelled_by,
        "created_at": _local(reservation.created_at),
        "updated_at": _local(reservation.updated_at),
        "url": reverse("pickup:reservation_page", kwargs={"token": reservation.token}),
    }


def reservation_staff_payload(reservation: Reservation) -> dict[str, Any]:
    """What the owner console and café staff see: no secret link, phone masked."""
    return {
        "id": reservation.pk,
        "code": reservation.code,
        "status": reservation.status,
        "status_label": str(reservation.get_status_display()),
        "shop": reservation.shop.slug,
        "item_name": reservation.item_name,
        "quantity": reservation.quantity,
        "units": reservation.units,
        "total_price": reservation.total_price,
        "pickup_point_id": reservation.pickup_point_id,
        "place_id": reservation.pickup_point.place_id,
        "window": _window(reservation),
        "name": reservation.name,
        "phone_masked": mask_phone(reservation.phone),
        "cancel_reason": reservation.cancel_reason,
    }


def reservation_pos_payload(reservation: Reservation) -> dict[str, Any]:
    """What a point-of-sale tool sees (the POS list and the ``reservation.*`` events): no
    secret link, no name, the phone masked (DESIGN.md's contract)."""
    return {
        "id": reservation.pk,
        "shop": reservation.shop.slug,
        "status": reservation.status,
        "code": reservation.code,
        "listing_id": reservation.listing_id,
        "option_id": reservation.option_id,
        "item_name": reservation.item_name,
        "quantity": reservation.quantity,
        "units": reservation.units,
        "total_price": reservation.total_price,
        "pickup_point_id": reservation.pickup_point_id,
        "pickup_date": reservation.date.isoformat(),
        "window": _window(reservation),
        "pickup_starts_at": _local(reservation.pickup_starts_at),
        "pickup_ends_at": _local(reservation.pickup_ends_at),
        "phone": mask_phone(reservation.phone),
        "cancel_reason": reservation.cancel_reason,
        "cancelled_by": reservation.cancelled_by,
        "version": reservation.version,
        "created_at": _local(reservation.created_at),
        "updated_at": _local(reservation.updated_at),
    }
