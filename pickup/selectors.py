"""Reads about pickup points and reservations shared by pages and the API."""

from __future__ import annotations

from typing import Any

from shops.models import Shop


def public_pickup_points(shop: Shop) -> list[dict[str, Any]]:
    """Active pickup points of a shop, the shop's own counter first."""
    return [
        {"id": None, "name": shop.name, "lat": shop.lat, "lng": shop.lng, "address": shop.address,
         "is_shop": True}
    ]
