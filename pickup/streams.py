"""Tell the customer's page, the owner console and the café page that a reservation changed."""

from __future__ import annotations

from typing import Any

from realtime.publish import publish_many_on_commit


def reservation_group(reservation_id: int) -> str:
    return f"reservation.{reservation_id}"


def owner_group(shop_id: int) -> str:
    return f"owner.reservations.{shop_id}"


def place_group(place_id: int) -> str:
    return f"place.reservations.{place_id}"


def publish_reservation_change(*, reservation_id: int, shop_id: int, place_id: int,
                               public: dict[str, Any], staff: dict[str, Any]) -> None:
    """Send the change to the three pages once the transaction commits."""
    public_message = {"type": "reservation", "reservation": public}
    staff_message = {"type": "reservation", "reservation": staff}
    publish_many_on_commit([
        (reservation_group(reservation_id), public_message),
        (owner_group(shop_id), staff_message),
        (place_group(place_id), staff_message),
    ])
